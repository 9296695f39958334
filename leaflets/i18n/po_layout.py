"""Lay out PO text as GNU gettext does (msgcat, msgmerge, Poedit), so it round-trips unchanged."""

from __future__ import annotations

import itertools
import re

from leaflets.i18n.line_breaks import line_breaks

#: GNU's default page width: strings and ``#:`` lines end at or before column 79.
PAGE_WIDTH = 79

# Why this exists: Babel breaks strings before spaces, counts characters instead of columns and
# never breaks Chinese or Korean text, so every catalog Babel writes is rewritten by the first
# GNU tool or editor that opens it. GNU (write-po.c) breaks a string where libunistring allows
# (line_breaks), keeps each break's spaces at the end of the line, and starts a new line after
# every "\n". This module repeats that for the strings and the ``#:`` lines of text Babel has
# written; the tests check it against msgcat.

# The escapes Babel reads and writes (GNU also writes \a \b \f \v, which Babel would read as
# two characters; leaflets' checks refuse those control characters anyway).
_ESCAPES = {"\n": "n", "\r": "r", "\t": "t", '"': '"', "\\": "\\"}
_UNESCAPES = {v: k for k, v in _ESCAPES.items()}
# A Python format directive as GNU's format-python.c reads it (no %a, no %F there).
_PYTHON_DIRECTIVE = re.compile(
    r"%(?P<name>\([^)]*\))?[-+ #0]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d*))?[hlL]?"
    r"(?P<conversion>[diouxXeEfgGcrs%])"
)


def _inside_directives(value: str) -> set[int]:
    """Positions inside Python format directives, up to the first invalid one (as GNU parses).

    GNU never breaks a line inside a directive of a python-format entry. It stops at a
    directive it cannot read, or one that mixes named and unnamed arguments.
    """
    inside: set[int] = set()
    named = unnamed = 0
    position = value.find("%")
    while position >= 0:
        match = _PYTHON_DIRECTIVE.match(value, position)
        if match is None:
            break
        stars = [match["width"], match["precision"]].count("*")
        if stars and named:
            break
        unnamed += stars
        if match["name"] is not None:
            if unnamed:
                break
            named += 1
        elif match["conversion"] != "%":
            if named:
                break
            unnamed += 1
        inside.update(range(match.start() + 1, match.end()))
        position = value.find("%", match.end())
    return inside


def wrap_string(prefix: str, keyword: str, value: str, python_format: bool = False) -> list[str]:
    """The lines GNU writes for ``keyword "value"`` (e.g. ``msgid``), ``prefix`` before each.

    Inside a format directive of a python-format entry (``%(name)s``) a line never breaks.
    """
    inside = _inside_directives(value) if python_format else set()
    lines: list[str] = []
    first = True
    portions = re.findall(r"[^\n]*\n|[^\n]+", value) or [""]
    offset = 0
    after_break = len(prefix) + 1  # where the text of a continuation line starts
    width = PAGE_WIDTH - 1 - after_break  # room for the closing quote
    for number, portion in enumerate(portions):
        text, keep = "", []
        for i, char in enumerate(portion, offset):
            escaped = "\\" + _ESCAPES[char] if char in _ESCAPES else char
            text += escaped
            keep += [i in inside] + [True] * (len(escaped) - 1)
        offset += len(portion)
        if portion.endswith("\n"):
            keep[-2] = True  # never break just before the final "\n"
        last = number == len(portions) - 1
        while True:
            start = len(prefix) + (len(keyword) + 1 if first else 0) + 1 - after_break
            breaks = line_breaks(text, keep, width, start)
            if not (first and text and (not last or start > width or breaks)):
                break
            lines.append(f'{prefix}{keyword} ""')  # a string that does not fit starts below
            first = False
        head = f"{prefix}{keyword} " if first else prefix
        first = False
        bounds = [0, *breaks, len(text)]
        pieces = [text[a:b] for a, b in itertools.pairwise(bounds)]
        lines.append(f'{head}"{pieces[0]}"')
        lines += [f'{prefix}"{piece}"' for piece in pieces[1:]]
    return lines


def wrap_references(references: list[str]) -> list[str]:
    """``#:`` lines as GNU fills them: a reference moves to a new line past column 79."""
    lines, line, column = [], "#:", 2
    for reference in references:
        size = len(reference.encode()) + 1  # GNU counts bytes here
        if column > 2 and column + size > PAGE_WIDTH:
            lines.append(line)
            line, column = "#:", 2
        line += " " + reference
        column += size
    return [*lines, line]


_KEYWORD_LINE = re.compile(
    r"(?P<prefix>#~ |#\| |#~\| )?(?P<keyword>msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "
    r'"(?P<text>.*)"'
)
_CONTINUATION = re.compile(r'(?P<prefix>#~ |#\| |#~\| )?"(?P<text>.*)"')


#: GNU writes fuzzy first, then format flags in this order (the first of its list).
_FLAG_ORDER = ("fuzzy", "c", "objc", "python", "python-brace")


def _flag_rank(flag: str) -> int:
    name = flag.removeprefix("no-").removesuffix("-format")
    return _FLAG_ORDER.index(name) if name in _FLAG_ORDER else len(_FLAG_ORDER)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _UNESCAPES.get(m.group(1), m.group(0)), text)


def gnu_layout(po_text: str) -> str:
    """Re-wrap the strings and ``#:`` lines of a PO file's text as GNU gettext writes them.

    Comments and everything else stay as they are; the file ends after its last entry, with no
    blank line.
    """
    lines = po_text.split("\n")
    out: list[str] = []
    python_format = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#:"):
            references = []
            while i < len(lines) and lines[i].startswith("#:"):
                references += lines[i][2:].split()
                i += 1
            out += wrap_references(references)
            continue
        match = _KEYWORD_LINE.fullmatch(line)
        if match is None:
            if line.startswith("#,"):
                flags = [flag for flag in re.split(r"[,\s]+", line[2:]) if flag]
                python_format = "python-format" in flags
                line = "#, " + ", ".join(sorted(flags, key=_flag_rank))
            elif not line:
                python_format = False
            out.append(line)
            i += 1
            continue
        prefix, parts = match["prefix"] or "", [match["text"]]
        i += 1
        while i < len(lines):
            more = _CONTINUATION.fullmatch(lines[i])
            if more is None or (more["prefix"] or "") != prefix:
                break
            parts.append(more["text"])
            i += 1
        value = _unescape("".join(parts))
        out += wrap_string(prefix, match["keyword"], value, python_format)
    return "\n".join(out).rstrip("\n") + "\n"
