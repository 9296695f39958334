"""HTML to PDF/UA with WeasyPrint: pinned fonts, a locked-down URL fetcher, glyph checks."""

from __future__ import annotations

import functools
import logging
import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import weblate_fonts

from leaflets.errors import RenderError
from leaflets.paths import ASSETS_DIR, TEMPLATES_DIR

FONTS_DIR = Path(weblate_fonts.__file__).resolve().parent / "static" / "weblate_fonts"
_SOURCE_SANS = FONTS_DIR / "source-sans" / "ttf"

#: (family, weight, style, file) for every face the leaflets use.
FONT_FACES = [
    ("Leaflet Sans", 400, "normal", _SOURCE_SANS / "SourceSans3-Regular.ttf"),
    ("Leaflet Sans", 400, "italic", _SOURCE_SANS / "SourceSans3-It.ttf"),
    ("Leaflet Sans", 600, "normal", _SOURCE_SANS / "SourceSans3-Semibold.ttf"),
    ("Leaflet Sans", 700, "normal", _SOURCE_SANS / "SourceSans3-Bold.ttf"),
]


def font_face_css() -> str:
    """``@font-face`` rules pointing at the pinned font package's files."""
    return "\n".join(
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
        f'font-style: {style}; src: url("{path.as_uri()}"); }}'
        for family, weight, style, path in FONT_FACES
    )


def _lazy_weasyprint() -> Any:
    # Imported on first render only: it costs most of a second (design notes).
    import weasyprint

    return weasyprint


@functools.cache
def _fetcher_class() -> type:
    urls = _lazy_weasyprint().urls

    class RestrictedURLFetcher(urls.URLFetcher):  # type: ignore[misc, name-defined]
        """Serve only data: URLs and files under the package's own asset roots."""

        roots = (TEMPLATES_DIR.resolve(), ASSETS_DIR.resolve(), FONTS_DIR)

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
            self.blocked: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                if path.is_file() and any(path.is_relative_to(r) for r in self.roots):
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return urls.URLFetcherResponse(
                        url, body=path.read_bytes(), headers={"Content-Type": kind}
                    )
            self.blocked.append(url)
            raise ValueError(f"blocked by leaflets: {url}")

    return RestrictedURLFetcher


def new_fetcher() -> Any:
    """A fresh restricted fetcher that records what it refused."""
    return _fetcher_class()()


@functools.cache
def _shared() -> tuple[Any, list[Any]]:
    """One font configuration and the compiled stylesheets, reused by every render."""
    wp = _lazy_weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    fetcher = new_fetcher()
    sheets = [
        wp.CSS(string=font_face_css(), font_config=font_config, url_fetcher=fetcher),
        wp.CSS(
            filename=str(TEMPLATES_DIR / "leaflet.css"),
            font_config=font_config,
            url_fetcher=fetcher,
        ),
    ]
    if fetcher.blocked:
        raise RenderError(f"stylesheet tried to load {fetcher.blocked[0]}; not allowed")
    return font_config, sheets


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


def write_pdf(html: str, *, label: str) -> bytes:
    """Render ``html`` to tagged PDF/UA-1 bytes; refuse blocked URLs and missing glyphs.

    ``label`` names the leaflet (topic and language) in any error.
    """
    wp = _lazy_weasyprint()
    font_config, sheets = _shared()
    fetcher = new_fetcher()
    with _captured_warnings() as captured:
        document = wp.HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=fetcher)
        pdf: bytes = document.write_pdf(
            stylesheets=sheets, font_config=font_config, pdf_variant="pdf/ua-1"
        )
    if fetcher.blocked:
        raise RenderError(
            f"{label}: refused to load {fetcher.blocked[0]} (only the package's own assets "
            "may be loaded); remove that markup from the catalog or template"
        )
    missing = sorted(
        {str(r.args[0]) for r in captured.records if "notdef" in str(r.msg) and r.args}  # type: ignore[index]
    )
    if missing:
        codes = ", ".join(f"{c!r} U+{ord(c):04X}" for c in missing)
        raise RenderError(f"{label}: the fonts have no glyph for {codes}")
    if captured.records:
        raise RenderError(f"{label}: WeasyPrint warned: {captured.records[0].getMessage()}")
    return pdf
