"""Mail leaflets to patients: compose in their language, send over TLS, resume batches."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import ipaddress
import os
import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from leaflets.batch import Settings, run_batch
from leaflets.build import Job, Variant, prepare, render_pdf
from leaflets.content import available_topics, load_topic
from leaflets.errors import LeafletsError, UsageError
from leaflets.i18n import (
    SOURCE_LANGUAGE,
    find_gaps,
    interface_messages,
    load_po,
    parse_language,
    translations_for,
)
from leaflets.models import Brand
from leaflets.paths import TEMPLATES_DIR

SECURITY = ("starttls", "tls", "none")
#: The default policy, but folding headers only past RFC 5322's 998 characters: Python 3.11
#: drops the space between two encoded words when it folds a non-ASCII subject (seen with
#: Arabic), so a translated subject stays on one line.
MAIL_POLICY = policy.default.clone(max_line_length=998)
_LINE_BREAK = re.compile(r"[\r\n]")


class MailError(LeafletsError):
    """A mail setting or recipient is wrong; nothing was sent."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send, from LEAFLETS_SMTP_* and LEAFLETS_MAIL_FROM."""

    host: str
    port: int
    user: str
    password: str
    security: str
    cafile: str | None
    sender: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SmtpSettings:
        """Read and check the settings; a problem is a MailError naming the variable."""
        missing = [
            name for name in ("LEAFLETS_SMTP_HOST", "LEAFLETS_MAIL_FROM") if not env.get(name)
        ]
        if missing:
            raise MailError(f"set {' and '.join(missing)} (see README, 'Mailing handouts')")
        security = env.get("LEAFLETS_SMTP_SECURITY", "starttls").lower()
        if security not in SECURITY:
            raise MailError(f"LEAFLETS_SMTP_SECURITY must be one of {', '.join(SECURITY)}")
        host = env["LEAFLETS_SMTP_HOST"]
        if security == "none" and not is_loopback(host):
            raise MailError(
                f"LEAFLETS_SMTP_SECURITY=none is only allowed for a loopback host, not {host!r}"
            )
        default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
        try:
            port = int(env.get("LEAFLETS_SMTP_PORT", default_port))
        except ValueError:
            raise MailError("LEAFLETS_SMTP_PORT must be a number") from None
        sender = env["LEAFLETS_MAIL_FROM"]
        check_address(sender, "LEAFLETS_MAIL_FROM")
        return cls(
            host=host,
            port=port,
            user=env.get("LEAFLETS_SMTP_USER", ""),
            password=env.get("LEAFLETS_SMTP_PASSWORD", ""),
            security=security,
            cafile=env.get("LEAFLETS_SMTP_CAFILE") or None,
            sender=sender,
        )


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_address(value: str, what: str) -> None:
    """A single plain e-mail address, with no line breaks; MailError otherwise."""
    if _LINE_BREAK.search(value):
        raise MailError(f"{what}: line breaks are not allowed in an address")
    try:
        address = Address(addr_spec=value)
    except (ValueError, IndexError) as exc:
        raise MailError(f"{what}: {value!r} is not a valid e-mail address ({exc})") from None
    if not address.username or "." not in address.domain:
        raise MailError(f"{what}: {value!r} is not a valid e-mail address")


def mask(address: str) -> str:
    """j***@example.org: enough to recognise, not to read out."""
    user, _, domain = address.partition("@")
    return f"{user[:1]}***@{domain}"


@dataclass(frozen=True)
class Recipient:
    """One patient and what to send them."""

    email: str
    lang: str
    topics: tuple[str, ...]
    follow_up: dt.date | None = None
    name: str | None = None


def make_recipient(
    email: str, lang: str, topics: list[str], follow_up: str | None, name: str | None
) -> Recipient:
    """Validate one recipient; MailError lists every problem."""
    problems = []
    for value, what in ((email, "address"), (name or "", "name"), (follow_up or "", "follow-up")):
        if _LINE_BREAK.search(value):
            problems.append(f"{what}: line breaks are not allowed")
    try:
        check_address(email, "address")
    except MailError as exc:
        problems.append(exc.message)
    try:
        lang = parse_language(lang)
    except UsageError as exc:
        problems.append(exc.message)
    valid = available_topics()
    problems += [
        f"unknown topic {t!r}; choose from: {', '.join(valid)}" for t in topics if t not in valid
    ]
    if not topics:
        problems.append("no topic given")
    date = None
    if follow_up:
        try:
            date = dt.date.fromisoformat(follow_up)
        except ValueError:
            problems.append(f"follow-up {follow_up!r} is not a date like 2027-05-21")
    if problems:
        raise MailError("; ".join(problems))
    return Recipient(email, lang, tuple(topics), date, name or None)


