"""The staff interface's own catalogs (domain ``web``), apart from the leaflets' text."""

from __future__ import annotations

import functools
import gettext
import io
import time
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from leaflets.files import file_stamp, replace_file
from leaflets.i18n.languages import SOURCE_LANGUAGE, bcp47
from leaflets.i18n.po_files import (
    LeafletCatalog,
    catalog_bytes,
    compile_translations,
    fill_header,
    new_template,
    read_catalog,
)
from leaflets.paths import PACKAGE_DIR, TRANSLATIONS_DIR

#: The staff interface's gettext domain: ``translations/<lang>/LC_MESSAGES/web.po``.
UI_DOMAIN = "web"
WEB_DIR = PACKAGE_DIR / "web"
#: What extraction reads: this package's Python code and its Jinja2 templates.
_METHODS = [("**.py", "python"), ("templates/**.j2", "jinja2")]
_OPTIONS = {"templates/**.j2": {"trimmed": "true", "silent": "false"}}


def ui_template_path() -> Path:
    """translations/web.pot: the staff interface's template."""
    return TRANSLATIONS_DIR / f"{UI_DOMAIN}.pot"


def ui_po_path(lang: str) -> Path:
    """A language's staff-interface catalog."""
    return TRANSLATIONS_DIR / lang / "LC_MESSAGES" / f"{UI_DOMAIN}.po"


def ui_languages() -> list[str]:
    """English plus every language with a staff-interface catalog (catalog names, sorted).

    Looked up once a second at most (this runs for every request)."""
    return list(_ui_languages(int(time.monotonic())))


@functools.lru_cache(maxsize=1)
def _ui_languages(second: int) -> tuple[str, ...]:
    found = {p.parent.parent.name for p in TRANSLATIONS_DIR.glob(f"*/LC_MESSAGES/{UI_DOMAIN}.po")}
    return (SOURCE_LANGUAGE, *sorted(found - {SOURCE_LANGUAGE}))


def ui_translations(lang: str) -> gettext.NullTranslations:
    """The staff interface in ``lang``, compiled in memory (fuzzy entries left out)."""
    if lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    path = ui_po_path(lang)
    return _compiled(path, lang, file_stamp(path))


@functools.lru_cache(maxsize=32)
def _compiled(path: Path, lang: str, stamp: tuple[int, int]) -> gettext.NullTranslations:
    # Re-read when the file changes (the stamp is part of the cache key).
    return compile_translations(read_catalog(path, lang), path)


def _messages() -> Iterator[tuple[str, int, str, list[str]]]:
    for filename, lineno, message, comments, _context in extract_from_dir(
        WEB_DIR,
        _METHODS,
        _OPTIONS,
        comment_tags=("NOTE:",),
        strip_comment_tags=True,
    ):
        if isinstance(message, str):
            yield f"leaflets/web/{filename}", lineno, message, comments


def _serialise(catalog: Catalog, locations: bool = True) -> bytes:
    buffer = io.BytesIO()
    write_po(  # without line numbers, as catalog_bytes writes the files
        buffer,
        catalog,
        width=76,
        sort_by_file=True,
        omit_header=True,
        no_location=not locations,
        include_lineno=False,
    )
    return buffer.getvalue()


def _fresh_template() -> LeafletCatalog:
    catalog = new_template("leaflets-web")
    for filename, lineno, message, comments in _messages():
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments)
    return catalog


def ui_msgids() -> set[str]:
    """Every string of the staff interface, as the code has them now."""
    return {message for _file, _line, message, _comments in _messages()}


def ui_template_is_current(locations: bool = True) -> bool:
    """True when web.pot holds exactly the strings the code has now (and at the same lines,
    unless ``locations`` is False)."""
    path = ui_template_path()
    if not path.is_file():
        return False
    fresh = read_po(io.BytesIO(_serialise(_fresh_template())))
    return _serialise(read_catalog(path), locations) == _serialise(fresh, locations)


def extract_ui() -> bool:
    """Extract the staff interface's strings into web.pot; False when nothing changed."""
    if ui_template_is_current():
        return False
    catalog = _fresh_template()
    path = ui_template_path()
    if path.is_file():
        catalog.creation_date = read_catalog(path).creation_date
    _write(path, catalog, sort_by_file=True)
    return True


def update_ui(lang: str) -> int:
    """Merge web.pot into a language's staff catalog (made if missing); return new strings."""
    path = ui_po_path(lang)
    template = read_catalog(ui_template_path())
    if path.is_file():
        catalog = read_catalog(path, lang)
    else:
        catalog = read_catalog(ui_template_path(), lang)
        catalog.fuzzy = False
        catalog.language_team = f"{bcp47(lang)} <>"
        for message in catalog:
            if message.id:
                message.string = ""
    known = {m.id for m in catalog if m.id and m.string}
    catalog.update(template, no_fuzzy_matching=True)
    _write(path, catalog)
    return sum(1 for m in catalog if m.id and m.id not in known)


def _write(path: Path, catalog: LeafletCatalog, sort_by_file: bool = False) -> None:
    # The header and layout of messages.po: msgcat and Poedit change no line.
    fill_header(catalog, "leaflets-web")
    replace_file(path, catalog_bytes(catalog, template=sort_by_file))
