"""Read PO files strictly (UTF-8, no duplicates, bounded), write them as GNU gettext does."""

from __future__ import annotations

import codecs
import gettext
import importlib.metadata
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from babel import UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, PoFileParser, write_po

from leaflets import __version__
from leaflets.errors import CatalogError
from leaflets.files import read_small_file
from leaflets.i18n.po_layout import gnu_layout

#: A catalog of two leaflets is about 100 KB; anything this large is a mistake.
MAX_CATALOG_BYTES = 5 * 1024 * 1024


_HEADER_ORDER = (
    "Project-Id-Version",
    "Report-Msgid-Bugs-To",
    "POT-Creation-Date",
    "PO-Revision-Date",
    "Last-Translator",
    "Language-Team",
    "Language",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
)


class LeafletCatalog(Catalog):
    """A Babel catalog that keeps the ``X-`` header fields (translation provenance).

    Babel's own Catalog drops header fields it does not know when it reads a PO file, and so
    would every file it writes back. Babel's Generated-By field is left out: it names Babel's
    version, so an upgrade of Babel would change every catalog.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.extra_headers: dict[str, str] = {}
        super().__init__(*args, **kwargs)

    def _get_mime_headers(self) -> list[tuple[str, str]]:
        headers = [h for h in super()._get_mime_headers() if h[0] != "Generated-By"]
        headers += self.extra_headers.items()
        # In the order msgmerge writes them, so that merging with GNU moves no line.
        headers.sort(key=lambda h: _HEADER_ORDER.index(h[0]) if h[0] in _HEADER_ORDER else 99)
        return headers

    def __iter__(self) -> Iterator[Message]:
        messages = super().__iter__()
        header = next(messages)
        header.string = f"{header.string}\n"  # each header line ends with "\n", the last too
        yield header
        yield from messages

    def _set_mime_headers(self, headers: Iterable[tuple[str, str]]) -> None:
        headers = list(headers)
        for name, value in headers:
            if name.lower().startswith("x-"):
                self.extra_headers[name] = value.strip()
        super()._set_mime_headers(headers)

    mime_headers = property(_get_mime_headers, _set_mime_headers)


def new_template(project: str) -> LeafletCatalog:
    """An empty template (.pot) for ``project``, with the header every template of ours has."""
    return LeafletCatalog(
        project=project,
        version=__version__,
        copyright_holder="leaflets contributors",
        msgid_bugs_address="",
        charset="utf-8",
    )


class _StrictParser(PoFileParser):
    """Babel's parser, refusing what ``msgfmt`` refuses: a msgid defined twice, a bad header."""

    def _add_message(self) -> None:
        msgid = self.messages[0].denormalize() if self.messages else ""
        context = self.context.denormalize() if self.context else None
        first = self.catalog.get(msgid, context) if msgid and not self.obsolete else None
        if first is not None:
            where = first.lineno
            raise PoFileError(
                f"duplicate message definition (first defined on line {where}); "
                "keep one of the two entries",
                self.catalog,
                msgid,
                self.offset,
            )
        try:
            super()._add_message()
        except (ValueError, UnknownLocaleError) as exc:  # the header: Plural-Forms, Language
            raise PoFileError(f"invalid header: {exc}", self.catalog, "", self.offset) from None


def read_catalog(path: Path, lang: str | None = None) -> LeafletCatalog:
    """Parse a PO or POT file into a LeafletCatalog; any problem is a CatalogError with its line.

    The file is decoded as UTF-8 by us, never with the charset its header declares, and a
    header declaring any other charset is refused: a wrong one would garble every string.
    """
    try:
        data = read_small_file(path, MAX_CATALOG_BYTES)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read catalog ({exc.strerror})") from None
    except ValueError as exc:
        raise CatalogError(f"{path}: {exc}; not a catalog") from None
    return parse_catalog(data, path, lang)


