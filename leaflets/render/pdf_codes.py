"""PDF font codes: one per glyph and meaning, with their CID map, widths and ToUnicode."""

from __future__ import annotations

import array
import io
import sys
import zlib
from dataclasses import dataclass, field
from typing import Any

#: The glyph id that stands for a zero-width carrier in ``FontCodes.extra`` keys.
CARRIER = -1


@dataclass
class FontCodes:
    """The codes of one embedded font.

    WeasyPrint writes code = glyph id and one Unicode text per glyph id (its first use). A
    glyph that stands for other letters elsewhere, or for no letter, gets a new code that the
    font's CIDToGIDMap points back at the same glyph; a carrier is a code for a blank glyph
    with width 0 that carries one more letter.
    """

    defaults: dict[int, str]
    widths: dict[int, int]
    blank_gid: int
    next_code: int
    #: (glyph id or CARRIER, letters, width or None for the glyph's own) -> code
    extra: dict[tuple[int, str, int | None], int] = field(default_factory=dict)
    extra_widths: dict[int, int] = field(default_factory=dict)

    def code(self, gid: int, text: str, width: int | None = None) -> int:
        """The code that draws glyph ``gid``, means ``text`` and advances by ``width``."""
        if gid != CARRIER and width is None and self.defaults.get(gid) == text:
            return gid
        key = (gid, text, width)
        if key not in self.extra:
            self.extra[key] = code = self.next_code
            self.extra_widths[code] = self.widths.get(gid, 0) if width is None else width
            self.next_code += 1
        return self.extra[key]

    def width(self, code: int) -> int:
        """The advance of a code, in thousandths of the font size."""
        return self.extra_widths.get(code, self.widths.get(code, 0))

    def can_carry(self) -> bool:
        """Whether the font has a blank glyph for carriers."""
        return self.blank_gid >= 0


def font_codes(document: Any) -> dict[str, FontCodes]:
    """The codes of every font WeasyPrint embedded, by resource name."""
    tables: dict[str, FontCodes] = {}
    for font in document.fonts.values():
        codes = tables.setdefault(font.hash, FontCodes({}, {}, blank_gid=-1, next_code=0))
        for gid, text in font.to_unicode.items():
            codes.defaults.setdefault(gid, text)
        codes.widths.update(font.widths)
        codes.next_code = max(codes.next_code, max(font.widths, default=0) + 1)
        if codes.blank_gid < 0:
            codes.blank_gid = _blank_glyph(font)
    return tables


def _blank_glyph(font: Any) -> int:
    """A glyph of the embedded font that draws nothing (-1 if none is found).

    The space if the font drew one; otherwise a glyph left empty by subsetting, which keeps
    glyph ids (an empty glyph has no data in the ``loca`` table).
    """
    space = next((gid for gid, text in font.to_unicode.items() if text == " "), None)
    if space is not None:
        return int(space)
    if font.type == "otf":
        return -1
    from fontTools.ttLib import TTFont

    locations = TTFont(io.BytesIO(font.file_content), lazy=True)["loca"].locations
    return next((g for g in range(1, len(locations) - 1) if locations[g] == locations[g + 1]), -1)


def _object(pdf: Any, reference: bytes) -> Any:
    return pdf.objects[int(reference.split()[0])]


def add_codes(pdf: Any, name: str, codes: FontCodes) -> None:
    """Write a font's new codes: CIDToGIDMap, widths and ToUnicode entries."""
    import pydyf

    page = _object(pdf, pdf.page_references[0])
    fonts = _object(pdf, _object(pdf, page["Resources"])["Font"])
    font = _object(pdf, fonts[name])
    cid_font = _object(pdf, font["DescendantFonts"][0])
    ordered = sorted(codes.extra.items(), key=lambda item: item[1])
    gids = {code: codes.blank_gid if gid == CARRIER else gid for (gid, _, _), code in ordered}
    cid_map = _up_predicted(_cid_to_gid(gids), pydyf)
    pdf.add_object(cid_map)
    cid_font["CIDToGIDMap"] = cid_map.reference
    for _, code in ordered:
        cid_font["W"].extend([code, pydyf.Array([codes.width(code)])])
    lines = [b"%d beginbfchar" % len(ordered)]
    lines += [
        b"<%04x> <%s>" % (code, text.encode("utf-16-be").hex().encode())
        for (_, text, _), code in ordered
    ]
    lines.append(b"endbfchar")
    to_unicode = _object(pdf, font["ToUnicode"]).stream
    at = to_unicode.index(b"endcmap")
    to_unicode[at:at] = lines


def _cid_to_gid(gids: dict[int, int]) -> bytes:
    """The CIDToGIDMap: 2 bytes big-endian per code, each code its own glyph unless in ``gids``."""
    table = array.array("H", range(max(gids) + 1))
    for code, gid in gids.items():
        table[code] = gid
    if sys.byteorder == "little":
        table.byteswap()
    return table.tobytes()


def _up_predicted(data: bytes, pydyf: Any) -> Any:
    """A Flate stream of 2-byte rows with the PNG Up predictor: a near-identity map is tiny."""
    # Byte by byte in C (map over bytes): a CJK font's map has tens of thousands of rows.
    high, low = data[0::2], data[1::2]
    rows = bytearray(len(high) * 3)
    rows[0::3] = b"\x02" * len(high)
    rows[1::3] = bytes(map((255).__and__, map(int.__sub__, high, b"\x00" + high[:-1])))
    rows[2::3] = bytes(map((255).__and__, map(int.__sub__, low, b"\x00" + low[:-1])))
    compressor = zlib.compressobj(level=9)
    body = compressor.compress(bytes(rows)) + compressor.flush()
    parameters = pydyf.Dictionary({"Predictor": 12, "Columns": 2})
    return pydyf.Stream([body], {"Filter": "/FlateDecode", "DecodeParms": parameters})
