"""Hooks into WeasyPrint 70: what each span and structure element shows; cheaper arrays, zlib."""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterator
from typing import Any

from leaflets.render.pdf_letters import line_glyphs, needs_own_codes

# WeasyPrint keeps no link from the PDF it writes back to its boxes, and the finisher steps need
# one: the glyphs and letters of each marked-content span (pdf_text) and the HTML element behind
# each structure element (pdf_structure). Two of its functions are wrapped to write that down;
# what they draw and tag is unchanged. WeasyPrint is pinned, and the tests fail if either record
# goes missing.


def install_hooks() -> None:
    """Wrap ``draw_first_line`` and ``_build_box_tree``; tune cffi and zlib. Once per process."""
    from weasyprint.draw import text
    from weasyprint.pdf import tags

    if getattr(text.draw_first_line, "leaflets_hook", False):
        return
    draw_first_line = text.draw_first_line
    build_box_tree = tags._build_box_tree

    def recording_draw_first_line(stream: Any, textbox: Any, *args: Any) -> Any:
        emojis = draw_first_line(stream, textbox, *args)
        # Read right after drawing: WeasyPrint frees the box's Pango layout next.
        tag = stream._tags.get(textbox) if stream._tags is not None else None
        rtl = textbox.style["direction"] == "rtl"
        if tag is not None and (rtl or needs_own_codes(textbox.text)):
            after_ltr = stream.__dict__.get("leaflets_ends_ltr", False)
            spans = stream.__dict__.setdefault("leaflets_spans", {})
            spans[tag["mcid"]] = line_glyphs(textbox, after_ltr)
        stream.leaflets_ends_ltr = _ends_ltr(textbox.text)
        return emojis

    def recording_build_box_tree(box: Any, parent: Any, pdf: Any, *args: Any) -> Iterator[Any]:
        sources = pdf.__dict__.setdefault("leaflets_boxes", {})
        for element in build_box_tree(box, parent, pdf, *args):
            # The innermost call made the element: it is seen there first.
            sources.setdefault(element.number, getattr(box, "_box", box))
            yield element

    recording_draw_first_line.leaflets_hook = True  # type: ignore[attr-defined]
    text.draw_first_line = recording_draw_first_line
    tags._build_box_tree = recording_build_box_tree
    _share_array_types()
    _compress_at_default_level()


def _share_array_types() -> None:
    """Let font subsetting build its glyph arrays without parsing a new C type each time.

    WeasyPrint 70 asks cffi for ``hb_codepoint_t[N]`` with N the number of glyphs, so nearly
    every font of every leaflet has cffi parse a new C declaration (pycparser): 2-3 % of a
    render. ``hb_codepoint_t[]`` with the same items makes the same array from one parsed type.
    """
    from weasyprint.pdf import fonts

    fonts.ffi = _SizedArrays(fonts.ffi)


class _SizedArrays:
    """A cffi FFI whose ``new("T[N]", items)`` with N items uses the one type ``T[]``."""

    _SIZED = re.compile(r"(\w+)\[(\d+)\]")

    def __init__(self, ffi: Any) -> None:
        self._ffi = ffi

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ffi, name)

    def new(self, cdecl: str, init: Any = None) -> Any:
        sized = self._SIZED.fullmatch(cdecl)
        if sized and init is not None and len(init) == int(sized[2]):
            return self._ffi.new(f"{sized[1]}[]", init)
        return self._ffi.new(cdecl, init)


def _compress_at_default_level() -> None:
    """Have pydyf deflate the PDF's streams at zlib's default level (6), not at 9.

    Level 9 took 3.6 % of a render's CPU and made the leaflets 1.3 % smaller than level 6
    (49 leaflets in 7 languages: 0.60 s against 0.23 s of zlib, 3.11 MB against 3.15 MB).
    """
    import pydyf

    pydyf.zlib = _DefaultLevelZlib()


class _DefaultLevelZlib:
    """The zlib module, except that ``compressobj`` ignores the level it is asked for."""

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level: int = zlib.Z_DEFAULT_COMPRESSION, *args: Any, **kwargs: Any) -> Any:
        return zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, *args, **kwargs)


def _ends_ltr(text: str) -> bool:
    """Whether the last strongly directional character is left to right (or a number)."""
    for char in reversed(text):
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "EN", "AN"):
            return True
        if kind in ("R", "AL"):
            return False
    return False
