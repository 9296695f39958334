"""HTML to PDF/UA with WeasyPrint: pinned fonts, a locked-down URL fetcher, glyph checks."""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import html as htmllib
import io
import logging
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import weblate_fonts
from babel import Locale

from leaflets.errors import RenderError
from leaflets.i18n.languages import bcp47, language_and_script
from leaflets.paths import ASSETS_DIR, TEMPLATES_DIR

FONTS_DIR = Path(weblate_fonts.__file__).resolve().parent / "static" / "weblate_fonts"
_SANS = FONTS_DIR / "source-sans" / "ttf"
_KURINTO = FONTS_DIR / "kurinto" / "ttf"

#: Font families by name: (weight, style, file) for each face, all from the pinned package.
FAMILIES: dict[str, list[tuple[int, str, Path]]] = {
    # Latin, Cyrillic, Greek and Vietnamese.
    "Leaflet Sans": [
        (400, "normal", _SANS / "SourceSans3-Regular.ttf"),
        (400, "italic", _SANS / "SourceSans3-It.ttf"),
        (600, "normal", _SANS / "SourceSans3-Semibold.ttf"),
        (700, "normal", _SANS / "SourceSans3-Bold.ttf"),
    ],
    # Arabic and Devanagari (with its own Latin), shaped by HarfBuzz through Pango.
    "Leaflet World": [
        (400, "normal", _KURINTO / "KurintoSans-Rg.ttf"),
        (700, "normal", _KURINTO / "KurintoSans-Bd.ttf"),
    ],
    # Simplified Chinese glyph forms (the JP and TC faces draw some characters differently).
    "Leaflet SC": [
        (400, "normal", _KURINTO / "KurintoSansSC-Rg.ttf"),
        (700, "normal", _KURINTO / "KurintoSansSC-Bd.ttf"),
    ],
    "Leaflet KR": [
        (400, "normal", _KURINTO / "KurintoSansKR-Rg.ttf"),
        (700, "normal", _KURINTO / "KurintoSansKR-Bd.ttf"),
    ],
}
#: The family that draws each script first; Source Sans 3 covers the rest.
SCRIPT_FAMILY = {
    "Arab": "Leaflet World",
    "Deva": "Leaflet World",
    "Hans": "Leaflet SC",
    "Kore": "Leaflet KR",
}
#: CSS counter styles for locales whose numbers are not written with 0-9.
COUNTER_STYLES = {
    "arab": "arabic-indic",
    "arabext": "persian",
    "deva": "devanagari",
    "beng": "bengali",
}


def page_digits(lang: str) -> str | None:
    """The CSS counter style that writes numbers in the language's own digits; None for 0-9."""
    return COUNTER_STYLES.get(Locale.parse(lang).default_numbering_system)


def font_families(lang: str) -> list[str]:
    """The font stack for a language, most specific first."""
    script = (language_and_script(lang) or ("", None))[1]
    first = SCRIPT_FAMILY.get(script or "")
    return [first, "Leaflet Sans"] if first else ["Leaflet Sans"]


def font_stack_css(lang: str) -> str:
    """The rule that sets the language's font stack on the whole page."""
    stack = ", ".join(f'"{family}"' for family in font_families(lang))
    return f"html {{ font-family: {stack}, sans-serif; }}"


#: What WeasyPrint and browsers draw as a list bullet ("disc"): the symbol, then a space.
BULLET = "\u2022 "


def bullet_css(lang: str) -> str:
    """The width of a list bullet in the leaflet's font, by which leaflet.css hangs it.

    Bullets are drawn inside their item and pulled back before its first line by this much,
    so the text of every line starts at the same place: where outside markers put it, which
    WeasyPrint 70 lays out as an absolutely positioned box each (a thirtieth of a render).
    """
    width = next(
        (w for family in font_families(lang) if (w := _regular_face(family)[1]) is not None),
        0.5,  # not reached: the last family of every stack has the bullet
    )
    return f":root {{ --bullet-hang: -{width:.4f}em; }}"


def language_css(lang: str) -> str:
    """Per-language CSS: the font faces it needs, its font stack, bullets and page-number digits."""
    families = font_families(lang)
    rules = [
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
        f'font-style: {style}; src: url("{path.as_uri()}"); }}'
        for family in families
        for weight, style, path in FAMILIES[family]
    ]
    rules.append(font_stack_css(lang))
    rules.append(bullet_css(lang))
    style = page_digits(lang)
    if style:
        rules.append(f".page-number::before {{ content: counter(page, {style}); }}")
        rules.append(f".page-count::before {{ content: counter(pages, {style}); }}")
    return "\n".join(rules)


