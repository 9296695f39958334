"""Term glossaries (translations/<lang>/glossary.csv) and the check that catalogs use them."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog

from leaflets.errors import CatalogError
from leaflets.i18n.languages import po_path

#: The columns translate-toolkit and Weblate read from a CSV glossary, in this order.
COLUMNS = ("source", "target", "developer_comments")
#: A glossary of a few hundred terms is a few KB; anything this large is a mistake.
MAX_GLOSSARY_BYTES = 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Term:
    """An English term and the approved translation every catalog string must use."""

    source: str
    target: str
    note: str
    line: int

    @property
    def pattern(self) -> re.Pattern[str]:
        """The term as a whole word in any case; an English plural (-s, -es, -ies) counts."""
        words = [re.escape(word) for word in self.source.split()]
        last = words[-1]
        plural = f"(?:{last}(?:s|es)?|{last[:-1]}ies)" if last.endswith("y") else f"{last}(?:s|es)?"
        return re.compile(r"(?<!\w)" + r"\s+".join([*words[:-1], plural]) + r"(?!\w)", re.I)


def glossary_path(lang: str) -> Path:
    """``translations/<lang>/glossary.csv``, beside the language's LC_MESSAGES folder."""
    return po_path(lang).parent.parent / "glossary.csv"


def _normal(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def parse_glossary(data: bytes, source: str) -> list[Term]:
    """Parse a glossary strictly; raise CatalogError listing every problem with its line."""
    if len(data) > MAX_GLOSSARY_BYTES:
        raise CatalogError(f"{source}: larger than {MAX_GLOSSARY_BYTES // 1024} KB; not a glossary")
    try:
        text = data.decode("utf-8-sig")  # a spreadsheet may save a byte-order mark
    except UnicodeDecodeError as exc:
        raise CatalogError(
            f"{source}: not valid UTF-8 (byte {exc.start}); save it as UTF-8"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[str] = []
    terms: list[Term] = []
    seen: dict[str, int] = {}
    line = 0
    try:
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != COLUMNS:
            raise CatalogError(f"{source}:1: the first line must be: {','.join(COLUMNS)}")
        line = reader.line_num
        for row in reader:
            line, start = reader.line_num, line + 1
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(COLUMNS):
                problems.append(f"{source}:{start}: {len(row)} fields; give {','.join(COLUMNS)}")
                continue
            english, target, note = (cell.strip() for cell in row)
            if not english or not target:
                problems.append(f"{source}:{start}: source and target must both be filled in")
            elif any(_CONTROL.search(cell) for cell in row):
                problems.append(f"{source}:{start}: line breaks and control characters not allowed")
            elif _normal(english) in seen:
                first = seen[_normal(english)]
                problems.append(f"{source}:{start}: {english!r} is already on line {first}")
            else:
                seen[_normal(english)] = start
                terms.append(Term(english, target, note, start))
    except csv.Error as exc:
        problems.append(f"{source}:{reader.line_num}: not valid CSV: {exc}")
    if problems:
        raise CatalogError("\n".join(problems))
    return terms


def load_glossary(lang: str) -> list[Term] | None:
    """The language's glossary, or None when it has none."""
    path = glossary_path(lang)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read glossary ({exc.strerror})") from None
    return parse_glossary(data, str(path))


@dataclass(frozen=True)
class Mismatch:
    """A translated string whose English has a glossary term but whose translation lacks it."""

    line: int
    msgid: str
    term: Term


def glossary_mismatches(catalog: Catalog, terms: list[Term]) -> list[Mismatch]:
    """Every translated, non-fuzzy entry that does not use an approved term its English has.

    The target is looked for anywhere in the translation, ignoring case, so a glossary for an
    inflected language gives the stem that every form of the word contains.
    """
    found: list[Mismatch] = []
    for message in catalog:
        if not message.id or not message.string or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        english = " ".join(str(i) for i in ids)
        translation = _normal(" ".join(str(s) for s in strings))
        for term in terms:
            if term.pattern.search(english) and _normal(term.target) not in translation:
                found.append(Mismatch(message.lineno or 0, english, term))
    return found
