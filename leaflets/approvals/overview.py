"""Approvals across many leaflets: the gaps that stop a gate, and the warnings of a build."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from leaflets.approvals.state import LeafletApproval, State, leaflet_approval
from leaflets.content.models import Brand
from leaflets.content.topics import load_topic
from leaflets.i18n.languages import bcp47

#: Warn this many days before an approval expires.
WARNING_DAYS = 90
PLACEHOLDER = (
    "the built-in example brand is a placeholder and cannot hold approvals; "
    "pass --brand path/to/your-clinic.toml"
)


def leaflet_states(
    brand: Brand, pairs: Iterable[tuple[str, str]], today: dt.date
) -> dict[tuple[str, str], LeafletApproval]:
    """The approval states of each (topic, language), in the order given."""
    return {pair: leaflet_approval(brand, *pair, today) for pair in dict.fromkeys(pairs)}


def approval_gaps(brand: Brand, pairs: Iterable[tuple[str, str]], today: dt.date) -> list[str]:
    """One line per leaflet that is not approved and reviewed for the brand; empty when all are."""
    if brand.source_file is None:
        return [PLACEHOLDER]
    gaps = []
    for (topic, lang), state in leaflet_states(brand, pairs, today).items():
        label = f"{bcp47(lang)}/{topic}"
        if not state.content.valid:
            gaps.append(f"{label}: clinical approval: {state.content.describe()}")
        if not state.translation.valid:
            gaps.append(f"{label}: translation review: {state.translation.describe()}")
    return gaps


def _expiring(what: str, state: State, today: dt.date, days: int) -> list[str]:
    if state.kind != "approved" or state.expires is None or state.record is None:
        return []
    left = (state.expires - today).days
    if left > days:
        return []
    return [f"{what} by {state.record.by} expires on {state.expires} (in {left} days)"]


def build_warnings(
    brand: Brand,
    topics: Iterable[str],
    langs: Iterable[str],
    today: dt.date,
    days: int = WARNING_DAYS,
) -> list[str]:
    """Topics past their next review, and approvals that expire within ``days``."""
    topics, langs = list(topics), list(langs)
    warnings = []
    for name in topics:
        due = load_topic(name).next_review
        if today >= due:
            warnings.append(f"{name}: its next review was due on {due}; have a clinician review it")
    if brand.source_file is None:
        return warnings
    states = leaflet_states(brand, [(t, lang) for t in topics for lang in langs], today)
    for name in topics:
        first = next((s for (t, _), s in states.items() if t == name), None)
        if first:
            warnings += [f"{name}: {w}" for w in _expiring("approval", first.content, today, days)]
    for (name, lang), state in states.items():
        review = _expiring("translation review", state.translation, today, days)
        warnings += [f"{bcp47(lang)}/{name}: {w}" for w in review]
    return warnings