@functools.cache
def _regular_face(family: str) -> tuple[frozenset[int], float | None]:
    """Every code point the regular face of a family can draw, and the width of BULLET in em.

    One read of the font for both: the tables of the Chinese face take a tenth of a second.
    """
    from fontTools.ttLib import TTFont

    regular = next(path for weight, style, path in FAMILIES[family] if weight == 400)
    with TTFont(regular, lazy=True) as font:
        cmap = font.getBestCmap()
        bullet = None
        if all(ord(char) in cmap for char in BULLET):
            advances = sum(font["hmtx"][cmap[ord(char)]][0] for char in BULLET)
            bullet = advances / font["head"].unitsPerEm
        return frozenset(cmap), bullet


def missing_glyphs(text: str, lang: str) -> list[str]:
    """Characters of ``text`` that no font of the language's stack can draw.

    Checked against the fonts themselves, so the answer does not depend on which other fonts
    Pango happens to have loaded for earlier leaflets in the same process.
    """
    covered = set().union(*(_regular_face(f)[0] for f in font_families(lang)))
    return sorted(
        {
            char
            for char in text
            if ord(char) not in covered
            and not char.isspace()
            and unicodedata.category(char) not in ("Cc", "Cf")
        }
    )


_TAG = re.compile(r"<[^>]*>")


def strip_tags(html: str) -> str:
    """``html`` with its tags replaced by spaces and its character references decoded."""
    return htmllib.unescape(_TAG.sub(" ", html))


def _lazy_weasyprint() -> Any:
    # Imported on first render only: it costs most of a second (design notes).
    import weasyprint

    load_renderer()
    return weasyprint


@functools.cache
def load_renderer() -> None:
    """Import WeasyPrint once per process, install the hooks, and freeze what lives.

    A render makes hundreds of thousands of objects, and every full collection walked all the
    imported modules again: a tenth of a render's CPU went to the cyclic garbage collector.
    Frozen objects are left out of collections for good, so they are frozen once, right after
    the import, when nearly everything alive is code that stays (4 % less CPU per leaflet).
    Call it before forking workers: they inherit the frozen objects, whose memory pages then
    stay shared (freezing in each worker would write to every one of them).
    """
    _import_weasyprint()
    from leaflets.render.pdf_hooks import install_hooks

    install_hooks()
    gc.freeze()


def _import_weasyprint() -> None:
    """Import WeasyPrint without ctypes' library search where the libraries' file names load.

    WeasyPrint 70 tries several names for each library ("libpango-1.0-0", "pango-1.0", ...)
    before its file name ("libpango-1.0.so.0"), and cffi hands every miss to
    ctypes.util.find_library, which on Linux runs ldconfig and gcc: 0.17 s of CPU in every
    process that renders, a seventh of building one leaflet. The file names load directly.
    Where they do not (another system), the import runs again with the search, as usual.
    """
    import ctypes.util

    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        # WeasyPrint prints its installation help to stdout before it gives up on a library.
        with contextlib.redirect_stdout(io.StringIO()):
            import weasyprint
    except OSError:
        ctypes.util.find_library = search
        import weasyprint  # noqa: F401
    finally:
        ctypes.util.find_library = search


@functools.cache
def _fetcher_class() -> type:
    # Here, not at the top: a build where every leaflet is up to date never renders.
    import mimetypes
    from urllib.request import url2pathname

    urls = _lazy_weasyprint().urls

    class RestrictedURLFetcher(urls.URLFetcher):  # type: ignore[misc, name-defined]
        """Serve only data: URLs and files under the package's own asset roots."""

        roots = (TEMPLATES_DIR.resolve(), ASSETS_DIR.resolve(), FONTS_DIR)

        def __init__(self, extra_files: tuple[Path, ...] = ()) -> None:
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
            self.blocked: list[str] = []
            self.extra_files = {f.resolve() for f in extra_files}

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                allowed = path in self.extra_files or any(
                    path.is_relative_to(root) for root in self.roots
                )
                if allowed and path.is_file():
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return urls.URLFetcherResponse(
                        url, body=path.read_bytes(), headers={"Content-Type": kind}
                    )
            self.blocked.append(url)
            raise ValueError(f"blocked by leaflets: {url}")

    return RestrictedURLFetcher


def new_fetcher(extra_files: tuple[Path, ...] = ()) -> Any:
    """A fresh restricted fetcher that records what it refused.

    ``extra_files`` are single files outside the package it may also read (a brand's logo).
    """
    return _fetcher_class()(extra_files)


@functools.cache
def _font_config() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    atexit.register(_release_fonts)
    return FontConfiguration()


def _release_fonts() -> None:
    # Let WeasyPrint remove its temporary font folders while the interpreter is still whole
    # (at interpreter teardown its clean-up fails noisily).
    _INHERITED.clear()
    for cached in (_font_config, _stylesheets, _file_stylesheet):
        cached.cache_clear()
    gc.collect()


def _compile_css(**source: str) -> Any:
    fetcher = new_fetcher()
    sheet = _lazy_weasyprint().CSS(**source, font_config=_font_config(), url_fetcher=fetcher)
    if fetcher.blocked:
        raise RenderError(f"stylesheet tried to load {fetcher.blocked[0]}; not allowed")
    return sheet


