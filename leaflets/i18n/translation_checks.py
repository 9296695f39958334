"""Translation checks: what the English carries, the translation must carry too.

``problems()`` runs them, with Babel's own placeholder and plural checks, for every message a
build or ``leaflets check`` looks at. They are also registered as Babel checkers (entry point
``babel.checkers``), so ``Catalog.check()`` and pybabel run them as well.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from babel.core import get_global, parse_locale
from babel.messages.catalog import Catalog, Message, TranslationError

from leaflets.content.models import CITATION_RE, cited_keys, invisible_characters

_URL = re.compile(r"https?://[^\s<>\"'\])]+")
_TAG = re.compile(r"<[^>]*>")
_PLACEHOLDER = re.compile(r"%\(\w+\)s")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
#: A decimal digit other than 0-9 (Arabic-Indic, Devanagari...): ``\d`` matches all of Nd.
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")
#: A whole number written in groups of three: 1,504 / 1.504 / 1 504 (no-break or narrow space).
_GROUPED = re.compile(r"(?<![\d.,])(\d{1,3})((?:[,.\u00a0\u202f]\d{3})+)(?![\d]|[.,]\d)")
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
    return _OTHER_DIGIT.sub(lambda digit: str(unicodedata.digit(digit[0])), text)


def citations(catalog: Catalog | None, message: Message) -> None:
    """Every [@key] citation marker of the English is kept, and no other."""
    for english, translation in _pairs(message):
        if sorted(cited_keys(english)) != sorted(cited_keys(translation)):
            expected = " ".join(m.group(0) for m in CITATION_RE.finditer(english)) or "none"
            raise TranslationError(f"citation markers differ from the English ({expected})")


def numbers(catalog: Catalog | None, message: Message) -> None:
    """The translation shows the same numbers as the English (in any digits).

    Compared on what is displayed: invisible characters are dropped first, so "5<ZWSP>0" is
    the 50 a reader sees. (Bidi controls that could reorder digits are refused by
    ``invisible``.)
    """
    for english, translation in _pairs(message):

        def found(text: str) -> list[str]:
            hidden = [c for c in invisible_characters(text) if unicodedata.category(c) == "Cf"]
            shown = text.translate(dict.fromkeys(map(ord, hidden))) if hidden else text
            plain = _PLACEHOLDER.sub("", CITATION_RE.sub("", _ascii_digits(shown)))
            # Languages group thousands differently; compare the value, not the separator.
            plain = _GROUPED.sub(lambda m: m.group(1) + re.sub(r"\D", "", m.group(2)), plain)
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


@functools.cache
def _one_line_ids() -> frozenset[str]:
    """The English of every string that becomes a one-line mail header."""
    from leaflets.i18n.languages import interface_messages  # here: i18n may import this module

    mail = interface_messages("mail")
    return frozenset(m.msgid for m in mail if Path(m.source).name in ONE_LINE_TEMPLATES)


def one_line(catalog: Catalog | None, message: Message) -> None:
    """The mail subject's translation has no line break (a header is one line)."""
    for english, translation in _pairs(message):
        if english in _one_line_ids() and _LINE_BREAK.search(translation):
            raise TranslationError("the mail subject must be one line; remove the line break")


#: Bidi embedding, override and isolate controls and the implicit marks: they can make "50"
#: display as "05" while the stored text still says 50.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
#: Scripts whose shaping needs ZERO WIDTH JOINER and NON-JOINER inside words (for example the
#: Hindi half forms and Persian or Arabic joining control); TRANSLATING.md documents this.
JOINER_SCRIPTS = frozenset(
    {"Arab", "Deva", "Beng", "Guru", "Gujr", "Orya", "Taml", "Telu", "Knda", "Mlym", "Sinh"}
)
JOINERS = frozenset("\u200c\u200d")


def _script(catalog: Catalog | None) -> str | None:
    locale = catalog.locale if catalog is not None else None
    if locale is None:
        return None
    if locale.script:
        return str(locale.script)
    likely = get_global("likely_subtags").get(locale.language, locale.language)
    return parse_locale(likely)[2]


def _invisible(text: str, allowed: frozenset[str]) -> list[str]:
    return [c for c in invisible_characters(text) if c not in allowed]


def invisible(catalog: Catalog | None, message: Message) -> None:
    """No invisible or bidi control characters beyond the English's own, in the same order.

    A language whose script needs ZWJ/ZWNJ for shaping may use those two (JOINER_SCRIPTS).
    """
    allowed = JOINERS if _script(catalog) in JOINER_SCRIPTS else frozenset()
    for english, translation in _pairs(message):
        found, expected = _invisible(translation, allowed), _invisible(english, allowed)
        if found == expected:
            continue
        extra = [c for c in found if c not in expected]
        if not extra:
            raise TranslationError(
                "invisible characters differ from the English; copy them from the English"
            )
        kind = "bidi control" if extra[0] in BIDI_CONTROLS else "invisible character"
        name = unicodedata.name(extra[0], "control character")
        raise TranslationError(
            f"{kind} U+{ord(extra[0]):04X} {name} is not in the English; it can change what "
            "is displayed: delete it"
        )


def template_format(catalog: Catalog | None, message: Message) -> None:
    """A template string is %-formatted when rendered: only the English's placeholders, %% for %.

    Not registered as a Babel checker: it applies only to the templates' strings (a topic's
    text is never formatted, so "50%" is fine there).
    """
    for english, translation in _pairs(message):
        names = {name: 0 for name in re.findall(r"%\((\w+)\)", english)}
        try:
            english % names
        except (KeyError, ValueError, TypeError):
            continue  # not a format string; nothing to compare with
        try:
            translation % names
        except KeyError as exc:
            raise TranslationError(
                f"placeholder %({exc.args[0]})s is not in the English; use only "
                f"{', '.join(f'%({n})s' for n in names) or 'none'}"
            ) from None
        except (ValueError, TypeError):
            raise TranslationError(
                "a % sign that is not a placeholder; write %% for a percent sign"
            ) from None


#: leaflets' checks. They are run explicitly (see ``problems``), so they apply even where the
#: ``babel.checkers`` entry points are not installed.
CHECKERS = (citations, length, markup, numbers, placeholders, urls, one_line, invisible)


def problems(catalog: Catalog | None, message: Message, template: bool = False) -> list[str]:
    """What is wrong with a translation; ``template`` for a string of the Jinja templates."""
    # Imported here: importing Babel's checkers loads the entry points, this module among them.
    from babel.messages.checkers import num_plurals, python_format

    checks = (num_plurals, python_format, *CHECKERS, *((template_format,) if template else ()))
    found = []
    for check in checks:
        try:
            check(catalog, message)
        except TranslationError as exc:
            found.append(str(exc))
    return list(dict.fromkeys(found))
