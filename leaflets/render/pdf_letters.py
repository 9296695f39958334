"""The glyphs WeasyPrint draws for a line of text, and the letters each one stands for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Read from the line's Pango layout right after WeasyPrint draws it (pdf_hooks): clusters of
# glyphs with the text they come from, marks given to the letter they sit on, and the letters
# shared out so that extractors read them in order (pdf_text).

#: The word joiner render/html.py puts between Korean syllables is layout only, never text.
_LAYOUT_ONLY = str.maketrans("", "", "\u2060")


@dataclass(slots=True)  # one per drawn glyph: slots make them cheaper
class DrawnGlyph:
    """A glyph of a line, its letters (the first on the glyph, the rest on carriers)."""

    gid: int
    letters: list[str]
    #: A zero-width mark: drawn after the line, means nothing (its base carries its letter).
    deferred: bool
    #: Where its cluster starts in the line's text: the reading order.
    position: int
    #: Read right to left: in a right-to-left bidi run, and not punctuation that pypdf
    #: takes for left-to-right text (see ``_READ_LEFT_TO_RIGHT``).
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
            letters = letters.translate(_LAYOUT_ONLY)
            position = item.offset + clusters[i]
            reads_rtl = rtl and not _READ_LEFT_TO_RIGHT.match(letters)
            group = [
                DrawnGlyph(
                    infos[k].glyph, [""], infos[k].geometry.width < narrow, position, reads_rtl
                )
                for k in range(i, j)
                if infos[k].glyph != pango.PANGO_GLYPH_EMPTY
            ]
            groups.append((group, letters))
            i = j
        for group, letters in _merge_marks(groups, rtl):
            _share(group, letters, rtl)
        glyphs.extend(glyph for group, _ in groups for glyph in group)
    for glyph in glyphs:
        glyph.rtl_line = box.style["direction"] == "rtl"
        glyph.after_ltr = after_ltr
    return glyphs


#: Punctuation of right-to-left text that pypdf reads as left-to-right text (it knows only
#: ASCII and general punctuation as neutral): guillemets, the middle dot and the like.
_READ_LEFT_TO_RIGHT = re.compile("[\u00a1-\u00bf\u00d7\u00f7]")

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
        if only_marks:  # nothing to sit on: drawn in line, with the letters
            for glyph in group:
                glyph.deferred = False
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
    if len(bearers) == 1 and (len(letters) < 2 or not rtl):
        bearers[0].letters[0] = letters  # nearly every cluster: one glyph, its letters
        return
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
