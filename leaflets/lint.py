"""`leaflets check`: content, catalogs, readability and review dates, grouped by file."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from leaflets.content.models import Brand
from leaflets.content.readability import scores
from leaflets.content.topics import available_topics, load_topic, topic_path
from leaflets.content.variants import printed_variants
from leaflets.errors import LeafletsError
from leaflets.i18n.glossary import glossary_mismatches, glossary_path, load_glossary
from leaflets.i18n.languages import (
    SOURCE_LANGUAGE,
    available_languages,
    bcp47,
    find_gaps,
    leaflet_messages,
    load_po,
    po_path,
    provenance,
    template_msgids,
    template_path,
    translations_for,
)
from leaflets.i18n.translation_checks import problems

DEFAULTS = {"max_english_grade": 7.0, "review_warning_days": 90}
_LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<text>.*)$")


@dataclass(frozen=True)
class Finding:
    """One problem or note, where it is."""

    file: str
    line: int
    level: str  # "error", "warning" or "info"
    text: str


def settings() -> dict[str, float]:
    """Thresholds from [tool.leaflets.check] in pyproject.toml, over the defaults."""
    config = dict(DEFAULTS)
    pyproject = template_path().parent.parent / "pyproject.toml"
    if pyproject.is_file():
        with pyproject.open("rb") as fh:
            config.update(tomllib.load(fh).get("tool", {}).get("leaflets", {}).get("check", {}))
    return config


def _from_error(exc: LeafletsError, fallback: str) -> Iterator[Finding]:
    for line in exc.message.splitlines():
        match = _LOCATED.match(line)
        if match:
            yield Finding(match["file"], int(match["line"]), "error", match["text"])
        else:
            yield Finding(fallback, 0, "error", line.removeprefix(f"{fallback}: "))


def check_content(today: dt.date, warning_days: float) -> Iterator[Finding]:
    """Schema, references and ids of every topic; review dates."""
    seen: dict[str, str] = {}
    for name in available_topics():
        path = str(topic_path(name))
        try:
            topic = load_topic(name)
        except LeafletsError as exc:
            yield from _from_error(exc, path)
            continue
        if topic.id in seen:
            yield Finding(
                path, 1, "error", f"topic id {topic.id!r} is also used by {seen[topic.id]}"
            )
        seen[topic.id] = path
        line = _key_line(path, "next_review")
        if today >= topic.next_review:
            yield Finding(
                path,
                line,
                "error",
                f"review was due on {topic.next_review}; review the content and update the dates",
            )
        elif (topic.next_review - today).days <= warning_days:
            yield Finding(path, line, "warning", f"review is due on {topic.next_review}")


def _key_line(path: str, key: str) -> int:
    for number, text in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if text.startswith(f"{key}:"):
            return number
    return 1


def check_catalog(lang: str) -> Iterator[Finding]:
    """Every entry translated, not fuzzy, and passing Babel's and leaflets' checkers."""
    path = str(po_path(lang))
    try:
        catalog = load_po(lang)
        provenance(lang, catalog)
    except LeafletsError as exc:
        yield from _from_error(exc, path)
        return
    for entry in catalog:
        if not entry.id:
            continue
        line, short = entry.lineno or 0, repr(str(entry.id)[:60])
        if not entry.string:
            yield Finding(path, line, "error", f"untranslated: {short}")
        elif entry.fuzzy:
            yield Finding(path, line, "error", f"fuzzy (English changed; confirm it): {short}")
        else:
            for error in problems(catalog, entry, template=str(entry.id) in template_msgids()):
                yield Finding(path, line, "error", f"{error}: {short}")
    needed = {m.msgid: m for name in _loadable_topics() for m in leaflet_messages(name)}
    for msgid, needed_by in needed.items():
        if catalog.get(msgid) is None:
            yield Finding(
                path,
                0,
                "error",
                f"missing {msgid[:60]!r} ({needed_by.source}:{needed_by.line}); "
                "run `leaflets i18n extract` and `leaflets i18n update`",
            )


def _loadable_topics() -> list[str]:
    """Topics that load, as do their related topics; the content check reports the others."""
    loadable = []
    for name in available_topics():
        try:
            # A leaflet prints its related topics' titles, so a broken one stops it too.
            for other in (name, *load_topic(name).related):
                load_topic(other)
        except LeafletsError:
            continue
        loadable.append(name)
    return loadable


def _label(lang: str, name: str, variant: str) -> str:
    """``es/breast``, or ``es/breast (results_scale=uk-5-point)`` for one of several variants."""
    code = bcp47(lang)
    return f"{code}/{name} ({variant})" if variant else f"{code}/{name}"


def check_readability(max_grade: float) -> Iterator[Finding]:
    """A score per leaflet, variant and language; English above the grade limit is an error."""
    for lang in available_languages():
        try:
            translations = translations_for(lang)
        except LeafletsError:
            continue  # reported by the catalog check
        for name in _loadable_topics():
            for variant, topic in printed_variants(load_topic(name)):
                label = _label(lang, name, variant)
                found = scores(topic, lang, translations)
                if not found:
                    yield Finding("readability", 0, "info", f"{label}: no textstat formula")
                for score in found:
                    level = "info"
                    if lang == SOURCE_LANGUAGE and score.lower_is_easier:
                        level = "error" if score.value > max_grade else level
                    limit = f" (limit {max_grade})" if lang == SOURCE_LANGUAGE else ""
                    text = f"{label}: {score.formula} {score.value}{limit}"
                    yield Finding("readability", 0, level, text)


def check_variants() -> Iterator[Finding]:
    """Each printed variant of each topic is cited and complete in every language.

    Loading a topic already refuses a variant without references or an uncited reference
    (leaflets.content.variants); this reports what each variant holds and any language that cannot
    print it, so the proof covers every value of every brand setting.
    """
    catalogs = {}
    for lang in available_languages():
        if lang != SOURCE_LANGUAGE:
            with contextlib.suppress(LeafletsError):  # reported by the catalog check
                catalogs[lang] = load_po(lang)
    for name in _loadable_topics():
        path = str(topic_path(name))
        own = [m for m in leaflet_messages(name) if m.source == path]
        shared = [m for m in leaflet_messages(name) if m.source != path]
        variants = printed_variants(load_topic(name))
        for variant, topic in variants:
            texts = {text for _, text in topic.texts()}
            needed = [m for m in own if m.msgid in texts] + shared
            incomplete = [lang for lang in available_languages()[1:] if lang not in catalogs]
            for lang, catalog in catalogs.items():
                gaps = find_gaps(catalog, needed)
                if gaps:
                    incomplete.append(lang)
                    yield Finding(
                        str(po_path(lang)),
                        0,
                        "error",
                        f"{_label(lang, name, variant)}: {len(gaps)} string(s) not ready "
                        f"(see above), e.g. {gaps[0].message.msgid[:60]!r}",
                    )
            cited = len(topic.numbered_references())
            langs = len(available_languages()) - len(incomplete)
            what = variant or "all brands"
            yield Finding(
                path,
                0,
                "info",
                f"{what}: {cited} reference(s), every citation defined; "
                f"complete in {langs} language(s)",
            )


def check_glossary(lang: str) -> Iterator[Finding]:
    """Each translation uses the approved term for every glossary term its English has."""
    path = glossary_path(lang)
    try:
        terms = load_glossary(lang)
        catalog = load_po(lang)
    except LeafletsError as exc:
        yield from _from_error(exc, str(path))
        return
    if terms is None:
        yield Finding(str(path), 0, "warning", "no glossary: approved terms are not checked")
        return
    for found in glossary_mismatches(catalog, terms):
        term = found.term
        yield Finding(
            str(po_path(lang)),
            found.line,
            "error",
            f"glossary: {term.source!r} should be {term.target!r} ({path.name}:{term.line}): "
            f"{found.msgid[:60]!r}",
        )


def check_versions() -> Iterator[Finding]:
    """Document control: a topic whose content changed keeps no old version number."""
    from leaflets.approvals.versions import load_versions, version_problem, versions_path

    try:
        versions, _ = load_versions()
    except LeafletsError as exc:
        yield from _from_error(exc, str(versions_path()))
        return
    for name in _loadable_topics():
        problem = version_problem(load_topic(name), versions)
        if problem:
            path = str(topic_path(name))
            yield Finding(path, _key_line(path, "version"), *problem)


def check_approvals(brand: Brand, today: dt.date, warning_days: float) -> Iterator[Finding]:
    """A brand's approvals: lapsed or expired ones are errors, missing ones warnings."""
    from leaflets.approvals.overview import leaflet_states
    from leaflets.approvals.records import approvals_path, record_line

    path = approvals_path(brand)
    if path is None:
        return
    try:
        states = leaflet_states(
            brand,
            [(t, lang) for t in _loadable_topics() for lang in available_languages()],
            today,
        )
    except LeafletsError as exc:
        yield from _from_error(exc, str(path))
        return
    for (topic, lang), state in states.items():
        # The content approval once per topic (on its English row), the review per language.
        what, found = (
            ("clinical approval", state.content)
            if lang == SOURCE_LANGUAGE
            else ("translation review", state.translation)
        )
        label = f"{bcp47(lang)}/{topic}: {what}"
        line = record_line(path, found.record) if found.record else 0
        if found.kind in ("lapsed", "expired"):
            yield Finding(str(path), line, "error", f"{label} {found.describe()}")
        elif found.kind == "none":
            yield Finding(str(path), 0, "warning", f"{label}: none recorded")
        elif found.expires and (found.expires - today).days <= warning_days:
            yield Finding(str(path), line, "warning", f"{label} expires on {found.expires}")
    yield from _stray_records(path)


