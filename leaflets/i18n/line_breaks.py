"""Where a line of text may break and how many columns it takes, as libunistring decides."""

from __future__ import annotations

import unicodedata

# GNU gettext breaks PO strings with libunistring (UAX #14 by its pair table, Unicode 14 in
# libunistring 1.0, which gettext 0.21 uses) and counts East Asian wide characters as two
# columns. This repeats it for the text catalogs hold. The classes of Latin, Cyrillic, Arabic,
# Devanagari, Chinese and Korean text and of common punctuation match libunistring; rarer
# symbols (emoji, half-width katakana) may not, which the msgcat tests would show.

_CLASSES = (
    "WJ GL B2 BA BB HY CL CP1 CP2 EX IN NS OP1 OP2 QU IS NU PO PR SY AL H2 H3 ID1 ID2 JL JV JT HL"
    " RI ZWJ EB EM"
)
# libunistring 1.0's pair table (unilbrk/lbrktables.c), row = class before, column = class after:
# D a break is allowed, I only after a space, P never. OP2 and CP2 are the wide forms of OP and
# CP; ID2 are ideographs that are emoji.
_TABLE_ROWS = """
WJ  PIIIIIPPPPIIIIIPIIIPIIIIIIIIIIIII
GL  PIIIIIPPPPIIIIIPIIIPIIIIIIIIIIIII
B2  PIPIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD
BA  PDDIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD
BB  PIIIIIPPPPIIIIIPIIIPIIIIIIIIIIIII
HY  PDDIDIPPPPIIDDIPIDDPDDDDDDDDDDDDD
CL  PIDIDIPPPPIPDDIPDIIPDDDDDDDDDDDDD
CP1 PIDIDIPPPPIIDDIPIIIPIDDDDDDDIDIDD
CP2 PIDIDIPPPPIIDDIPDIIPDDDDDDDDDDDDD
EX  PIDIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD
IN  PIDIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD
NS  PIDIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD
OP1 PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP
OP2 PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP
QU  PIIIIIPPPPIIPPIPIIIPIIIIIIIIIIIII
IS  PIDIDIPPPPIIDDIPIDDPDDDDDDDDDDDDD
NU  PIDIDIPPPPIIIDIPIIIPIDDDDDDDIDIDD
PO  PIDIDIPPPPIIIIIPIDDPIDDDDDDDIDIDD
PR  PIDIDIPPPPIIIIIPIDDPIIIIIIIIIDIII
SY  PIDIDIPPPPIIDDIPIDDPDDDDDDDDIDDDD
AL  PIDIDIPPPPIIIDIPIIIPIDDDDDDDIDIDD
H2  PIDIDIPPPPIIDDIPDIDPDDDDDDIIDDDDD
H3  PIDIDIPPPPIIDDIPDIDPDDDDDDDIDDDDD
ID1 PIDIDIPPPPIIDDIPDIDPDDDDDDDDDDDDD
ID2 PIDIDIPPPPIIDDIPDIDPDDDDDDDDDDDDI
JL  PIDIDIPPPPIIDDIPDIDPDIIDDIIDDDDDD
JV  PIDIDIPPPPIIDDIPDIDPDDDDDDIIDDDDD
JT  PIDIDIPPPPIIDDIPDIDPDDDDDDDIDDDDD
HL  PIDIDIPPPPIIIDIPIIIPIDDDDDDDIDIDD
RI  PIDIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD
ZWJ PIDIDIPPPPIIIDIPIIIPIDDIIDDDIDIII
EB  PIDIDIPPPPIIDDIPDIDPDDDDDDDDDDDDI
EM  PIDIDIPPPPIIDDIPDIDPDDDDDDDDDDDDD
"""
_TABLE = {
    (row.split()[0], after): rule
    for row in _TABLE_ROWS.split("\n")
    if row
    for after, rule in zip(_CLASSES.split(), row.split()[1], strict=True)
}

#: Format characters that stand before a number (Arabic number signs): letters here.
_PREPENDED_MARKS = "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u08e2"

# Line break classes that Unicode's general category and East Asian width do not give. Ambiguous
# characters (AI) are AL in UTF-8, so they need no entry.
_SPECIAL = {
    **dict.fromkeys("!?\u061b\u061d\u061e\u061f\u06d4\uff01\uff1f", "EX"),
    **dict.fromkeys("\"'", "QU"),
    **dict.fromkeys("\u00a1\u00bf", "OP"),
    **dict.fromkeys(")]", "CP"),
    **dict.fromkeys("}\u3001\u3002\uff0c\uff0e", "CL"),
    **dict.fromkeys(",.:;\u037e\u0589\u060c\u060d\u2044", "IS"),
    **dict.fromkeys("%\u00a2\u00b0\u066a\u2030\u2031\u2032\u2033\u2034\u2035\u2036\u2037", "PO"),
    **dict.fromkeys("\u2103\u2109\uff05\u0609\u060a\u060b\u20a7\u20b6\u20bb\u20be", "PO"),
    **dict.fromkeys("$+\\\u00a3\u00a4\u00a5\u00b1\u2116\u2212\u2213\uff04", "PR"),
    **dict.fromkeys("|\t\u00ad\u0964\u0965\u2010\u2012\u2013\u2027\u3000\u205f", "BA"),
    **dict.fromkeys("\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a", "BA"),
    **dict.fromkeys("\u2056\u2058\u2059\u205a\u205b\u205d\u205e", "BA"),
    **dict.fromkeys("\u2024\u2025\u2026\u22ef", "IN"),
    **dict.fromkeys("\u203c\u203d\u2047\u2048\u2049\u3005\u301c\u303b\u303c", "NS"),
    **dict.fromkeys("\u309b\u309c\u309d\u309e\u30a0\u30fb\u30fc\u30fd\u30fe\uff1a\uff1b", "NS"),
    **dict.fromkeys("\u00a0\u2007\u2011\u202f\u034f\u035c\u035d\u035e\u035f\u0360\u0361", "GL"),
    **dict.fromkeys("\u2060\ufeff", "WJ"),
    **dict.fromkeys("\n\r\x0b\x0c\x85\u2028\u2029", "BK"),
    **dict.fromkeys("\u066b\u066c", "NU"),
    **dict.fromkeys(_PREPENDED_MARKS + "\u2061\u2062\u2063\u2064\u303f", "AL"),
    "-": "HY",
    "/": "SY",
    "\u00b4": "BB",
    "\u2014": "B2",
    "\u0362": "GL",
    " ": "SP",
    "\u200b": "ZW",
    "\u200d": "ZWJ",
}
#: Punctuation by general category: opening, closing, initial and final quotation.
_BY_CATEGORY = {"Ps": "OP", "Pe": "CL", "Pi": "QU", "Pf": "QU"}


