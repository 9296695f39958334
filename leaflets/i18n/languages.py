"""Languages, catalogs and completeness: a leaflet is never printed half-translated."""

from __future__ import annotations

import datetime as dt
import functools
import gettext
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global, parse_locale
from babel.messages.catalog import Catalog
from babel.messages.catalog import Message as CatalogEntry
from babel.messages.extract import extract

from leaflets.content.topics import extract_topic, load_topic, topic_path
from leaflets.errors import CatalogError, UsageError
from leaflets.i18n.po_files import LeafletCatalog, compile_translations, read_catalog
from leaflets.i18n.translation_checks import problems
from leaflets.paths import DOMAIN, TEMPLATES_DIR, TRANSLATIONS_DIR

SOURCE_LANGUAGE = "en"
#: The Jinja2 extraction options; run time uses the same ``trimmed`` policy (design notes).
JINJA_OPTIONS = {"trimmed": "true", "silent": "false"}


def available_languages() -> list[str]:
    """English plus every language with a catalog folder, sorted."""
    found = {p.parent.parent.name for p in TRANSLATIONS_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return [SOURCE_LANGUAGE, *sorted(found - {SOURCE_LANGUAGE})]


def bcp47(lang: str) -> str:
    """The BCP 47 tag of a catalog name, as used in HTML, PDF /Lang and output folders."""
    return lang.replace("_", "-")


def native_name(lang: str) -> str:
    """The language's name in itself, from Babel's CLDR data."""
    try:
        name = Locale.parse(lang).get_display_name(lang) or lang
    except (ValueError, UnknownLocaleError):
        return lang
    return name[:1].upper() + name[1:]


def catalog_spelling(code: str) -> str:
    """One spelling per code, whatever the case typed: ``ES`` -> ``es``, ``pt-br`` -> ``pt_BR``."""
    parts = code.replace("-", "_").split("_")
    parts = [parts[0].lower()] + [p.title() if len(p) == 4 else p.upper() for p in parts[1:]]
    return "_".join(parts)


def language_and_script(code: str) -> tuple[str, str | None] | None:
    """The language and (likely) script of a code: ``zh-TW`` is Traditional, ``zh`` Simplified."""
    try:
        locale = Locale.parse(catalog_spelling(code))
        if locale.script is None:
            likely = get_global("likely_subtags").get(locale.language, locale.language)
            return locale.language, parse_locale(likely)[2]
    except (ValueError, UnknownLocaleError):
        return None
    return locale.language, locale.script


def parse_language(code: str) -> str:
    """Map a user's language code (BCP 47 or POSIX, any case) to a catalog name.

    An exact match wins; otherwise a catalog of the same language and script is taken, so
    ``pt`` and ``pt-BR`` find ``pt_BR`` and ``zh-CN`` finds ``zh_Hans``, but ``zh-TW`` does not.
    """
    languages = available_languages()
    wanted = code.strip().replace("-", "_").lower()
    for lang in languages:
        if lang.lower() == wanted:
            return lang
    key = language_and_script(code.strip()) if code.strip() else None
    matches = [lang for lang in languages if key and language_and_script(lang) == key]
    if len(matches) == 1:
        return matches[0]
    valid = ", ".join(f"{bcp47(lang)} ({native_name(lang)})" for lang in languages)
    raise UsageError(f"unknown language {code!r}; choose one of: {valid}")


def template_path() -> Path:
    """translations/messages.pot, the template every catalog is made from."""
    return TRANSLATIONS_DIR / f"{DOMAIN}.pot"


def po_path(lang: str) -> Path:
    """The catalog a translator edits."""
    return TRANSLATIONS_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_po(lang: str) -> LeafletCatalog:
    """Read a language's PO catalog; a missing or broken file is a CatalogError."""
    path = po_path(lang)
    try:
        return read_catalog(path, lang)
    except FileNotFoundError:
        raise CatalogError(
            f"{path}: no catalog for {bcp47(lang)!r}; "
            "create it with `leaflets i18n init` (see README)"
        ) from None


REVIEW_STATUSES = ("unreviewed", "reviewed")


@dataclass(frozen=True)
class Provenance:
    """Who or what translated a catalog, and whether a qualified reviewer has checked it."""

    translated_by: str
    status: str
    reviewed_by: str = ""
    review_date: str = ""

    @property
    def reviewed(self) -> bool:
        """True when a qualified medical translator has checked the catalog."""
        return self.status == "reviewed"


def provenance(lang: str, catalog: LeafletCatalog | None = None) -> Provenance:
    """Read and check the provenance header fields of a language's catalog."""
    if lang == SOURCE_LANGUAGE:
        return Provenance("source text", "source")
    catalog = catalog or load_po(lang)
    fields = {k.lower(): v for k, v in catalog.extra_headers.items()}
    where = po_path(lang)
    status = fields.get("x-review-status", "")
    if status not in REVIEW_STATUSES:
        raise CatalogError(
            f"{where}: header X-Review-Status must be one of {', '.join(REVIEW_STATUSES)} "
            f"(found {status!r})"
        )
    found = Provenance(
        translated_by=fields.get("x-translated-by", "") or catalog.last_translator or "",
        status=status,
        reviewed_by=fields.get("x-reviewed-by", ""),
        review_date=fields.get("x-review-date", ""),
    )
    if found.reviewed and not (found.reviewed_by and _is_iso_date(found.review_date)):
        raise CatalogError(
            f"{where}: a reviewed catalog needs X-Reviewed-By and X-Review-Date (YYYY-MM-DD)"
        )
    return found


def _is_iso_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def compile_catalog(lang: str) -> gettext.GNUTranslations:
    """The language's translations, compiled in memory from its PO file (never from a .mo)."""
    return compile_translations(load_po(lang), po_path(lang))


def translations_for(lang: str) -> gettext.NullTranslations:
    """The gettext translations of a language; the source language translates to itself."""
    return gettext.NullTranslations() if lang == SOURCE_LANGUAGE else compile_catalog(lang)


@dataclass(frozen=True)
class Message:
    """A string a leaflet needs, with where it comes from."""

    msgid: str
    source: str
    line: int


@functools.cache
def interface_messages(folder: str = "") -> tuple[Message, ...]:
    """Every translatable string of the leaflet templates (or of ``folder``, e.g. "mail")."""
    found: list[Message] = []
    for template in sorted((TEMPLATES_DIR / folder).glob("*.j2")):
        with template.open("rb") as fh:
            for line, msg, _comments, _ctx in extract("jinja2", fh, options=JINJA_OPTIONS):
                msgid = msg[0] if isinstance(msg, tuple) else msg
                found.append(Message(msgid, str(template), line))
    return tuple(found)


@functools.cache
def template_msgids() -> frozenset[str]:
    """The strings of every template, leaflet and mail: they are %-formatted when rendered."""
    folders = {str(p.parent.relative_to(TEMPLATES_DIR)) for p in TEMPLATES_DIR.rglob("*.j2")}
    return frozenset(m.msgid for folder in folders for m in interface_messages(folder))


@functools.cache
def topic_messages(topic: str) -> tuple[Message, ...]:
    """Every translatable string of a topic, as the Babel extractor sees it."""
    path = topic_path(topic)
    with path.open("rb") as fh:
        return tuple(
            Message(text, str(path), line) for line, _, text, _ in extract_topic(fh, (), (), {})
        )


def leaflet_messages(topic: str) -> list[Message]:
    """The strings one leaflet needs: its topic's, its related topics' titles, the templates'."""
    # The title is always a topic's first string (Topic.texts() yields it first).
    related = [topic_messages(other)[0] for other in load_topic(topic).related]
    return [*topic_messages(topic), *related, *interface_messages()]


@dataclass(frozen=True)
class Gap:
    """A needed string that the catalog cannot supply."""

    message: Message
    status: str  # "untranslated", "fuzzy" or what is wrong with the translation
    #: The entry's line in the PO file, when the catalog has one.
    po_line: int | None = None


def needed_entries(
    catalog: Catalog, messages: Iterable[Message]
) -> Iterator[tuple[Message, CatalogEntry | None]]:
    """Each needed string once, where it is first needed, with its catalog entry (None if none)."""
    seen: set[str] = set()
    for message in messages:
        if message.msgid not in seen:
            seen.add(message.msgid)
            yield message, catalog.get(message.msgid)


def find_gaps(
    catalog: Catalog, messages: Iterable[Message], verdicts: dict[str, str] | None = None
) -> list[Gap]:
    """The needed strings that are untranslated, fuzzy or faulty in ``catalog``.

    ``verdicts`` keeps what was found for each string ("" for nothing), for later calls on the
    same unchanged catalog: the leaflets of a language share most of their strings.
    """
    verdicts = {} if verdicts is None else verdicts
    gaps: list[Gap] = []
    for message, entry in needed_entries(catalog, messages):
        if message.msgid not in verdicts:
            verdicts[message.msgid] = _verdict(catalog, message, entry)
        if status := verdicts[message.msgid]:
            gaps.append(Gap(message, status, entry.lineno if entry is not None else None))
    return gaps


def _verdict(catalog: Catalog, message: Message, entry: CatalogEntry | None) -> str:
    """What keeps a translation from being printed; "" when nothing does."""
    if entry is None or not entry.string or not isinstance(entry.string, str):
        return "untranslated"
    if entry.fuzzy:
        return "fuzzy"
    return "; ".join(problems(catalog, entry, template=message.msgid in template_msgids()))


def completeness(lang: str, topics: Iterable[str]) -> float:
    """The share of needed strings the catalog translates, over all ``topics`` (0.0 to 1.0)."""
    if lang == SOURCE_LANGUAGE:
        return 1.0
    messages = {m.msgid: m for t in topics for m in leaflet_messages(t)}
    if not messages:
        return 1.0
    gaps = find_gaps(load_po(lang), messages.values())
    return 1 - len(gaps) / len(messages)