def _stray_records(path: Path) -> Iterator[Finding]:
    """Records naming a topic or language that does not exist: they can never apply."""
    from leaflets.approvals.records import read_approvals, record_line

    approvals, _ = read_approvals(path)
    topics = set(available_topics())
    langs = {bcp47(lang) for lang in available_languages()}
    for record in [*approvals.content, *approvals.translation]:
        lang = getattr(record, "lang", SOURCE_LANGUAGE)
        if record.topic not in topics or lang not in langs:
            name = record.topic if record.topic not in topics else lang
            yield Finding(
                str(path),
                record_line(path, record),
                "warning",
                f"this record names {name!r}, which does not exist; it applies to nothing",
            )


def run_checks(today: dt.date | None = None, brand: Brand | None = None) -> list[Finding]:
    """Every check, in file order; with a brand, its approvals too."""
    config = settings()
    today = today or dt.date.today()
    findings = list(check_content(today, config["review_warning_days"]))
    findings.extend(check_versions())
    if brand is not None:
        findings.extend(check_approvals(brand, today, config["review_warning_days"]))
    for lang in available_languages():
        if lang != SOURCE_LANGUAGE:
            findings.extend(check_catalog(lang))
            findings.extend(check_glossary(lang))
    findings.extend(check_variants())
    findings.extend(check_readability(config["max_english_grade"]))
    return findings