@dataclass(frozen=True)
class PrintStyle:
    """How a leaflet is printed: paper, large print and the brand's colours."""

    paper: str
    large_print: bool
    primary_color: str
    accent_color: str


def style_css(style: PrintStyle) -> str:
    """The stylesheet for a print style; colours are validated hex values (see models)."""
    return (
        f"@page {{ size: {PAPER_SIZES[style.paper]}; }}\n"
        f":root {{ --primary: {style.primary_color}; --tint: {style.accent_color}; }}"
    )


PAPER_SIZES = {"a4": "A4", "letter": "letter"}


@functools.cache
def _stylesheets(lang: str, style: PrintStyle, stylesheet: str = "leaflet.css") -> tuple[Any, ...]:
    """The compiled stylesheets for a language and style, built once per process and reused."""
    sheets = [
        _file_stylesheet(stylesheet),
        _compile_css(string=language_css(lang)),
        _compile_css(string=style_css(style)),
    ]
    if style.large_print:
        sheets.append(_file_stylesheet("large-print.css"))
    return tuple(sheets)


@functools.cache
def _file_stylesheet(name: str) -> Any:
    return _compile_css(filename=str(TEMPLATES_DIR / name))


#: Font configurations inherited through fork, kept alive on purpose (see reset_renderer).
_INHERITED: list[Any] = []


def reset_renderer() -> None:
    """Forget the font configuration and compiled stylesheets (for a freshly forked worker).

    The parent's FontConfiguration is kept referenced, never finalised here: WeasyPrint deletes
    its temporary font folder when one is garbage-collected, and that folder is the parent's.
    """
    if _font_config.cache_info().currsize:
        _INHERITED.append(_font_config())
    for cached in (_font_config, _stylesheets, _file_stylesheet):
        cached.cache_clear()


def _codes(chars: list[str]) -> str:
    return ", ".join(f"{c!r} U+{ord(c):04X}" for c in chars)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _captured_warnings() -> Iterator[_Capture]:
    logger = logging.getLogger("weasyprint")
    handler = _Capture()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _finish(document: Any, pdf: Any) -> None:
    """WeasyPrint's finisher: mend the text layer, then the structure tree."""
    from leaflets.render.pdf_structure import (
        add_table_header_scope,
        join_split_elements,
        mark_artifacts,
        mark_languages,
        wrap_list_bodies,
    )
    from leaflets.render.pdf_text import fix_text_layer

    unmatched = fix_text_layer(document, pdf)
    if unmatched:
        raise RenderError(f"{unmatched} text spans could not be matched to their glyphs")
    add_table_header_scope(document, pdf)
    mark_artifacts(pdf)
    mark_languages(pdf)
    join_split_elements(pdf)
    wrap_list_bodies(pdf)


def write_pdf(
    html: str,
    *,
    lang: str,
    label: str,
    style: PrintStyle,
    extra_files: tuple[Path, ...] = (),
    stylesheet: str = "leaflet.css",
) -> bytes:
    """Render ``html`` to tagged PDF/UA-1 bytes; refuse blocked URLs and missing glyphs.

    ``label`` names the leaflet (topic and language) in any error; ``stylesheet`` is the
    main stylesheet under templates/ (review sheets have their own).
    """
    missing = missing_glyphs(strip_tags(html), lang)
    if missing:
        raise RenderError(
            f"{label}: the fonts for {bcp47(lang)!r} have no glyph for {_codes(missing)}"
        )
    from leaflets.render.overflow import find_overflows

    wp = _lazy_weasyprint()
    sheets = _stylesheets(lang, style, stylesheet)
    fetcher = new_fetcher(extra_files)
    with _captured_warnings() as captured:
        source = wp.HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=fetcher)
        document = source.render(
            stylesheets=list(sheets), font_config=_font_config(), pdf_variant="pdf/ua-1"
        )
        # Checked after layout, before anything is written: clipped text is never printed.
        overflows = find_overflows(document)
        if overflows:
            raise RenderError(
                f"{label}: text does not fit: "
                + "; ".join(o.describe() for o in overflows[:3])
                + "; shorten the text or break the long word"
            )
        pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1", finisher=_finish)
    if fetcher.blocked:
        raise RenderError(
            f"{label}: refused to load {fetcher.blocked[0]} (only the package's own assets "
            "may be loaded); remove that markup from the catalog or template"
        )
    notdef = sorted(
        {str(r.args[0]) for r in captured.records if "notdef" in str(r.msg) and r.args}  # type: ignore[index]
    )
    if notdef:
        raise RenderError(f"{label}: the fonts have no glyph for {_codes(notdef)}")
    if captured.records:
        raise RenderError(f"{label}: WeasyPrint warned: {captured.records[0].getMessage()}")
    return pdf
