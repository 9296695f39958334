"""Review sheets: the PDF a clinician or translator reads, checks and signs before approving."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from babel import Locale

from leaflets.approvals.fingerprints import content_fingerprint, translation_fingerprint
from leaflets.approvals.records import ApprovalError
from leaflets.approvals.state import leaflet_approval
from leaflets.build.matrix import write_atomic
from leaflets.content.models import CITATION_RE, Brand, Reference, Topic
from leaflets.content.topics import CITATION_NOTE, load_topic
from leaflets.i18n.languages import (
    SOURCE_LANGUAGE,
    bcp47,
    find_gaps,
    leaflet_messages,
    load_po,
    native_name,
    needed_entries,
    po_path,
    provenance,
)
from leaflets.render.html import KEEP_WORDS_WHOLE, environment
from leaflets.render.pdf import PrintStyle, write_pdf


@dataclass(frozen=True)
class Statement:
    """One numbered string of the English content, with the sources it cites."""

    number: int
    where: str
    text: str
    variant: str
    sources: list[tuple[int, Reference]]


@dataclass(frozen=True)
class Pair:
    """One row of a translation sheet."""

    number: int
    english: str
    translation: str
    location: str
    context: str
    comments: list[str]


def _where(path: tuple[str | int, ...], topic: Topic) -> str:
    """Where a string sits in the leaflet, in words."""
    head = path[0]
    if head == "sections":
        section = int(path[1]) + 1
        if path[2] == "heading":
            return f"section {section}: heading"
        block = f"section {section}, block {int(path[3]) + 1}: {path[4]}"
        return block + (f" {int(path[5]) + 1}" if len(path) > 5 and path[4] == "bullets" else "")
    if head in ("title", "summary"):
        return str(head)
    names = {"faq": "common question", "questions": "question to ask", "emergency": "emergency"}
    names["contact_doctor"] = "when to contact the doctor"
    return f"{names[str(head)]} {int(path[1]) + 1}" + (f": {path[2]}" if len(path) > 2 else "")


def _variant(path: tuple[str | int, ...], topic: Topic) -> str:
    """ "only for results_scale=..." when a string belongs to one variant."""
    if path[0] != "sections":
        return ""
    section = topic.sections[int(path[1])]
    only = section.only_for
    if len(path) > 3 and path[2] == "blocks":
        only = section.blocks[int(path[3])].only_for or only
    if only is None:
        return ""
    return "only for " + ", ".join(
        f"{k}={v}" for k, v in only.model_dump(exclude_none=True).items()
    )


def _keys(match: re.Match[str]) -> list[str]:
    return [key.strip().lstrip("@") for key in match.group(1).split(";")]


def statements(topic: Topic) -> list[Statement]:
    """Every string of the content, numbered, with the full references it cites (all variants)."""
    numbers = topic.citation_numbers()
    by_key = {ref.key: ref for ref in topic.references}

    def number(match: re.Match[str]) -> str:
        return "[" + ", ".join(str(numbers[key]) for key in _keys(match)) + "]"

    found = []
    for index, (path, text) in enumerate(topic.texts(), start=1):
        keys = {key for match in CITATION_RE.finditer(text) for key in _keys(match)}
        cited = sorted((numbers[key], by_key[key]) for key in keys)
        shown = CITATION_RE.sub(number, text)
        found.append(Statement(index, _where(path, topic), shown, _variant(path, topic), cited))
    return found


def _sheet_pdf(
    template: str, topic: Topic, brand: Brand, lang: str, label: str, values: dict[str, object]
) -> bytes:
    """A review sheet template, given the topic, brand and ``values``, as PDF bytes in ``lang``."""
    html = (
        environment()
        .get_template(f"review/{template}")
        .render(topic=topic, brand=brand, code=brand.leaflet_code(topic.code), **values)
    )
    style = PrintStyle(
        paper=brand.paper,
        large_print=False,
        primary_color=brand.primary_color,
        accent_color=brand.accent_color,
    )
    return write_pdf(
        html, lang=lang, label=f"review sheet {label}", style=style, stylesheet="review/sheet.css"
    )


def clinical_sheet(topic_name: str, brand: Brand, today: dt.date) -> bytes:
    """The clinical review sheet of a topic as PDF bytes."""
    topic = load_topic(topic_name)
    state = leaflet_approval(brand, topic.id, SOURCE_LANGUAGE, today).content
    values: dict[str, object] = {
        "statements": statements(topic),
        "references": topic.numbered_references(),
        "fingerprint": content_fingerprint(topic),
        "state": state.describe(),
        "command": f"leaflets approve {topic.id}",
    }
    return _sheet_pdf("clinical.html.j2", topic, brand, SOURCE_LANGUAGE, topic.id, values)


def translation_pairs(topic: Topic, lang: str) -> list[Pair]:
    """One row per string the leaflet uses, in reading order (content, then the templates)."""
    catalog = load_po(lang)
    po = po_path(lang)
    joiner = KEEP_WORDS_WHOLE.get(lang)
    rtl = Locale.parse(lang).text_direction == "rtl"
    rows: list[Pair] = []
    for message, entry in needed_entries(catalog, leaflet_messages(topic.id)):
        if entry is None:
            continue
        string = str(entry.string)
        if rtl:  # show [@key] markers as written, not mirrored by the right-to-left text
            string = CITATION_RE.sub(lambda m: "\u2066" + m.group(0) + "\u2069", string)
        # The extractor's "where it appears" comment; not its stable key or standing advice.
        context = [
            c for c in entry.auto_comments if not c.startswith("ref: ") and c != CITATION_NOTE
        ]
        rows.append(
            Pair(
                number=len(rows) + 1,
                english=message.msgid,
                translation=joiner.sub("\u2060", string) if joiner else string,
                location=f"{po.name}:{entry.lineno}" if entry.lineno else po.name,
                context=" ".join(context),
                comments=list(entry.user_comments),
            )
        )
    return rows


def translation_sheet(topic_name: str, lang: str, brand: Brand, today: dt.date) -> bytes:
    """The translation review sheet of a topic in ``lang`` as PDF bytes; complete ones only."""
    topic = load_topic(topic_name)
    catalog = load_po(lang)
    messages = leaflet_messages(topic.id)
    gaps = find_gaps(catalog, messages)
    if gaps:
        raise ApprovalError(
            f"{po_path(lang)}: {bcp47(lang)}/{topic.id}: {len(gaps)} string(s) not ready "
            f"(first: {gaps[0].status}: {gaps[0].message.msgid[:50]!r}); finish the "
            "translation before its review sheet"
        )
    content = content_fingerprint(topic)
    state = leaflet_approval(brand, topic.id, lang, today).translation
    values: dict[str, object] = {
        "lang": bcp47(lang),
        "language": f"{Locale.parse(lang).get_display_name('en')} ({native_name(lang)})",
        "dir": Locale.parse(lang).text_direction,
        "po": po_path(lang),
        "translated_by": provenance(lang, catalog).translated_by,
        "pairs": translation_pairs(topic, lang),
        "content_fingerprint": content,
        "fingerprint": translation_fingerprint(content, lang, catalog, messages),
        "state": state.describe(),
        "command": f"leaflets approve {topic.id} --lang {bcp47(lang)}",
    }
    label = f"{bcp47(lang)}/{topic.id}"
    return _sheet_pdf("translation.html.j2", topic, brand, lang, label, values)


def write_review_sheet(topic: str, lang: str, brand: Brand, out_dir: Path, today: dt.date) -> Path:
    """Write a clinical (English) or translation review sheet; return its path."""
    if lang == SOURCE_LANGUAGE:
        path, data = out_dir / f"{topic}-clinical.pdf", clinical_sheet(topic, brand, today)
    else:
        data = translation_sheet(topic, lang, brand, today)
        path = out_dir / f"{topic}-{bcp47(lang)}-translation.pdf"
    write_atomic(path, data)
    return path
