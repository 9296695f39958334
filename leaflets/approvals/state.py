"""What holds for a leaflet today: approved, lapsed, expired or none, from the records only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from leaflets.approvals.fingerprints import content_fingerprint, translation_fingerprint
from leaflets.approvals.records import Approvals, Signed, TranslationReview, load_approvals
from leaflets.content.models import Brand, Topic
from leaflets.content.topics import load_topic
from leaflets.i18n.languages import SOURCE_LANGUAGE, bcp47, leaflet_messages, load_po

Kind = Literal["approved", "lapsed", "expired", "none", "source"]


def add_years(date: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return date.replace(year=date.year + years)
    except ValueError:
        return date.replace(year=date.year + years, day=28)


def expiry_date(topic: Topic, date: dt.date, max_years: int) -> dt.date:
    """The day an approval given on ``date`` expires: next review, or the brand's maximum age."""
    return min(topic.next_review, add_years(date, max_years))


@dataclass(frozen=True)
class State:
    """One approval's state today, with the record it rests on."""

    kind: Kind
    record: Signed | None = None
    #: The day a valid approval expires (it holds until the day before).
    expires: dt.date | None = None
    reason: str = ""

    @property
    def valid(self) -> bool:
        """True when the leaflet may say it is approved (or it is the English source)."""
        return self.kind in ("approved", "source")

    def describe(self) -> str:
        """One short phrase for status lines and error messages."""
        record = self.record
        if self.kind == "approved" and record:
            who = f"{record.by}, {record.role}"
            return f"approved by {who}, on {record.date}; expires {self.expires}"
        if self.kind == "expired":
            return f"expired on {self.expires}"
        if self.kind == "lapsed":
            return f"lapsed: {self.reason}"
        return "source text" if self.kind == "source" else "none"

    def short(self) -> str:
        """A few words for a status table: ``approved (by, date)``, ``lapsed (why)``..."""
        record = self.record
        if self.kind == "approved" and record:
            return f"approved ({record.by}, {record.date})"
        if self.kind == "expired":
            return f"expired ({self.expires})"
        if self.kind == "lapsed":
            return f"lapsed ({self.reason.removeprefix('the ')})"
        return "source" if self.kind == "source" else "none"

    def as_dict(self) -> dict[str, object]:
        """For ``--format json``."""
        record = self.record
        return {
            "state": self.kind,
            "by": record.by if record else None,
            "role": record.role if record else None,
            "date": record.date.isoformat() if record else None,
            "expires": self.expires.isoformat() if self.expires else None,
            "version": record.version if record else None,
            "reason": self.reason or None,
        }


def _evaluate(
    records: Sequence[Signed],
    fingerprint: str,
    topic: Topic,
    max_years: int,
    today: dt.date,
    reason: str,
) -> State:
    if not records:
        return State("none")
    matching = [r for r in records if r.fingerprint == fingerprint]
    if not matching:
        return State("lapsed", records[-1], reason=reason)
    # The newest sign-off of exactly these words counts (the last one in the file on a tie).
    best = max(reversed(matching), key=lambda r: r.date)
    # Today's next review and maximum age apply too: moving either later extends nothing.
    expires = min(best.expires, expiry_date(topic, best.date, max_years))
    return State("expired" if today >= expires else "approved", best, expires)


def content_state(topic: Topic, approvals: Approvals, max_years: int, today: dt.date) -> State:
    """The state of the clinical approval of a topic's English content."""
    records = [r for r in approvals.content if r.topic == topic.id]
    if not records:
        return State("none")  # nothing to compare, so no fingerprint to compute
    fingerprint = content_fingerprint(topic)
    return _evaluate(records, fingerprint, topic, max_years, today, "the English text changed")


def translation_state(
    topic: Topic, lang: str, approvals: Approvals, max_years: int, today: dt.date
) -> State:
    """The state of the review of a topic's translation into ``lang``."""
    if lang == SOURCE_LANGUAGE:
        return State("source")
    records: list[TranslationReview] = [
        r for r in approvals.translation if r.topic == topic.id and r.lang == bcp47(lang)
    ]
    if not records:
        return State("none")  # no catalog is read for a language nobody reviewed
    content = content_fingerprint(topic)
    fingerprint = translation_fingerprint(content, lang, load_po(lang), leaflet_messages(topic.id))
    english_changed = records[-1].content_fingerprint != content
    reason = "the English text changed" if english_changed else "the translation changed"
    return _evaluate(records, fingerprint, topic, max_years, today, reason)


@dataclass(frozen=True)
class LeafletApproval:
    """Both approvals one printed leaflet needs: the content's and its translation's."""

    content: State
    translation: State

    @property
    def valid(self) -> bool:
        """True when the leaflet may be given to patients without the band or notice."""
        return self.content.valid and self.translation.valid


def leaflet_approval(brand: Brand, topic: str, lang: str, today: dt.date) -> LeafletApproval:
    """The approval states of one leaflet for a brand (the example brand has none)."""
    approvals = load_approvals(brand)
    loaded = load_topic(topic)
    years = brand.approval_max_years
    return LeafletApproval(
        content_state(loaded, approvals, years, today),
        translation_state(loaded, lang, approvals, years, today),
    )


@dataclass(frozen=True)
class Signoff:
    """What a leaflet prints about one approval."""

    by: str
    role: str
    date: dt.date
    expires: dt.date


def signoff(state: State) -> Signoff | None:
    """The printed sign-off of a valid approval; None when there is nothing true to print."""
    if state.kind != "approved" or state.record is None or state.expires is None:
        return None
    return Signoff(state.record.by, state.record.role, state.record.date, state.expires)
