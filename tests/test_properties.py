"""Property-based tests (hypothesis) for the topic loader and citation numbering."""

from __future__ import annotations

import gettext
import re
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leaflets.content.models import cited_keys
from leaflets.content.topics import parse_topic
from leaflets.errors import ContentError
from leaflets.render.html import render_html

KEYS = st.lists(
    st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True), min_size=1, max_size=6, unique=True
)
WORDS = st.text(
    # Invisible characters (Cf, Cc, Co, Zl, Zp) are refused in topics: a valid topic has none.
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Cf", "Co", "Zl", "Zp"), blacklist_characters="[]@\\<>&"
    ),
    min_size=1,
    max_size=40,
).map(lambda s: " ".join(s.split()) or "word")


@st.composite
def valid_topics(draw: Any) -> dict[str, Any]:
    """A topic that follows every rule: each reference is cited, each citation defined."""
    keys = draw(KEYS)

    def text() -> str:
        cited = draw(st.lists(st.sampled_from(keys), max_size=3))
        marker = f" [@{'; @'.join(cited)}]" if cited else ""
        return draw(WORDS) + marker + "."

    sections = [
        {
            "heading": f"Heading {n}",
            "blocks": [
                draw(
                    st.sampled_from(
                        [{"paragraph": text()}, {"callout": text()}, {"bullets": [text(), text()]}]
                    )
                )
                for _ in range(draw(st.integers(1, 3)))
            ],
        }
        for n in range(draw(st.integers(1, 3)))
    ]
    topic = {
        "id": "demo",
        "title": draw(WORDS),
        "summary": text(),
        "code": "TS-TEST-01",
        "version": 1,
        "content_date": "2026-01-01",
        "next_review": "2028-01-01",
        "sections": sections,
        "questions": [text()],
        # The last list cites every key, so no reference is left uncited.
        "contact_doctor": [text(), "See " + " ".join(f"[@{k}]" for k in keys) + "."],
        "references": [{"key": k, "citation": f"Source {k}."} for k in draw(st.permutations(keys))],
    }
    return topic


def _dump(topic: dict[str, Any]) -> bytes:
    text = yaml.safe_dump(topic, allow_unicode=True, sort_keys=False)
    return re.sub(r"'(\d{4}-\d{2}-\d{2})'", r"\1", text).encode()  # dates as YAML dates


@given(valid_topics())
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
def test_any_valid_topic_loads_renders_and_numbers_consistently(data: dict[str, Any]) -> None:
    topic = parse_topic(_dump(data), "demo.yaml")
    order: list[str] = []
    for _, text in topic.texts():
        for key in cited_keys(text):
            if key not in order:
                order.append(key)
    numbers = topic.citation_numbers()
    assert numbers == {key: n for n, key in enumerate(order, 1)}
    assert [n for n, _ in topic.numbered_references()] == list(range(1, len(order) + 1))
    html = render_html(topic, "en", gettext.NullTranslations())
    positions = [html.index(f'id="ref-{n}"') for n in range(1, len(order) + 1)]
    assert positions == sorted(positions)
    assert "[@" not in html  # every citation became a number


MUTATIONS = st.sampled_from(["drop", "unknown", "wrong_type", "undefined", "uncited", "bad_date"])


@given(valid_topics(), MUTATIONS, st.data())
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
def test_any_invalid_topic_fails_cleanly(data: dict[str, Any], mutation: str, more: Any) -> None:
    if mutation == "drop":
        del data[
            more.draw(st.sampled_from(["title", "summary", "sections", "questions", "references"]))
        ]
    elif mutation == "unknown":
        data[more.draw(st.sampled_from(["colour", "Title", "extra"]))] = "x"
    elif mutation == "wrong_type":
        data[more.draw(st.sampled_from(["title", "summary", "questions"]))] = 12
    elif mutation == "undefined":
        data["questions"].append("Ask [@zz-undefined].")
    elif mutation == "uncited":
        data["references"].append({"key": "never-cited", "citation": "Nobody cites this."})
    else:
        data["next_review"] = "2020-01-01"
    try:
        parse_topic(_dump(data), "demo.yaml")
    except ContentError as exc:
        assert exc.message.startswith("demo.yaml")
    else:
        raise AssertionError(f"{mutation} was accepted")
