"""The leaflets a mail run attaches: all checked, and built, before the first message goes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from leaflets.build.batch import Settings, run_batch
from leaflets.build.matrix import Job, Variant, prepare, prepare_all, render_pdf
from leaflets.errors import LeafletsError, MailError
from leaflets.mail.addresses import Recipient
from leaflets.mail.compose import Attachment, attachment, mail_problems


class Attachments:
    """Leaflet PDFs in exactly the variant asked for (brand, paper, print size).

    Impersonal leaflets are built into (or reused from) the variant's own file in ``out_dir``.
    A leaflet with a follow-up date is personal: it is rendered in memory and never written.
    """

    def __init__(self, variant: Variant, out_dir: Path) -> None:
        self.variant = variant
        self.out_dir = out_dir
        self.paths: dict[Job, Path] = {}
        self.personal: dict[tuple[Job, dt.date], bytes] = {}

    def _jobs(self, recipient: Recipient) -> list[Job]:
        return [Job(topic, recipient.lang, self.variant) for topic in recipient.topics]

    def check(self, recipients: list[Recipient]) -> None:
        """Check every language's mail strings and every leaflet; MailError lists all problems.

        Then build the impersonal leaflets and render each personal one once, so that a
        leaflet that cannot be made stops the run before anything is sent.
        """
        languages = dict.fromkeys(r.lang for r in recipients)
        problems = [problem for lang in languages for problem in mail_problems(lang)]
        jobs = list(dict.fromkeys(job for r in recipients for job in self._jobs(r)))
        try:
            prepare_all(jobs)
        except LeafletsError as exc:
            problems.append(exc.message)
        if not problems:
            problems = self._make(recipients)
        if problems:
            raise MailError("\n".join(problems) + "\nnothing was sent")

    def _make(self, recipients: list[Recipient]) -> list[str]:
        impersonal = dict.fromkeys(
            job for r in recipients if r.follow_up is None for job in self._jobs(r)
        )
        outcomes = run_batch(list(impersonal), Settings(self.out_dir), lambda outcome: None)
        problems = [o.error for o in outcomes if o.status == "failed"]
        self.paths = {o.job: o.path for o in outcomes if o.status != "failed"}
        tried: set[Job] = set()
        for recipient in recipients:
            for job in self._jobs(recipient):
                if recipient.follow_up is None or job in tried:
                    continue
                tried.add(job)
                try:
                    self._personal(job, recipient.follow_up)
                except LeafletsError as exc:
                    problems.append(exc.message)
        return problems

    def _personal(self, job: Job, follow_up: dt.date) -> bytes:
        key = (job, follow_up)
        if key not in self.personal:
            if len(self.personal) > 64:  # a few per leaflet; never a whole batch in memory
                self.personal.clear()
            prepared = dataclasses.replace(prepare(job), follow_up=follow_up)
            self.personal[key] = render_pdf(prepared)
        return self.personal[key]

    def files(self, recipient: Recipient) -> list[Attachment]:
        """The leaflet of each topic, for a recipient that ``check`` has seen."""
        files = []
        for job in self._jobs(recipient):
            if recipient.follow_up is None:
                try:
                    data = self.paths[job].read_bytes()
                except OSError as exc:
                    raise MailError(
                        f"{self.paths[job]}: cannot read the leaflet ({exc.strerror})"
                    ) from None
            else:
                data = self._personal(job, recipient.follow_up)
            files.append(attachment(job.lang, job.topic, data))
        return files
