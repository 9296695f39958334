"""`leaflets approve`: record a clinical approval or a translation review, or refuse."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path
from typing import Any

from leaflets.approvals.fingerprints import content_fingerprint, translation_fingerprint
from leaflets.approvals.records import (
    ApprovalError,
    ContentApproval,
    TranslationReview,
    add_record,
    approvals_path,
)
from leaflets.approvals.state import expiry_date
from leaflets.approvals.versions import load_versions, version_problem
from leaflets.content.models import Brand, Topic
from leaflets.content.topics import load_topic
from leaflets.errors import UsageError
from leaflets.i18n.languages import (
    SOURCE_LANGUAGE,
    bcp47,
    find_gaps,
    leaflet_messages,
    load_po,
    po_path,
)

MAX_PERSON = 100
MAX_NOTE = 500


def check_text(value: str, option: str, limit: int, required: bool = True) -> str:
    """One line of plain text, trimmed; an ApprovalError says what is wrong with it."""
    text = value.strip()
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ApprovalError(f"{option}: control characters (such as line breaks) are not allowed")
    if required and not text:
        raise ApprovalError(f"{option}: must not be empty")
    if len(text) > limit:
        raise ApprovalError(f"{option}: at most {limit} characters (got {len(text)})")
    return text


def approval_date(text: str | None, today: dt.date, topic: Topic) -> dt.date:
    """The date of the sign-off: today, or an earlier day (a signed paper sheet)."""
    if text is None:
        return today
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        raise ApprovalError(f"--date: {text!r} is not a date like 2026-12-01") from None
    if date > today:
        raise ApprovalError(f"--date: {date} is in the future; give the day it was signed")
    if date < topic.content_date:
        raise ApprovalError(
            f"--date: {date} is before this version of the content ({topic.content_date})"
        )
    return date


def _note(note: str | None) -> str | None:
    return check_text(note, "--note", MAX_NOTE, required=False) or None if note else None


def _target(brand: Brand) -> Path:
    path = approvals_path(brand)
    if path is None:
        raise ApprovalError(
            "the built-in example brand is a placeholder and cannot hold approvals; "
            "pass --brand path/to/your-clinic.toml"
        )
    return path


def _check_topic(topic: Topic, date: dt.date, today: dt.date, brand: Brand) -> dt.date:
    """Refuse content that document control or its review date rules out; return the expiry."""
    problem = version_problem(topic, load_versions()[0])
    if problem and problem[0] == "error":
        raise ApprovalError(f"{topic.id}: {problem[1]}; nothing recorded")
    expires = expiry_date(topic, date, brand.approval_max_years)
    if expires <= today:
        raise ApprovalError(
            f"{topic.id}: its next review was due on {topic.next_review}; review the content "
            "and update next_review first"
        )
    return expires


def _signature(
    topic: Topic,
    by: str,
    role: str,
    signed: dt.date,
    note: str | None,
    today: dt.date,
    brand: Brand,
) -> dict[str, Any]:  # pydantic (strict) checks each value's type
    """What every record holds besides fingerprints: the version, who signed, when, until when."""
    return {
        "topic": topic.id,
        "code": topic.code,
        "version": topic.version,
        "by": check_text(by, "--by", MAX_PERSON),
        "role": check_text(role, "--role", MAX_PERSON),
        "date": signed,
        "expires": _check_topic(topic, signed, today, brand),
        "recorded": today,
        "note": _note(note),
    }


def approve_content(
    brand: Brand,
    topic_name: str,
    by: str,
    role: str,
    date: str | None,
    note: str | None,
    today: dt.date,
) -> tuple[Path, ContentApproval]:
    """Record a clinician's approval of a topic's English content; nothing is written on error."""
    path = _target(brand)
    topic = load_topic(topic_name)
    signed = approval_date(date, today, topic)
    record = ContentApproval(
        fingerprint=content_fingerprint(topic),
        **_signature(topic, by, role, signed, note, today, brand),
    )
    add_record(path, record)
    return path, record


def approve_translation(
    brand: Brand,
    topic_name: str,
    lang: str,
    by: str,
    role: str,
    date: str | None,
    note: str | None,
    today: dt.date,
) -> tuple[Path, TranslationReview]:
    """Record a translator's review of a topic in ``lang``; refused unless it is complete."""
    path = _target(brand)
    if lang == SOURCE_LANGUAGE:
        raise UsageError("English is the source text: approve it without --lang")
    topic = load_topic(topic_name)
    signed = approval_date(date, today, topic)
    catalog = load_po(lang)
    messages = leaflet_messages(topic.id)
    gaps = find_gaps(catalog, messages)
    if gaps:
        first = gaps[0]
        where = f"{po_path(lang)}:{first.po_line}" if first.po_line else str(po_path(lang))
        raise ApprovalError(
            f"{where}: {bcp47(lang)}/{topic.id}: {len(gaps)} string(s) not ready "
            f"(first: {first.status}: {first.message.msgid[:50]!r}); a translation is reviewed "
            "only when complete; nothing recorded"
        )
    content = content_fingerprint(topic)
    record = TranslationReview(
        lang=bcp47(lang),
        fingerprint=translation_fingerprint(content, lang, catalog, messages),
        content_fingerprint=content,
        **_signature(topic, by, role, signed, note, today, brand),
    )
    add_record(path, record)
    return path, record