def line_break_class(char: str) -> str:
    """The UAX #14 line break class of a character, as libunistring resolves it for UTF-8."""
    code = ord(char)
    wide = unicodedata.east_asian_width(char) in ("W", "F", "H")
    if char in _SPECIAL:
        cls = _SPECIAL[char]
        return cls + ("2" if wide else "1") if cls in ("OP", "CP") else cls
    if 0xAC00 <= code <= 0xD7A3:  # Hangul syllables: LV ones are H2, LVT ones H3
        return "H2" if (code - 0xAC00) % 28 == 0 else "H3"
    if 0x05D0 <= code <= 0x05F2:
        return "HL"
    if 0x20A0 <= code <= 0x20CF:  # currency signs before the amount
        return "PR"
    if 0x1F1E6 <= code <= 0x1F1FF:
        return "RI"
    if 0x1F3FB <= code <= 0x1F3FF:
        return "EM"
    category = unicodedata.category(char)
    if category in _BY_CATEGORY:
        cls = _BY_CATEGORY[category]
        return cls + ("2" if wide else "1") if cls == "OP" else cls
    if 0x3040 <= code <= 0x30FF and "SMALL" in unicodedata.name(char, ""):
        return "NS"  # small kana (CJ, which libunistring takes as NS)
    if category in ("Mn", "Mc", "Me", "Cc", "Cf"):  # marks, joiners, direction marks
        return "CM"
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return "ID2" if 0x1F000 <= code <= 0x1FAFF else "ID1"
    return "NU" if category == "Nd" else "AL"


def char_width(char: str) -> int:
    """Columns a character takes in a terminal (libunistring's uc_width for UTF-8)."""
    code = ord(char)
    if (
        unicodedata.bidirectional(char) == "NSM"
        or unicodedata.category(char) in ("Cc", "Cf")
        or 0x1160 <= code < 0x1200
        or code == 0x200B
    ):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def possible_breaks(text: str) -> list[str]:
    """For each character: "B" if a line may break before it, "M" if it must, "P" if not.

    libunistring's u8_possible_linebreaks: the pair table, applied across spaces, with marks
    kept on their letter and nothing broken just after a zero width joiner.
    """
    result = ["P"] * len(text)
    last = "BK"  # class of the last character that is not a space
    previous = "BK"  # class of the character just before
    space = False  # a space since ``last``
    flags = 0  # regional indicators in a row
    for i, char in enumerate(text):
        cls = line_break_class(char)
        if cls == "BK":
            result[i], last, previous, space = "M", "BK", "BK", False
            flags = 0
            continue
        if cls == "SP":
            space = True
        elif cls == "ZW":
            last, space = "ZW", False
        elif cls in ("CM", "ZWJ"):
            if last == "ZW" or (space and last != "BK"):
                result[i] = "B"  # after a space a mark starts a word of its own
            if last == "ZW" or space or last == "BK":
                last, space = "AL", False
        else:
            if last == "ZW":
                result[i] = "B"
            elif last == "RI" and cls == "RI":
                result[i] = "B" if space or flags % 2 == 0 else "P"
            elif last != "BK" and previous not in ("ZWJ", "HL_BA"):
                rule = _TABLE[(last, cls)]
                result[i] = "B" if rule == "D" or (rule == "I" and space) else "P"
            last, space = cls, False
        previous = "HL_BA" if previous == "HL" and cls in ("HY", "BA") else cls
        flags = flags + 1 if cls == "RI" else 0
    return result


def line_breaks(text: str, keep: list[bool], width: int, start: int) -> list[int]:
    """Where GNU breaks ``text``: lines of at most ``width`` columns, the first from ``start``.

    Like libunistring's ulc_width_linebreaks: a piece runs from one break opportunity to the next
    (with its trailing spaces); a piece that does not fit moves to a new line, and a piece longer
    than a line stays whole. ``keep[i]`` forbids a break before position i.
    """
    chosen: list[int] = []
    opportunities = possible_breaks(text)
    last_break: int | None = None
    column, piece = start, 0
    for i, char in enumerate(text):
        kind = "P" if keep[i] else opportunities[i]
        if kind in ("B", "M") and last_break is not None and column + piece > width:
            chosen.append(last_break)
            column = 0
        if kind == "M":
            last_break, column, piece = None, 0, 0
            continue
        if kind == "B":
            last_break, column, piece = i, column + piece, 0
        piece += char_width(char)
    if last_break is not None and column + piece > width:
        chosen.append(last_break)
    return chosen
