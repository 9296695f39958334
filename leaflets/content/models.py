"""Strict data models for topics and brands; later stages never see raw dicts."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

#: Characters that are invisible or change layout: formatting (Cf: bidi controls, U+200B,
#: U+2060, soft hyphen, U+FEFF), controls (Cc), line and paragraph separators, private use.
INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zl", "Zp", "Co"})

#: The space separators (category Zs) but " ": not printable to Python, and never invisible.
_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")


def invisible_characters(text: str) -> list[str]:
    """The characters of ``text`` in INVISIBLE_CATEGORIES, in order of appearance.

    None of those categories is printable, and nearly all text is once its spaces are gone:
    that test runs in C, where the loop over every character was a sixth of a no-op build and
    most of the translation checks under the profiler.
    """
    if text.isprintable() or _SPACES.sub("", text).isprintable():
        return []
    return [char for char in text if unicodedata.category(char) in INVISIBLE_CATEGORIES]


def _visible(text: str) -> str:
    """Refuse characters that change what is displayed without being seen ("50" shown as "05")."""
    for char in invisible_characters(text):
        if char not in "\n\t":
            name = unicodedata.name(char, "control character")
            raise ValueError(
                f"contains the invisible character U+{ord(char):04X} {name}; delete it"
            )
    return text


Visible = AfterValidator(_visible)
KEY_PATTERN = r"^[a-z][a-z0-9_-]*$"
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN, max_length=64)]
# Generous but bounded: a paragraph longer than this is a mistake, not prose.
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000), Visible]
Url = Annotated[str, StringConstraints(pattern=r"^https://[^\s<>\"']+$", max_length=500), Visible]

#: A citation such as ``[@sickles1986]`` or ``[@bell2023; @macmillan]``.
CITATION_RE = re.compile(r"\[@([a-z][a-z0-9_-]*(?:\s*;\s*@[a-z][a-z0-9_-]*)*)\]")


def cited_keys(text: str) -> list[str]:
    """Return the reference keys cited in ``text``, in order of appearance."""
    keys: list[str] = []
    for match in CITATION_RE.finditer(text):
        keys.extend(part.strip().lstrip("@") for part in match.group(1).split(";"))
    return keys


class Strict(BaseModel):
    """Unknown keys and silent type coercion are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


#: The brand settings a section or block can depend on, and the values each may take.
#: The first value is the default for a brand that does not set it.
VARIANT_SETTINGS: dict[str, tuple[str, ...]] = {"results_scale": ("bi-rads", "uk-5-point")}

ResultsScale = Literal["bi-rads", "uk-5-point"]


def all_variant_settings() -> list[dict[str, str]]:
    """Every combination of VARIANT_SETTINGS values: each printed variant of a topic."""
    combos: list[dict[str, str]] = [{}]
    for name, values in VARIANT_SETTINGS.items():
        combos = [{**combo, name: value} for combo in combos for value in values]
    return combos


class OnlyFor(Strict):
    """Print a section or block only for brands with these settings (see VARIANT_SETTINGS)."""

    results_scale: ResultsScale | None = None

    def matches(self, settings: dict[str, str]) -> bool:
        """True when every setting named here has this value in ``settings``."""
        wanted = self.model_dump(exclude_none=True)
        return all(settings.get(name) == value for name, value in wanted.items())


class Table(Strict):
    """A table: a caption, column headings, and rows whose first cell heads the row."""

    caption: Text
    columns: Annotated[list[Text], Field(min_length=2, max_length=6)]
    rows: Annotated[list[Annotated[list[Text], Field(min_length=2)]], Field(min_length=1)]

    @model_validator(mode="after")
    def _rectangular(self) -> Table:
        for number, row in enumerate(self.rows, start=1):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"row {number} has {len(row)} cells but there are {len(self.columns)} columns"
                )
        return self


BLOCK_KINDS = ("paragraph", "bullets", "callout", "table")


class Block(Strict):
    """One block of a section: exactly one of paragraph, bullets, callout or table."""

    paragraph: Text | None = None
    bullets: Annotated[list[Text], Field(min_length=1)] | None = None
    callout: Text | None = None
    table: Table | None = None
    only_for: OnlyFor | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Block:
        given = [name for name in BLOCK_KINDS if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("a block needs exactly one of: " + ", ".join(BLOCK_KINDS))
        return self

    @property
    def kind(self) -> str:
        """The block's kind: ``paragraph``, ``bullets``, ``callout`` or ``table``."""
        return next(name for name in BLOCK_KINDS if getattr(self, name))


class Section(Strict):
    """A heading and its ordered blocks."""

    heading: Text
    blocks: Annotated[list[Block], Field(min_length=1)]
    only_for: OnlyFor | None = None


class Faq(Strict):
    """A common question and its short answer."""

    question: Text
    answer: Text


class Reference(Strict):
    """A confirmed source, cited in the text by its key."""

    key: Key
    citation: Text
    url: Url | None = None


#: A leaflet's document-control code, such as ``BR-CALC-01``.
LeafletCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{0,7}(-[A-Z0-9]{1,8}){1,3}$")
]


