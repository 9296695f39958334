"""approvals.toml beside a brand file: a clinic's signed approvals, strict and append-only."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints

from leaflets.approvals.tomlfile import (
    RecordFileError,
    appended,
    line_of,
    parse_records,
    toml_table,
    write_records,
)
from leaflets.content.models import Brand, Key, LeafletCode, Strict
from leaflets.errors import LeafletsError

APPROVALS_FILE = "approvals.toml"
#: A name or role: one line of at most 100 characters, no control characters.
Person = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f-\x9f]+$")
]
Note = Annotated[str, StringConstraints(max_length=500, pattern=r"^[^\x00-\x1f\x7f-\x9f]*$")]
Fingerprint = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
FIX = "correct it by hand or restore it from version control"
HEADER = (
    "# Approvals for the brand files in this folder, written by `leaflets approve`.\n"
    "# Each record holds the fingerprint of exactly what was approved: when the words change,\n"
    "# the approval lapses. Records are only ever added; the newest matching one counts.\n"
)


class ApprovalError(LeafletsError):
    """An approval cannot be recorded, or a gate found leaflets that are not approved."""


class Signed(Strict):
    """What every record holds: who signed what, when, and until when."""

    topic: Key
    code: LeafletCode
    #: The content version approved, or translated from.
    version: Annotated[int, Field(ge=1, le=999)]
    fingerprint: Fingerprint
    by: Person
    role: Person
    date: dt.date
    #: The last day before it expires: the topic's next review or the brand's maximum age.
    expires: dt.date
    #: The day the record was written (``date`` may be an earlier paper sign-off).
    recorded: dt.date
    note: Note | None = None


class ContentApproval(Signed):
    """A clinician's approval of a topic's English content."""


class TranslationReview(Signed):
    """A qualified translator's review of a topic's translation into one language."""

    lang: LanguageTag
    #: The English content the reviewed translation was made from.
    content_fingerprint: Fingerprint


class Approvals(Strict):
    """The whole of an approvals.toml."""

    content: list[ContentApproval] = Field(default_factory=list)
    translation: list[TranslationReview] = Field(default_factory=list)


NO_APPROVALS = Approvals()


def approvals_path(brand: Brand) -> Path | None:
    """The approvals file of a brand; None for the built-in example brand."""
    return brand.source_file.parent / APPROVALS_FILE if brand.source_file else None


@functools.lru_cache(maxsize=16)
def _parse(path: Path, data: bytes) -> Approvals:
    return parse_records(path, data, Approvals, FIX)


def read_approvals(path: Path) -> tuple[Approvals, bytes]:
    """The records of an approvals file (none if it does not exist) and its bytes."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return NO_APPROVALS, b""
    except OSError as exc:
        raise RecordFileError(f"{path}: cannot read ({exc.strerror})") from None
    return _parse(path, data), data


def load_approvals(brand: Brand) -> Approvals:
    """A brand's records; the example brand has none."""
    path = approvals_path(brand)
    return read_approvals(path)[0] if path else NO_APPROVALS


def add_record(path: Path, record: ContentApproval | TranslationReview) -> None:
    """Append one record to the file, atomically; the new file is checked before it is written."""
    _, old = read_approvals(path)
    name = "content" if isinstance(record, ContentApproval) else "translation"
    values: dict[str, object] = {"topic": record.topic}
    if isinstance(record, TranslationReview):
        values["lang"] = record.lang
    values.update(record.model_dump(exclude={"topic", "lang"}))
    data = appended(old, HEADER, toml_table(name, values))
    written = _parse(path, data)
    if record not in (written.content if name == "content" else written.translation):
        raise ApprovalError(f"{path}: the new record would not read back; nothing recorded")
    write_records(path, data)


def record_line(path: Path, record: Signed) -> int:
    """The line of a record's ``[[...]]`` header in its approvals file (1 if not found)."""
    approvals, data = read_approvals(path)
    table, records = (
        ("translation", approvals.translation)
        if isinstance(record, TranslationReview)
        else ("content", approvals.content)
    )
    index = next((i for i, r in enumerate(records) if r is record or r == record), None)
    return line_of(data.decode("utf-8"), (table, index)) if index is not None else 1
