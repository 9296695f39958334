"""True text in the PDF: each drawn glyph maps to the letters it stands for, in any script.

WeasyPrint 70 maps a glyph id to the letters of its first use and draws right-to-left runs in
visual order. Extractors (poppler, pypdf, screen readers) then read Hindi with misplaced vowel
signs and Arabic with reversed ligatures, stray marks and numbers out of place. Here each
drawn glyph gets a code of its own meaning (see pdf_codes), marks moved off the baseline are
drawn after their line and mean nothing (their letters go with their base), and the runs of a
line with right-to-left text are drawn in logical order. The page looks exactly the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from leaflets.pdf_codes import CARRIER, FontCodes, add_codes, font_codes

#: The word joiner render.py puts between Korean syllables is layout only, never text.
_LAYOUT_ONLY = str.maketrans("", "", "\u2060")
_TJ_ITEM = re.compile(rb"<([0-9a-f]*)>|([-+0-9.eE]+)")


@dataclass
class DrawnGlyph:
    """A glyph of a line, its letters (the first on the glyph, the rest on carriers)."""

    gid: int
    letters: list[str]
    #: A zero-width mark: drawn after the line, means nothing (its base carries its letter).
    deferred: bool
    #: Where its bidi run starts in the line's text, for logical order.
    run: int
    rtl: bool
    #: The line is in a right-to-left paragraph, and the text drawn before it ends in a
    #: left-to-right character (a number), as text of its own box.
    rtl_line: bool = False
    after_ltr: bool = False


#: Characters that WeasyPrint's one mapping per glyph id can get wrong: combining marks,
#: right-to-left scripts, and the Indic and Southeast Asian scripts that reorder or stack.
_NEEDS_OWN_CODES = re.compile(
    "[\u0300-\u036f\u0590-\u08ff\u0900-\u0dff\u0e00-\u0fff\u1000-\u109f\u1780-\u17ff"
    "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufb1d-\ufdff\ufe20-\ufe2f\ufe70-\ufefe]"
)


def needs_own_codes(text: str) -> bool:
    """Whether a line's glyphs need codes of their own (else WeasyPrint's are right)."""
    return _NEEDS_OWN_CODES.search(text) is not None


def line_glyphs(box: Any, after_ltr: bool = False) -> list[DrawnGlyph]:
    """The glyphs WeasyPrint drew for a text box, in drawing order, with their letters.

    ``after_ltr``: the text box drawn just before ends in left-to-right text.
    """
    from weasyprint.text.ffi import TO_UNITS, ffi, pango

    if not box.text.strip() or box.style["font_size"] < 1e-6:
        return []  # WeasyPrint draws nothing for such a line
    line, _ = box.pango_layout.get_first_line()
    utf8 = box.pango_layout.text.encode()
    # A glyph this narrow is a mark placed on another glyph.
    narrow = _MARK_WIDTH * box.style["font_size"] * TO_UNITS
    glyphs: list[DrawnGlyph] = []
    run = line.runs
    while run != ffi.NULL:
        item, glyph_string = run.data.item, run.data.glyphs
        run = run.next
        count, infos = glyph_string.num_glyphs, glyph_string.glyphs
        clusters = glyph_string.log_clusters
        rtl = item.analysis.level % 2 == 1
        groups: list[tuple[list[DrawnGlyph], str]] = []
        i = 0
        while i < count:
            j = i
            while j < count and clusters[j] == clusters[i]:
                j += 1
            # Pango gives right-to-left glyphs in visual order: a cluster ends where the
            # glyph before it starts.
            if rtl:
                end = item.length if i == 0 else clusters[i - 1]
            else:
                end = item.length if j == count else clusters[j]
            letters = utf8[item.offset + clusters[i] : item.offset + end].decode()
            group = [
                DrawnGlyph(infos[k].glyph, [""], infos[k].geometry.width < narrow, item.offset, rtl)
                for k in range(i, j)
                if infos[k].glyph != pango.PANGO_GLYPH_EMPTY
            ]
            groups.append((group, letters.translate(_LAYOUT_ONLY)))
            i = j
        for group, letters in _merge_marks(groups, rtl):
            _share(group, letters, rtl)
        glyphs.extend(glyph for group, _ in groups for glyph in group)
    for glyph in glyphs:
        glyph.rtl_line = box.style["direction"] == "rtl"
        glyph.after_ltr = after_ltr
    return glyphs


#: Glyphs narrower than this fraction of the font size are marks (zero advance in the font).
_MARK_WIDTH = 0.05


def _merge_marks(
    groups: list[tuple[list[DrawnGlyph], str]], rtl: bool
) -> list[tuple[list[DrawnGlyph], str]]:
    """Clusters with their marks' letters joined to the cluster they sit on.

    A cluster of marks only (Pango often makes each mark its own cluster) gives its letters
    to the cluster before it in reading order: the one drawn before it left to right, after
    it right to left. Its glyphs then carry no letters.
    """
    merged: list[tuple[list[DrawnGlyph], str]] = []
    order = list(reversed(groups)) if rtl else groups
    for group, letters in order:
        only_marks = bool(group) and all(glyph.deferred for glyph in group)
        if only_marks and merged and merged[-1][0]:
            base, base_letters = merged[-1]
            merged[-1] = (base + group, base_letters + letters)
            continue
        for glyph in group:
            glyph.deferred = glyph.deferred and not only_marks
        merged.append((group, letters))
    return merged


def _share(cluster: list[DrawnGlyph], letters: str, rtl: bool) -> None:
    """Share a cluster's letters among its glyphs so that extractors read them in order.

    Extractors read codes in drawing order, and reverse right-to-left text one code at a time.
    So right to left, each glyph takes one letter, in reverse order, and letters left over
    ride on zero-width carriers; left to right, the last glyph takes what is left. Marks take
    none: they are drawn after the line, where they would break the word for poppler.
    """
    bearers = [glyph for glyph in cluster if not glyph.deferred]
    if not bearers:
        return
    ordered = list(reversed(letters)) if rtl else list(letters)
    for glyph, letter in zip(bearers, ordered, strict=False):
        glyph.letters[0] = letter
    rest = ordered[len(bearers) :]
    if rtl:
        bearers[-1].letters.extend(rest)
    else:
        bearers[-1].letters[0] += "".join(rest)


@dataclass
class _Placed:
    """A glyph as drawn: font and size tokens, rise, pen position (text space) and code."""

    font: bytes
    size: bytes
    rise: bytes
    x: float
    code: int


class _Mismatch(Exception):
    """The drawn glyphs are not the ones recorded for the span."""


def fix_text_layer(document: Any, pdf: Any) -> int:
    """Rewrite every recorded text span (a WeasyPrint ``finisher`` step).

    Returns how many spans could not be matched to their recorded glyphs; those are left as
    WeasyPrint drew them.
    """
    fonts = font_codes(document)
    unmatched = 0
    for stream in pdf.objects:
        spans = getattr(stream, "leaflets_spans", None)
        if not spans:
            continue
        chunks = stream.stream
        for start, chunk in enumerate(chunks):
            if isinstance(chunk, dict) and chunk.get("MCID") in spans:
                try:
                    _rewrite_span(chunks, start, spans[chunk["MCID"]], fonts)
                except (_Mismatch, StopIteration, KeyError, ValueError):
                    unmatched += 1
    for name, codes in fonts.items():
        if codes.extra:
            add_codes(pdf, name, codes)
    return unmatched


def _rewrite_span(
    chunks: list[Any], start: int, glyphs: list[DrawnGlyph], fonts: dict[str, FontCodes]
) -> None:
    if not glyphs:
        return
    begin = chunks.index(b"BT", start)
    end = chunks.index(b"ET", begin)
    if not chunks[begin + 1].endswith(b" Tm"):
        raise _Mismatch
    placed = _parse(chunks[begin + 2 : end], fonts)
    if len(placed) != len(glyphs) or any(
        p.code != g.gid for p, g in zip(placed, glyphs, strict=True)
    ):
        raise _Mismatch
    items = _reading_order(list(zip(placed, glyphs, strict=True)), fonts)
    codes = [_codes(fonts[_name(item.placed.font)], item) for item in items]
    unchanged = all(c == [item.placed.code] for c, item in zip(codes, items, strict=True))
    if unchanged and [item.placed for item in items] == placed:
        return
    chunks[begin + 2 : end] = _emit(items, codes, fonts)


@dataclass
class _Item:
    """A glyph to draw, and how far to move on after it (a word space pypdf can see)."""

    placed: _Placed
    glyph: DrawnGlyph
    gap: float = 0.0


def _reading_order(
    pairs: list[tuple[_Placed, DrawnGlyph]], fonts: dict[str, FontCodes]
) -> list[_Item]:
    """The glyphs in the order extractors should read them; marks last.

    In a line with right-to-left text, bidi runs are drawn in logical order (pypdf reads runs
    in drawing order). A right-to-left run is drawn left to right, so a space ending it comes
    first, where pypdf would move it to the front: it is left out (it draws nothing) and the
    pen moves on by its width after the run instead, which pypdf reads as a space at the end.
    """
    main = [_Item(p, g) for p, g in pairs if not g.deferred]
    marks = [_Item(p, g) for p, g in pairs if g.deferred]
    if not any(item.glyph.rtl for item in main):
        return main + marks
    runs: dict[int, list[_Item]] = {}
    for item in main:
        runs.setdefault(item.glyph.run, []).append(item)
    ordered: list[_Item] = []
    previous: list[_Item] = []
    first = min(runs)
    for offset in sorted(runs):
        run, gap = runs[offset], 0.0
        _mark_after_number(previous, run, offset == first)
        previous = run
        while run[0].glyph.rtl and len(run) > 1 and "".join(run[0].glyph.letters).isspace():
            space = run.pop(0).placed
            gap += fonts[_name(space.font)].width(space.code) * float(space.size) / 1000
        run[-1].gap = gap
        ordered.extend(run)
    return ordered + marks


#: RIGHT-TO-LEFT MARK: invisible, and keeps a number on its side of the space after it.
_RLM = "\u200f"


def _mark_after_number(before: list[_Item], run: list[_Item], first: bool) -> None:
    """Put a right-to-left mark after the space that follows a number in right-to-left text.

    poppler reorders a right-to-left line itself and takes that space into the number
    ("50 women" comes out as " 50women"); the invisible mark stops it there.
    """
    last = run[-1].glyph
    after_ltr = (bool(before) and not before[0].glyph.rtl) or (first and last.after_ltr)
    if not after_ltr or not last.rtl_line:
        return
    if last.rtl and len(last.letters) == 1 and last.letters[0].isspace():
        last.letters[0] += _RLM


def _name(font: bytes) -> str:
    return font[1:].decode()


def _codes(codes: FontCodes, item: _Item) -> list[int]:
    glyph = item.glyph
    if not codes.can_carry() and len(glyph.letters) > 1:
        glyph.letters = ["".join(glyph.letters)]
    if glyph.deferred:
        return [codes.code(item.placed.code, "")]
    if len(glyph.letters) == 1:
        return [codes.code(item.placed.code, glyph.letters[0])]
    # The glyph and its carriers share its advance.
    count, width = len(glyph.letters), codes.widths.get(item.placed.code, 0)
    shares = [width // count + (k < width % count) for k in range(count)]
    return [codes.code(item.placed.code, glyph.letters[0], shares[0])] + [
        codes.code(CARRIER, letter, share)
        for letter, share in zip(glyph.letters[1:], shares[1:], strict=True)
    ]


def _parse(region: list[Any], fonts: dict[str, FontCodes]) -> list[_Placed]:
    """The glyphs a sequence of Tf, Ts and TJ operators draws, with their pen positions."""
    placed: list[_Placed] = []
    font = size = b""
    rise, x = b"0", 0.0
    for chunk in region:
        if not isinstance(chunk, bytes):
            raise _Mismatch
        if chunk.endswith(b" Tf"):
            font, size = chunk.split()[:2]
        elif chunk.endswith(b" Ts"):
            rise = chunk.split()[0]
        elif chunk.endswith(b"TJ") and font:
            scale = float(size) / 1000
            codes = fonts[_name(font)]
            for hexa, number in _TJ_ITEM.findall(chunk[1 : chunk.rindex(b"]")]):
                if number:
                    x -= float(number) * scale
                for k in range(0, len(hexa), 4):
                    code = int(hexa[k : k + 4], 16)
                    placed.append(_Placed(font, size, rise, x, code))
                    x += codes.width(code) * scale
        else:
            raise _Mismatch
    return placed


def _emit(items: list[_Item], codes: list[list[int]], fonts: dict[str, FontCodes]) -> list[bytes]:
    """Tf, Ts and TJ operators that draw the glyphs at their positions, in the given order."""
    out: list[bytes] = []
    parts: list[bytes] = []
    font = size = b""
    rise, x = b"0", 0.0

    def flush() -> None:
        if parts:
            out.append(b"[" + b" ".join(parts) + b"] TJ")
            parts.clear()

    for item, glyph_codes in zip(items, codes, strict=True):
        glyph = item.placed
        if (glyph.font, glyph.size) != (font, size):
            flush()
            font, size = glyph.font, glyph.size
            out.append(font + b" " + size + b" Tf")
        if glyph.rise != rise:
            flush()
            rise = glyph.rise
            out.append(rise + b" Ts")
        scale = float(size) / 1000
        move = (glyph.x - x) / scale
        if abs(move) > 1e-3:
            parts.append(b"%.3f" % -move)
        parts.append(b"<" + b"".join(b"%04x" % code for code in glyph_codes) + b">")
        width = sum(fonts[_name(font)].width(code) for code in glyph_codes)
        x = glyph.x + width * scale
        if item.gap:
            parts.append(b"%.3f" % -(item.gap / scale))
            x += item.gap
    flush()
    if rise != b"0":
        out.append(b"0 Ts")
    return out