def parse_catalog(data: bytes, path: Path, lang: str | None = None) -> LeafletCatalog:
    """Parse the bytes of a PO or POT file, as read_catalog does; ``path`` names it in errors."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CatalogError(
            f"{path}:{line}: not valid UTF-8 (byte {data[exc.start]:#04x}); save the catalog "
            "as UTF-8"
        ) from None
    catalog = LeafletCatalog(locale=lang)
    try:
        _StrictParser(catalog, ignore_obsolete=False, abort_invalid=True).parse(io.StringIO(text))
    except PoFileError as exc:
        problem = re.sub(r" on \d+$", "", str(exc))
        shown = f": {exc.line.strip()!r}" if exc.line.strip() else ""
        raise CatalogError(f"{path}:{exc.lineno + 1}: {problem}{shown}") from None
    _check_charset(path, text, catalog.charset)
    return catalog


def _check_charset(path: Path, text: str, charset: str) -> None:
    try:
        utf8 = codecs.lookup(charset).name == "utf-8"
    except LookupError:
        utf8 = False
    if not utf8:
        line = next((n for n, t in enumerate(text.splitlines(), 1) if "charset=" in t.lower()), 1)
        raise CatalogError(
            f"{path}:{line}: the header declares charset {charset!r}; catalogs must be UTF-8: "
            "save the file as UTF-8 and set 'charset=UTF-8' in its Content-Type line"
        )


def project_url() -> str:
    """The project's issue tracker or home page, from pyproject's [project.urls]; "" if none."""
    try:
        fields = importlib.metadata.metadata("leaflets").get_all("Project-URL") or []
    except importlib.metadata.PackageNotFoundError:
        return ""
    urls = {}
    for field in fields:  # "Label, URL"
        label, _, url = field.partition(",")
        urls[label.strip().lower()] = url.strip()
    labels = ("issues", "bug tracker", "tracker", "homepage", "source")
    return next((urls[label] for label in labels if urls.get(label)), "")


def fill_header(catalog: LeafletCatalog, project: str = "leaflets") -> None:
    """Fill the header fields leaflets owns; keep the translator's and the X- fields.

    Project-Id-Version names the version the strings were extracted from. Report-Msgid-Bugs-To
    and the address in Language-Team are the project URL, empty while it has none. A
    Language-Team with an address of its own (a real team) is kept.
    """
    url = project_url()
    catalog.project, catalog.version = project, __version__
    catalog.msgid_bugs_address = url
    catalog.charset = "UTF-8"  # as GNU spells it
    lines = catalog.header_comment.splitlines()
    catalog.header_comment = "\n".join(line for line in lines if "FIRST AUTHOR" not in line)
    team = catalog.language_team or ""
    if catalog.locale is not None and not re.search(r"<[^<>\s]+>", team.replace("LL@li.org", "")):
        name = catalog.locale.get_display_name("en") or str(catalog.locale)
        catalog.language_team = f"{name} <{url}>" if url else name


_NO_WRAP = 1 << 30


def catalog_bytes(catalog: Catalog, template: bool = False) -> bytes:
    """A catalog as leaflets writes it: laid out as GNU gettext writes it, so that msgcat,
    msgmerge and Poedit leave it as it is.

    Locations name the file without a line number, so a catalog does not change when a line
    moves in a topic or template (the ``ref:`` comment names the place in a topic). What GNU
    leaves out is left out too: obsolete entries without a translation, and the fuzzy flag of an
    entry without one. A template (POT) lists its messages by file.
    """
    for key, message in list(catalog.obsolete.items()):
        if not any(message.string if isinstance(message.string, tuple) else [message.string]):
            del catalog.obsolete[key]
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else [message.string]
        if message.id and not any(strings):
            message.flags.discard("fuzzy")
    buffer = io.BytesIO()
    # Nothing wrapped by Babel (it breaks before spaces and counts characters, not columns):
    # gnu_layout breaks strings where GNU does, and comments stay one line each, as GNU
    # writes them (wrapped comments can repeat a line, which a reader then drops).
    # No include_previous: Babel 2.18 wraps "#| msgid" comments into invalid PO syntax.
    write_po(buffer, catalog, width=_NO_WRAP, include_lineno=False, sort_by_file=template)
    return gnu_layout(buffer.getvalue().decode("utf-8")).encode("utf-8")


def compile_translations(catalog: Catalog, source: Path) -> gettext.GNUTranslations:
    """Compile a checked catalog in memory; fuzzy entries are left out, never used.

    Nothing is written: a ``.mo`` file lying beside the ``.po`` is never read, so what is
    printed is always what the checks read.
    """
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    try:
        return gettext.GNUTranslations(buffer)
    except (ValueError, OSError) as exc:  # e.g. a Plural-Forms expression gettext refuses
        raise CatalogError(f"{source}: cannot be compiled: {exc}; fix its header") from None
