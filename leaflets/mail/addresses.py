"""Recipients: addresses validated and IDNA-encoded, dates checked, masked for display."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from email.headerregistry import Address

import idna

from leaflets.content.topics import available_topics
from leaflets.errors import MailError, UsageError
from leaflets.i18n.languages import parse_language

LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x85\x0b\x0c]")


def normalise_address(value: str, what: str) -> str:
    """One plain address with an ASCII (IDNA-encoded) domain; MailError otherwise.

    Plain SMTP carries only ASCII: a domain such as ``clínica.example`` is sent as
    ``xn--clnica-4va.example``. A non-ASCII name before the @ would need SMTPUTF8, which most
    clinic relays lack, so it is refused here rather than failing halfway through a batch.
    """
    if LINE_BREAK.search(value):
        raise MailError(f"{what}: line breaks are not allowed in an address")
    try:
        address = Address(addr_spec=value)
    except (ValueError, IndexError) as exc:
        raise MailError(f"{what}: {value!r} is not a valid e-mail address ({exc})") from None
    if not address.username or "." not in address.domain:
        raise MailError(f"{what}: {value!r} is not a valid e-mail address")
    try:
        domain = idna.encode(address.domain, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise MailError(f"{what}: {value!r} has an invalid domain ({exc})") from None
    return Address(username=address.username, domain=domain).addr_spec


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
    email: str,
    lang: str,
    topics: list[str],
    follow_up: str | None,
    name: str | None,
    today: dt.date | None = None,
) -> Recipient:
    """Validate one recipient; MailError lists every problem."""
    problems = []
    for value, what in ((name or "", "name"), (follow_up or "", "follow-up")):
        if LINE_BREAK.search(value):
            problems.append(f"{what}: line breaks are not allowed")
        elif any(unicodedata.category(c) == "Cc" for c in value):
            problems.append(f"{what}: control characters are not allowed")
    try:
        email = normalise_address(email, "address")
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
    if follow_up and follow_up.isprintable():
        try:
            date = dt.date.fromisoformat(follow_up)
        except ValueError:
            problems.append(f"follow-up {follow_up!r} is not a date like 2027-05-21")
        else:
            if date < (today or dt.date.today()):
                problems.append(f"follow-up {follow_up} is in the past; check the date")
    if problems:
        raise MailError("; ".join(problems))
    return Recipient(email, lang, tuple(dict.fromkeys(topics)), date, name or None)