class Topic(Strict):
    """One leaflet's English source content."""

    id: Key
    #: Stable document-control code, printed in small print with the version.
    code: LeafletCode
    #: Content version; bump it whenever a printed English string or reference changes.
    version: Annotated[int, Field(ge=1, le=999)]
    title: Text
    summary: Text
    #: The date of this version of the content (not a clinical review: approvals say that).
    content_date: dt.date
    next_review: dt.date
    #: Ids of related topics, printed as a "See also" list.
    related: list[Key] = []
    #: Open points a clinician must decide; shown on the review sheet, never printed for patients.
    approver_notes: list[Text] = []
    sections: Annotated[list[Section], Field(min_length=1)]
    faq: list[Faq] = []
    questions: Annotated[list[Text], Field(min_length=1)]
    contact_doctor: Annotated[list[Text], Field(min_length=1)]
    #: Signs that need emergency help now (printed with the brand's emergency number).
    emergency: list[Text] = []
    references: Annotated[list[Reference], Field(min_length=1)]

    def texts(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """Yield ``(path, text)`` for every translatable string, in reading order."""
        yield ("title",), self.title
        yield ("summary",), self.summary
        for s, section in enumerate(self.sections):
            yield ("sections", s, "heading"), section.heading
            for b, block in enumerate(section.blocks):
                base = ("sections", s, "blocks", b)
                if block.paragraph:
                    yield (*base, "paragraph"), block.paragraph
                elif block.callout:
                    yield (*base, "callout"), block.callout
                elif block.table:
                    yield (*base, "table", "caption"), block.table.caption
                    for c, column in enumerate(block.table.columns):
                        yield (*base, "table", "columns", c), column
                    for r, row in enumerate(block.table.rows):
                        for c, cell in enumerate(row):
                            yield (*base, "table", "rows", r, c), cell
                else:
                    for i, item in enumerate(block.bullets or []):
                        yield (*base, "bullets", i), item
        for i, faq in enumerate(self.faq):
            yield ("faq", i, "question"), faq.question
            yield ("faq", i, "answer"), faq.answer
        for i, item in enumerate(self.questions):
            yield ("questions", i), item
        for i, item in enumerate(self.contact_doctor):
            yield ("contact_doctor", i), item
        for i, item in enumerate(self.emergency):
            yield ("emergency", i), item

    def variant(self, settings: dict[str, str]) -> Topic:
        """The topic as printed for a brand with these settings: other variants left out."""

        def keep(item: Section | Block) -> bool:
            return item.only_for is None or item.only_for.matches(settings)

        sections = [
            section.model_copy(update={"blocks": [b for b in section.blocks if keep(b)]})
            for section in self.sections
            if keep(section)
        ]
        return self.model_copy(update={"sections": [s for s in sections if s.blocks]})

    def citation_numbers(self) -> dict[str, int]:
        """Number references in order of first citation in the English source."""
        numbers: dict[str, int] = {}
        for _, text in self.texts():
            for key in cited_keys(text):
                numbers.setdefault(key, len(numbers) + 1)
        return numbers

    def numbered_references(self) -> list[tuple[int, Reference]]:
        """The references sorted by their citation number."""
        numbers = self.citation_numbers()
        # A reference cited only in another variant is left out of this one's list.
        cited = ((numbers[r.key], r) for r in self.references if r.key in numbers)
        return sorted(cited, key=lambda p: p[0])


#: A colour as six hex digits; nothing else can reach the stylesheet.
HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
#: One line of brand text: no line breaks or control characters.
Line = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$"), Visible
]


class BrandFile(Strict):
    """The keys a clinic's brand.toml may hold."""

    name: Line
    department: Line | None = None
    logo: Line | None = None
    address: Line | None = None
    phone: Line | None = None
    email: Line | None = None
    website: Url | None = None
    qr_url: Url | None = None
    #: The emergency number printed in the leaflet ("call 999"); without it, "your local number".
    emergency_phone: Annotated[str, StringConstraints(pattern=r"^[0-9+][0-9 ]{1,14}$")] | None = (
        None
    )
    #: Which breast results scale the clinic's reports use; picks the matching results table.
    results_scale: ResultsScale = "bi-rads"
    primary_color: HexColor = "#0a5c7a"
    accent_color: HexColor = "#e8f1f5"
    paper: Literal["a4", "letter"] = "a4"
    #: Prefix of the printed leaflet codes, e.g. "RBI" prints "RBI-BR-CALC-01".
    code_prefix: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{0,7}$")] | None = None
    #: Years an approval holds at most, even when the topic's next review is later.
    approval_max_years: Annotated[int, Field(ge=1, le=10)] = 3

    def leaflet_code(self, code: str) -> str:
        """A topic's code as this brand prints it (with the brand's prefix, if it has one)."""
        return f"{self.code_prefix}-{code}" if self.code_prefix else code


def brand_settings(brand: BrandFile) -> dict[str, str]:
    """The brand's value of every VARIANT_SETTINGS setting, as ``Topic.variant`` takes them."""
    return {name: str(getattr(brand, name)) for name in VARIANT_SETTINGS}


class Brand(BrandFile):
    """A validated brand, ready to render: the logo resolved to a file the fetcher may read."""

    #: For the logo's <img src>: a path under templates/ or a file: URL.
    logo_src: str | None = None
    #: The one file outside the package the PDF renderer may read.
    logo_file: Path | None = None
    #: Output folder name (the brand file's stem); None for the built-in brand.
    key: str | None = None
    #: The brand file itself (its absolute path); None for the built-in brand.
    source_file: Path | None = None


#: The built-in brand: an obvious placeholder until a clinic passes its own brand file.
DEFAULT_BRAND = Brand(
    name="Example Community Clinic",
    logo_src="assets/logo.svg",
    address="1 Example Street, Exampletown",
    phone="+1 555 0100",
    email="info@clinic.example",
    website="https://clinic.example",
)
