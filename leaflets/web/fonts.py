"""Fonts for the staff page: the leaflets' own fonts, cut down to the names and titles shown."""

# A clinic's machine may lack Arabic, Devanagari, Chinese or Korean fonts; the page then still
# shows each language's own name. Only the characters on the page are kept (a few KB, not the
# 5-10 MB of each font file), by fontTools, in a render worker.

from __future__ import annotations

import io
import threading
from collections.abc import Callable

#: URL name -> the leaflets' font family (leaflets.render.pdf.FAMILIES) it is cut from.
FAMILIES = {"world": "Leaflet World", "sc": "Leaflet SC", "kr": "Leaflet KR"}
#: The scripts each family draws on the page (as in app.css's unicode-range).
RANGES = {
    "world": [
        (0x0600, 0x06FF),
        (0x0750, 0x077F),
        (0x08A0, 0x08FF),
        (0xFB50, 0xFDFF),
        (0xFE70, 0xFEFF),
        (0x0900, 0x097F),
        (0xA8E0, 0xA8FF),
    ],
    "sc": [(0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xFF00, 0xFFEF)],
    "kr": [(0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF)],
}


def characters(family: str, text: str) -> str:
    """The characters of ``text`` that ``family`` draws on the page, sorted, once each."""
    ranges = RANGES[family]
    return "".join(sorted({c for c in text if any(lo <= ord(c) <= hi for lo, hi in ranges)}))


def subset_font(family: str, text: str) -> bytes:
    """The regular face of ``family`` with only the glyphs ``text`` needs (and its shaping)."""
    from fontTools import subset

    from leaflets.render.pdf import FAMILIES as FONT_FILES

    path = next(f for weight, style, f in FONT_FILES[FAMILIES[family]] if weight == 400)
    options = subset.Options()
    options.layout_features = ["*"]  # Arabic joining and Devanagari conjuncts need them all
    options.name_IDs = ["*"]
    font = subset.load_font(str(path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    return buffer.getvalue()


class PageFonts:
    """Cut fonts, made once for each text (the page's text changes only with the catalogs)."""

    def __init__(self, cut: Callable[[str, str], bytes]) -> None:
        self._cut = cut
        self._lock = threading.Lock()
        self._made: dict[tuple[str, str], bytes] = {}

    def font(self, family: str, page_text: str) -> bytes:
        """``family`` cut down to the characters of ``page_text`` it draws."""
        key = (family, characters(family, page_text))
        with self._lock:
            found = self._made.get(key)
        if found is None:
            found = self._cut(*key)
            with self._lock:
                if len(self._made) > 16:
                    self._made.clear()
                self._made[key] = found
        return found
