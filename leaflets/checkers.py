"""Translation checks, registered as Babel checkers (entry point ``babel.checkers``).

Babel runs them, with its own placeholder and plural checks, for every message in
``Catalog.check()``: what the English carries, the translation must carry too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog, Message, TranslationError

from leaflets.models import CITATION_RE, cited_keys

_URL = re.compile(r"https?://[^\s<>\"'\])]+")
_TAG = re.compile(r"<[^>]*>")
_PLACEHOLDER = re.compile(r"%\(\w+\)s")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x85\x0b\x0c]")
#: Templates whose strings become a one-line header (a line break there would break the mail).
ONE_LINE_TEMPLATES = ("subject.txt.j2",)


def _pairs(message: Message) -> Iterator[tuple[str, str]]:
    """(English, translation) pairs of a message that has a translation."""
    ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
    strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
    for index, string in enumerate(strings):
        if string:
            yield str(ids[min(index, len(ids) - 1)]), str(string)


def _ascii_digits(text: str) -> str:
    """Write every decimal digit (Arabic-Indic, Devanagari...) as 0-9."""
    if not any(c.isdecimal() and not c.isascii() for c in text):
        return text
    return "".join(str(unicodedata.digit(c)) if c.isdecimal() else c for c in text)


def citations(catalog: Catalog | None, message: Message) -> None:
    """Every [@key] citation marker of the English is kept, and no other."""
    for english, translation in _pairs(message):
        if sorted(cited_keys(english)) != sorted(cited_keys(translation)):
            expected = " ".join(m.group(0) for m in CITATION_RE.finditer(english)) or "none"
            raise TranslationError(f"citation markers differ from the English ({expected})")


def numbers(catalog: Catalog | None, message: Message) -> None:
    """The translation has the same numbers as the English (in any digits)."""
    for english, translation in _pairs(message):

        def found(text: str) -> list[str]:
            plain = _PLACEHOLDER.sub("", CITATION_RE.sub("", _ascii_digits(text)))
            return sorted(n.replace(",", ".") for n in _NUMBER.findall(plain))

        if found(english) != found(translation):
            raise TranslationError(
                f"numbers differ from the English: {found(english)} != {found(translation)}"
            )


def urls(catalog: Catalog | None, message: Message) -> None:
    """Web addresses of the English appear unchanged."""
    for english, translation in _pairs(message):
        missing = [url for url in _URL.findall(english) if url not in translation]
        if missing:
            raise TranslationError(f"URL changed or missing: {missing[0]}")


def markup(catalog: Catalog | None, message: Message) -> None:
    """The translation has exactly the English's HTML tags: none added, none lost."""
    for english, translation in _pairs(message):
        if sorted(_TAG.findall(english)) != sorted(_TAG.findall(translation)):
            extra = sorted(set(_TAG.findall(translation)) - set(_TAG.findall(english)))
            raise TranslationError(f"markup differs from the English {extra or ''}".strip())


def placeholders(catalog: Catalog | None, message: Message) -> None:
    """Every %(name)s placeholder is kept (Babel's own check allows dropping named ones)."""
    for english, translation in _pairs(message):
        lost = sorted(set(_PLACEHOLDER.findall(english)) - set(_PLACEHOLDER.findall(translation)))
        if lost:
            raise TranslationError(f"placeholder {lost[0]} is missing")


#: A translation may be this many times longer than the English (and always 300 characters).
MAX_LENGTH_RATIO = 4


def length(catalog: Catalog | None, message: Message) -> None:
    """A translation far longer than its English is a mistake (or an attack on the layout)."""
    for english, translation in _pairs(message):
        limit = max(300, MAX_LENGTH_RATIO * len(english))
        if len(translation) > limit:
            raise TranslationError(
                f"translation has {len(translation)} characters, more than {limit} allowed"
            )


def one_line(catalog: Catalog | None, message: Message) -> None:
    """The mail subject's translation has no line break (a header is one line)."""
    from leaflets.i18n import interface_messages  # here: i18n may import this module

    one_line_ids = {
        m.msgid for m in interface_messages("mail") if Path(m.source).name in ONE_LINE_TEMPLATES
    }
    for english, translation in _pairs(message):
        if english in one_line_ids and _LINE_BREAK.search(translation):
            raise TranslationError("the mail subject must be one line; remove the line break")
