"""Translator workflow through Babel's Python API: extract, init, update, compile, status."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from leaflets.errors import CatalogError, UsageError
from leaflets.files import replace_file
from leaflets.i18n.languages import (
    SOURCE_LANGUAGE,
    available_languages,
    bcp47,
    catalog_spelling,
    leaflet_messages,
    load_po,
    po_path,
    provenance,
    template_path,
)
from leaflets.i18n.po_files import (
    LeafletCatalog,
    catalog_bytes,
    compile_translations,
    fill_header,
    new_template,
    parse_catalog,
    read_catalog,
)

#: Babel 2.18's rule for Arabic swaps the "many" and "other" forms; this is CLDR's.
PLURAL_FORMS = {
    "ar": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 "
    ": n%100>=11 ? 4 : 5);",
}
_REF = "ref: "


def _extracted(root: Path | None = None) -> bytes:
    """messages.pot as extraction makes it now, with the creation date it already has."""
    root = root or template_path().parent.parent
    config = root / "babel.cfg"
    if not config.is_file():
        raise CatalogError(f"{config}: not found; run `leaflets i18n extract` in a source checkout")
    with config.open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)  # type: ignore[no-untyped-call]
    catalog = new_template("leaflets")
    for filename, lineno, message, comments, context in extract_from_dir(
        root, method_map, options_map, comment_tags=("NOTE:",), strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    path = template_path()
    if path.is_file():
        # Keep what would only change with the clock: the creation date and the year.
        old = read_catalog(path)
        catalog.creation_date = old.creation_date
        catalog.header_comment = old.header_comment
    fill_header(catalog)
    return catalog_bytes(catalog, template=True)


def extract(root: Path | None = None) -> bool:
    """Extract every message into messages.pot; return False when nothing changed.

    The file is rewritten only when a message, comment, location or header field changed, so a
    repeated extraction leaves it byte-identical (no POT-Creation-Date churn).
    """
    return _replace_if_changed(template_path(), _extracted(root))


def _replace_if_changed(path: Path, data: bytes) -> bool:
    if path.is_file() and path.read_bytes() == data:
        return False
    replace_file(path, data)
    return True


def init(code: str, translated_by: str) -> Path:
    """Create a catalog for a new language from the template, with its provenance header."""
    try:
        locale = Locale.parse(catalog_spelling(code.strip()))
    except (ValueError, UnknownLocaleError):
        raise UsageError(
            f"{code!r} is not a language Babel knows (CLDR); try e.g. fr or pt-BR"
        ) from None
    lang = str(locale)
    existing = [name for name in available_languages() if name.lower() == lang.lower()]
    if existing or po_path(lang).exists():
        lang = existing[0] if existing else lang
        raise CatalogError(
            f"{po_path(lang)}: already exists; use `leaflets i18n update {bcp47(lang)}`"
        )
    path = po_path(lang)
    catalog = read_catalog(template_path(), lang)
    catalog.locale = locale
    catalog.fuzzy = False
    catalog.revision_date = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    catalog.last_translator = translated_by
    catalog.language_team = ""
    if lang in PLURAL_FORMS:
        catalog.mime_headers = [("Plural-Forms", PLURAL_FORMS[lang])]
    catalog.extra_headers.update(
        {"X-Translated-By": translated_by, "X-Review-Status": "unreviewed"}
    )
    fill_header(catalog)
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, catalog_bytes(catalog))
    return path


def _ref(message: object) -> str | None:
    for comment in getattr(message, "auto_comments", ()):
        if comment.startswith(_REF):
            return str(comment[len(_REF) :])
    return None


def update(lang: str, fuzzy_matching: bool = False) -> tuple[int, int]:
    """Merge the template into a catalog; return (new strings, strings marked fuzzy).

    A string whose English changed (same place in a topic, new text) keeps its old
    translation, marked fuzzy with the previous English, so it is never printed until a
    translator confirms it. Babel's guessing for other new strings is off unless asked for.
    Entries no longer used are kept as obsolete (#~). The file is written only if it changes.
    """
    data, new, changed = _merged(lang, read_catalog(template_path()), fuzzy_matching)
    _replace_if_changed(po_path(lang), data)
    return new, changed


def _merged(lang: str, template: LeafletCatalog, fuzzy_matching: bool) -> tuple[bytes, int, int]:
    catalog = load_po(lang)
    before = {_ref(m): m for m in catalog if m.id and _ref(m) and m.string}
    known = {m.id for m in catalog if m.id}
    catalog.update(template, no_fuzzy_matching=not fuzzy_matching)
    new = changed = 0
    for message in catalog:
        if not message.id or message.id in known:
            continue
        new += 1
        previous = before.get(_ref(message))
        if previous is not None and not message.string:
            message.string = previous.string
            message.previous_id = [str(previous.id)]
        if message.string:
            message.flags.add("fuzzy")
            changed += 1
    fill_header(catalog)
    return catalog_bytes(catalog), new, changed


def out_of_step(langs: list[str]) -> list[Path]:
    """The catalogs (template first) that `extract` then `update` would change; writes nothing."""
    pot = _extracted()
    stale = [] if template_path().read_bytes() == pot else [template_path()]
    for lang in langs:
        data = _merged(lang, parse_catalog(pot, template_path()), fuzzy_matching=False)[0]
        if po_path(lang).read_bytes() != data:
            stale.append(po_path(lang))
    return stale


def compile_all(langs: list[str]) -> dict[str, int]:
    """Compile each catalog in memory, as a build does; return how many fuzzy entries it left out.

    Nothing is written: builds never read a .mo file, so none is needed.
    """
    skipped = {}
    for lang in langs:
        catalog = load_po(lang)  # read once, for compiling and for counting
        compile_translations(catalog, po_path(lang))
        skipped[lang] = sum(1 for m in catalog if m.id and m.fuzzy)
    return skipped


@dataclass(frozen=True)
class Status:
    """Translation progress of one leaflet."""

    topic: str
    lang: str
    translated: int
    fuzzy: int
    untranslated: int
    review: str

    @property
    def total(self) -> int:
        """Strings the leaflet needs."""
        return self.translated + self.fuzzy + self.untranslated

    @property
    def percent(self) -> float:
        """Share translated (fuzzy does not count), 0-100."""
        return 100.0 * self.translated / self.total if self.total else 100.0

    def as_dict(self) -> dict[str, object]:
        """For --format json."""
        return {**asdict(self), "total": self.total, "percent": round(self.percent, 1)}


def status(topics: list[str], langs: list[str] | None = None) -> list[Status]:
    """Counts per topic and language; obsolete entries and the header never count."""
    rows = []
    for lang in langs or [lang for lang in available_languages() if lang != SOURCE_LANGUAGE]:
        catalog = load_po(lang)
        review = provenance(lang, catalog).status
        for topic in topics:
            counts = {"translated": 0, "fuzzy": 0, "untranslated": 0}
            for msgid in dict.fromkeys(m.msgid for m in leaflet_messages(topic)):
                entry = catalog.get(msgid)
                key = (
                    "untranslated"
                    if entry is None or not entry.string
                    else "fuzzy"
                    if entry.fuzzy
                    else "translated"
                )
                counts[key] += 1
            rows.append(Status(topic, lang, review=review, **counts))
    return rows
