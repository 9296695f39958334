"""One `leaflets mail` run: plan against the send log, check everything, then deliver."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from leaflets.approvals.overview import approval_gaps
from leaflets.approvals.records import ApprovalError
from leaflets.build.matrix import Variant
from leaflets.content.models import Brand
from leaflets.errors import LeafletsError, MailError
from leaflets.i18n.languages import bcp47
from leaflets.mail import DEADLINE
from leaflets.mail.addresses import mask, normalise_address
from leaflets.mail.attachments import Attachments
from leaflets.mail.batch import Row
from leaflets.mail.compose import compose
from leaflets.mail.outbox import write_eml
from leaflets.mail.sendlog import SMTP, SendLog, delivery_key, outbox_destination
from leaflets.mail.smtp import Mailer, SmtpSettings

Say = Callable[[str], None]


@dataclass(frozen=True)
class MailRun:
    """What to send, in which variant, and where to."""

    rows: list[Row]
    variant: Variant
    out_dir: Path
    outbox: Path | None = None  # None: e-mail through the SMTP server
    batch: Path | None = None  # the CSV the rows come from; None for a single --to
    log_path: Path | None = None  # the batch's send log
    deadline: float = DEADLINE
    allow_unapproved: bool = False  # send leaflets without approval records (they say so)

    @property
    def verb(self) -> str:
        """What delivering means in this run."""
        return f"written to {self.outbox}" if self.outbox else "sent"


def run_mail(run: MailRun, say: Say) -> None:
    """Check every row, then deliver the rows not yet delivered to this destination.

    ``say`` receives the progress lines. A failure is a MailError that says what was
    delivered and what running the same command again will do.
    """
    settings = None if run.outbox else SmtpSettings.from_env()
    sender = settings.sender if settings else _outbox_sender(run.variant)
    destination = outbox_destination(run.outbox) if run.outbox else SMTP
    log_or_none = SendLog(run.log_path) if run.log_path else contextlib.nullcontext()
    with log_or_none as log:
        todo = _plan(run, log, destination, say)
        if not todo:
            say(f"Nothing to do: every row was already {run.verb} (log: {run.log_path}).")
            return
        if not run.allow_unapproved:
            pairs = [(topic, row.recipient.lang) for row in todo for topic in row.recipient.topics]
            _refuse_unapproved(run.variant.brand, pairs)
        attachments = Attachments(run.variant, run.out_dir)
        attachments.check([row.recipient for row in todo])
        connection = Mailer(settings, run.deadline) if settings else contextlib.nullcontext()
        with connection as mailer:
            for number, row in enumerate(todo, 1):
                entry = {"line": row.line, "key": delivery_key(row.recipient)}
                entry |= {"to": mask(row.recipient.email), "destination": destination}
                try:
                    message = compose(
                        row.recipient, run.variant.brand, sender, attachments.files(row.recipient)
                    )
                    if mailer is None:
                        where = str(write_eml(run.outbox or Path("."), message, number))
                    else:
                        mailer.send(message)
                        where = "sent"
                except LeafletsError as exc:
                    if log:
                        log.write(**entry, status="failed", error=exc.message)
                    raise MailError(
                        _stopped(run, row, exc.message, number - 1, len(todo))
                    ) from None
                if log:
                    status = "sent" if mailer else "written"
                    log.write(**entry, status=status, message_id=str(message["Message-ID"]))
                topics = ", ".join(row.recipient.topics)
                say(f"{entry['to']} ({bcp47(row.recipient.lang)}, {topics}): {where}")
    say(_finished(run, len(todo)))


def _refuse_unapproved(brand: Brand, leaflets: list[tuple[str, str]]) -> None:
    gaps = approval_gaps(brand, leaflets, dt.date.today())
    if gaps:
        raise ApprovalError(
            f"not approved for patient use at {brand.name}; nothing sent:\n"
            + "\n".join(gaps)
            + "\nrecord the approvals (README: Clinical approval), or pass --allow-unapproved "
            "to send them with the 'not approved' band"
        )


def _outbox_sender(variant: Variant) -> str:
    sender = os.environ.get("LEAFLETS_MAIL_FROM") or variant.brand.email
    if not sender:
        raise MailError("set LEAFLETS_MAIL_FROM (or an email in the brand file) for the From line")
    return normalise_address(sender, "LEAFLETS_MAIL_FROM")


def _plan(run: MailRun, log: SendLog | None, destination: str, say: Say) -> list[Row]:
    """The rows to deliver now: each delivery once, none already delivered to this destination."""
    if log:
        say(f"Send log: {log.path}")
        for note in log.notes:
            say(note)
    delivered = log.delivered if log else {}
    first_line: dict[str, int] = {}
    todo, skipped, outbox_only = [], 0, 0
    for row in run.rows:
        key = delivery_key(row.recipient)
        if key in first_line:
            say(
                f"{run.batch}:{row.line}: same address, language, topics and follow-up as line "
                f"{first_line[key]}; delivered once"
            )
            continue
        first_line[key] = row.line
        if key in delivered.get(destination, ()):
            skipped += 1
        else:
            todo.append(row)
            outbox_only += destination == SMTP and any(key in keys for keys in delivered.values())
    if skipped:
        say(f"{skipped} row(s) already {run.verb}: skipped.")
    if outbox_only:
        say(f"{outbox_only} row(s) were only written to an outbox before: e-mailing them now.")
    return todo


def _stopped(run: MailRun, row: Row, error: str, done: int, total: int) -> str:
    """The error that ends a run, with what was delivered and what a rerun does."""
    where = f"{run.batch}:{row.line}: " if run.batch else ""
    text = f"{where}{mask(row.recipient.email)}: {error}"
    if not run.batch:
        return f"{text}\nRun the same command again to retry."
    return (
        f"{text}\n{done} of {total} row(s) {run.verb}, {total - done} not. "
        f"Run the same command again to resume: rows already {run.verb} are skipped "
        f"(log: {run.log_path})."
    )


def _finished(run: MailRun, count: int) -> str:
    if not run.outbox:
        return f"Done: {count} sent."
    again = "rows already e-mailed are skipped" if run.batch else "it is e-mailed then"
    return (
        f"Done: {count} written to {run.outbox}. Nothing was e-mailed: to send, run the same "
        f"command without --outbox ({again})."
    )
