"""Redraw the text of each line so that text extractors read its words in any script."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from leaflets.render.pdf_codes import CARRIER, FontCodes, add_codes, font_codes
from leaflets.render.pdf_letters import DrawnGlyph

# WeasyPrint 70 maps a glyph id to the letters of its first use and draws right-to-left runs in
# visual order, so extractors (poppler, pypdf, screen readers) read Hindi with misplaced vowel
# signs and Arabic with reversed ligatures, stray marks and numbers out of place. Each drawn
# glyph gets a code for its own letters (pdf_letters, pdf_codes), marks are drawn after their
# line and mean nothing (the letter they sit on carries them), and the runs of a line with
# right-to-left text are drawn in reading order. Every glyph stays where it was.

_TJ_ITEM = re.compile(rb"<([0-9a-f]*)>|([-+0-9.eE]+)")


@dataclass(slots=True)
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
    # By the name as the content stream sets it ("/abcdef Tf"), read once per drawn glyph.
    by_token = {b"/" + name.encode(): codes for name, codes in fonts.items()}
    unmatched = 0
    for stream in pdf.objects:
        spans = getattr(stream, "leaflets_spans", None)
        if not spans:
            continue
        chunks = stream.stream
        for start, chunk in enumerate(chunks):
            if isinstance(chunk, dict) and chunk.get("MCID") in spans:
                try:
                    _rewrite_span(chunks, start, spans[chunk["MCID"]], by_token)
                except (_Mismatch, StopIteration, KeyError, ValueError):
                    unmatched += 1
    for name, codes in fonts.items():
        if codes.extra:
            add_codes(pdf, name, codes)
    return unmatched


def _rewrite_span(
    chunks: list[Any], start: int, glyphs: list[DrawnGlyph], fonts: dict[bytes, FontCodes]
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
    codes = [_codes(fonts[item.placed.font], item) for item in items]
    closing = _close_line(items, fonts)
    unchanged = all(c == [item.placed.code] for c, item in zip(codes, items, strict=True))
    if unchanged and not closing and [item.placed for item in items] == placed:
        return
    chunks[begin + 2 : end] = _emit(items, codes, fonts) + closing


def _close_line(items: list[_Item], fonts: dict[bytes, FontCodes]) -> list[bytes]:
    """At the end of a box of right-to-left text, a blank glyph off the line that means nothing.

    pypdf joins the text of every box on a line into one right-to-left run and reverses it,
    so the cells of a right-to-left table row, drawn first to last, would come out last to
    first, and with no space between them. A glyph on another line makes it end the line
    there; poppler ignores it.
    """
    last = next((item for item in reversed(items) if not item.glyph.deferred), None)
    if last is None or not last.glyph.rtl_line:
        return []
    codes = fonts[last.placed.font]
    if not codes.can_carry():
        return []
    away = 2 * float(last.placed.size)
    blank = codes.code(codes.blank_gid, "")
    return [b"0 %.3f Td" % away, b"[<%04x>] TJ" % blank]


@dataclass(slots=True)
class _Item:
    """A glyph to draw, and how far to move on after it (a word space pypdf can see)."""

    placed: _Placed
    glyph: DrawnGlyph
    gap: float = 0.0


def _reading_order(
    pairs: list[tuple[_Placed, DrawnGlyph]], fonts: dict[bytes, FontCodes]
) -> list[_Item]:
    """The glyphs in the order extractors should read them; marks last.

    In a line with right-to-left text, the runs of each direction are drawn in reading order
    (pypdf keeps runs in drawing order), each run's glyphs left to right as before. A
    right-to-left run drawn left to right starts with its last character. A space there is
    left out (it draws nothing) and the pen moves on by its width after the run instead, which
    pypdf reads as a space at the end; punctuation there gets an invisible letter mark first.
    """
    main = [_Item(p, g) for p, g in pairs if not g.deferred]
    marks = [_Item(p, g) for p, g in pairs if g.deferred]
    if not any(item.glyph.rtl for item in main):
        return main + marks
    runs: list[list[_Item]] = []
    for item in sorted(main, key=lambda item: item.glyph.position):
        if runs and runs[-1][0].glyph.rtl == item.glyph.rtl:
            runs[-1].append(item)
        else:
            runs.append([item])
    # Each run keeps the drawing order of its glyphs.
    drawn = {id(item): k for k, item in enumerate(main)}
    for run in runs:
        run.sort(key=lambda item: drawn[id(item)])
    _mark_spaces_after_numbers(runs)
    ordered: list[_Item] = []
    for run in runs:
        gap = 0.0
        while run[0].glyph.rtl and len(run) > 1 and "".join(run[0].glyph.letters).isspace():
            space = run.pop(0).placed
            gap += fonts[space.font].width(space.code) * float(space.size) / 1000
        run[-1].gap = gap
        _start_right_to_left(run[0].glyph)
        ordered.extend(run)
    return ordered + marks


#: RIGHT-TO-LEFT MARK: invisible, and keeps what comes before it on its side of the space.
_RLM = "\u200f"
#: Characters poppler's own reordering of a right-to-left line treats as left to right or as
#: part of a number (bidi classes: left to right, numbers, separators and terminators).
_LEFT_OR_NUMBER = ("L", "EN", "AN", "CS", "ES", "ET")


def _mark_spaces_after_numbers(runs: list[list[_Item]]) -> None:
    """Put a right-to-left mark between a number and the punctuation or space after it.

    poppler reorders a right-to-left line itself and takes the neutral characters after a
    number into it ("50 women" comes out as " 50women", "(2) roughly" as "( )2roughly", "(age).
    And" as "(age) .And"); the invisible mark stops it there.
    """
    reading: list[_Item] = []
    for run in runs:
        reading.extend(reversed(run) if run[0].glyph.rtl else run)
    weak_before = reading[0].glyph.after_ltr
    for item in reading:
        glyph = item.glyph
        # Right to left, a glyph's letters are in reverse order.
        text = "".join(reversed(glyph.letters) if glyph.rtl else glyph.letters)
        if not text:
            continue
        neutral = unicodedata.bidirectional(text[0]) not in ("R", "AL")
        if glyph.rtl and glyph.rtl_line and weak_before and neutral:
            glyph.letters.append(_RLM)  # drawn just after it: between it and the number
        weak_before = unicodedata.bidirectional(text[-1]) in _LEFT_OR_NUMBER


#: ARABIC LETTER MARK: invisible, and a right-to-left letter to pypdf.
_ALM = "\u061c"


def _start_right_to_left(glyph: DrawnGlyph) -> None:
    """Open a right-to-left run that ends in punctuation with an invisible letter mark.

    Drawn left to right, the run starts with its last character. pypdf keeps that character
    where it is unless it has already seen a right-to-left letter: it would move the colon
    of "in these cases:" to the front of the line. The mark ends up after it, out of sight.
    """
    first = glyph.letters[0][:1]
    if glyph.rtl and first and unicodedata.bidirectional(first) not in ("R", "AL"):
        glyph.letters.insert(0, _ALM)


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


def _parse(region: list[Any], fonts: dict[bytes, FontCodes]) -> list[_Placed]:
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
            codes = fonts[font]
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


def _emit(items: list[_Item], codes: list[list[int]], fonts: dict[bytes, FontCodes]) -> list[bytes]:
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
        width = sum(map(fonts[font].width, glyph_codes))
        x = glyph.x + width * scale
        if item.gap:
            parts.append(b"%.3f" % -(item.gap / scale))
            x += item.gap
    flush()
    if rise != b"0":
        out.append(b"0 Ts")
    return out