@functools.cache
def _mail_environment() -> Environment:
    # Plain-text mail: no HTML escaping; the same trimmed i18n policy as the leaflets.
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR / "mail"),
        autoescape=False,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    return env


def leaflet_pdfs(recipient: Recipient, brand: Brand, out_dir: Path) -> list[tuple[str, bytes]]:
    """(file name, PDF) per topic: reused from ``out_dir`` when impersonal, in memory otherwise.

    A leaflet with a follow-up date holds personal data: it is never written to ``out_dir``.
    """
    jobs = [Job(topic, recipient.lang, Variant(brand)) for topic in recipient.topics]
    translations = translations_for(recipient.lang)
    files = []
    if recipient.follow_up is None:
        outcomes = run_batch(jobs, Settings(out_dir, workers=1), lambda outcome: None)
        failed = [o.error for o in outcomes if o.status == "failed"]
        if failed:
            raise MailError(failed[0])
        pdfs = {o.job: o.path.read_bytes() for o in outcomes}
    else:
        pdfs = {
            job: render_pdf(dataclasses.replace(prepare(job), follow_up=recipient.follow_up))
            for job in jobs
        }
    for job in jobs:
        title = translations.gettext(load_topic(job.topic).title)
        files.append((f"{_UNSAFE_IN_FILE_NAMES.sub('-', title)}.pdf", pdfs[job]))
    return files


#: Characters that some systems refuse in an attachment's file name.
_UNSAFE_IN_FILE_NAMES = re.compile('[\\\\/:*?"<>|\\x00-\\x1f]')


def compose(
    recipient: Recipient, brand: Brand, sender: str, files: list[tuple[str, bytes]]
) -> EmailMessage:
    """The e-mail in the patient's language, with the leaflets attached."""
    env = _mail_environment()
    if recipient.lang != SOURCE_LANGUAGE:
        gaps = find_gaps(load_po(recipient.lang), interface_messages("mail"))
        if gaps:
            listed = "; ".join(f"{g.status}: {g.message.msgid[:50]!r}" for g in gaps[:5])
            raise MailError(f"the {recipient.lang} catalog is not ready for mail ({listed})")
    translations = translations_for(recipient.lang)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    locale = Locale.parse(recipient.lang)
    context = {
        "brand": brand,
        "name": recipient.name,
        "titles": [translations.gettext(load_topic(t).title) for t in recipient.topics],
        "follow_up": format_date(recipient.follow_up, "long", locale=locale)
        if recipient.follow_up
        else None,
        "contact": [v for v in (brand.phone, brand.email, brand.website, brand.address) if v],
    }
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = env.get_template("subject.txt.j2").render(context).strip()
    message["From"] = Address(display_name=brand.name, addr_spec=sender)
    message["To"] = recipient.email
    message["Message-ID"] = make_msgid(domain=sender.partition("@")[2])
    message.set_content(env.get_template("body.txt.j2").render(context))
    for filename, data in files:
        message.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    message["Content-Language"] = recipient.lang.replace("_", "-")  # after set_content clears it
    return message


class Mailer:
    """One SMTP connection for a run; verified TLS unless a loopback host says otherwise."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        s = self.settings
        context = ssl.create_default_context(cafile=s.cafile)
        try:
            if s.security == "tls":
                self.smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=30, context=context)
            else:
                self.smtp = smtplib.SMTP(s.host, s.port, timeout=30)
                if s.security == "starttls":
                    self.smtp.starttls(context=context)
            if s.user:
                self.smtp.login(s.user, s.password)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"cannot connect to {s.host}:{s.port}: {_safe(exc, s)}") from None
        return self

    def send(self, message: EmailMessage) -> None:
        """Send one message; MailError (without the password) on failure."""
        assert self.smtp is not None
        try:
            self.smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"sending failed: {_safe(exc, self.settings)}") from None

    def __exit__(self, *exc: object) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()


def _safe(exc: BaseException, settings: SmtpSettings) -> str:
    text = str(exc) or type(exc).__name__
    return text.replace(settings.password, "***") if settings.password else text


def write_eml(outbox: Path, message: EmailMessage, number: int) -> Path:
    """Save a message as an .eml file (for review, or a system that collects files)."""
    outbox.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(str(message["Message-ID"]).encode()).hexdigest()[:10]
    path = outbox / f"{number:04d}-{digest}.eml"
    path.write_bytes(message.as_bytes())
    return path
