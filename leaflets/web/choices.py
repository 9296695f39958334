"""What the page offers: topics with their titles in every language, languages by name."""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
import unicodedata
from dataclasses import dataclass

from babel import Locale

from leaflets.approvals.records import approvals_path
from leaflets.approvals.state import LeafletApproval, leaflet_approval
from leaflets.content.models import Brand
from leaflets.content.topics import available_topics, load_topic, topic_path
from leaflets.errors import LeafletsError
from leaflets.files import file_stamp
from leaflets.i18n.languages import (
    SOURCE_LANGUAGE,
    available_languages,
    bcp47,
    find_gaps,
    leaflet_messages,
    load_po,
    native_name,
    po_path,
    translations_for,
)


@dataclass(frozen=True)
class Language:
    """A language a leaflet can be printed in."""

    code: str  # the catalog name, e.g. pt_BR
    tag: str  # BCP 47, e.g. pt-BR: in URLs and lang attributes
    native: str  # Español
    english: str  # Spanish
    rtl: bool


@dataclass(frozen=True)
class TopicChoice:
    """A topic, its code, and its title in each language (BCP 47 tag -> title)."""

    name: str
    code: str
    title: str
    titles: dict[str, str]

    @property
    def search_text(self) -> str:
        """Every title, the name and the code, folded: what filter-as-you-type searches."""
        return fold(" ".join([self.name, self.code, *self.titles.values()]))

    def matches(self, query: str) -> dict[str, str]:
        """The titles (by language) that contain every word of ``query``; the name counts too."""
        words = fold(query).split()
        found = {
            tag: title
            for tag, title in self.titles.items()
            if all(word in fold(title) for word in words)
        }
        if not found and all(word in fold(self.name + " " + self.code) for word in words):
            found[SOURCE_LANGUAGE] = self.title
        return found


def fold(text: str) -> str:
    """Text for matching: case and marks ignored (mamária finds mamaria), in NFC (app.js
    folds what is typed the same way)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    return unicodedata.normalize("NFC", bare)


@functools.cache
def language(code: str) -> Language:
    """A language's names from CLDR: its own, and English."""
    locale = Locale.parse(code)
    english = locale.get_display_name("en") or code
    return Language(
        code,
        bcp47(code),
        native_name(code),
        english[:1].upper() + english[1:],
        locale.character_order == "right-to-left",
    )


#: How often topic files and catalogs are checked for changes, at most.
RECHECK_SECONDS = 1.0


def _stamp() -> tuple[object, ...]:
    files = [topic_path(t) for t in available_topics()]
    files += [po_path(lang) for lang in available_languages() if lang != SOURCE_LANGUAGE]
    return tuple((str(path), *file_stamp(path)) for path in files)


class Choices:
    """Topics and languages, read again when a topic file or catalog changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: tuple[object, ...] | None = None
        self._checked = 0.0
        self._topics: list[TopicChoice] = []
        self._languages: list[Language] = []
        self._approvals: dict[tuple[object, ...], LeafletApproval] = {}
        self._complete: dict[tuple[object, ...], bool] = {}

    def _refresh(self) -> None:
        # Files are looked at once a second at most: a new title shows within a second.
        now = time.monotonic()
        with self._lock:
            if now - self._checked < RECHECK_SECONDS and self._stamp is not None:
                return
            self._checked = now
        stamp = _stamp()
        with self._lock:
            if stamp == self._stamp:
                return
        load_topic.cache_clear()
        langs = available_languages()
        translations = {lang: translations_for(lang) for lang in langs}
        topics = []
        for name in available_topics():
            topic = load_topic(name)
            titles = {bcp47(lang): translations[lang].gettext(topic.title) for lang in langs}
            topics.append(TopicChoice(name, topic.code, topic.title, titles))
        with self._lock:
            self._topics = topics
            self._languages = [language(lang) for lang in langs]
            self._approvals = {}
            self._stamp = stamp

    def topics(self) -> list[TopicChoice]:
        """Every topic, in the order of their names."""
        self._refresh()
        return self._topics

    def languages(self) -> list[Language]:
        """English first, then every language with a catalog."""
        self._refresh()
        return self._languages

    def page_text(self) -> str:
        """Every language's own name and every title: what the page may show."""
        names = [lang.native for lang in self.languages()]
        return " ".join(names + [title for t in self.topics() for title in t.titles.values()])

    def topic(self, name: str) -> TopicChoice | None:
        """A topic by name; None if there is none."""
        return next((t for t in self.topics() if t.name == name), None)

    def language(self, tag: str) -> Language | None:
        """A language by BCP 47 tag or catalog name, in any case; None if there is none."""
        wanted = tag.replace("_", "-").lower()
        return next((lang for lang in self.languages() if lang.tag.lower() == wanted), None)

    def complete(self, topic: str, lang: str) -> bool:
        """True when the catalog has every string the leaflet needs, checked as a build checks
        (a leaflet is never printed half translated; the web app never makes a DRAFT)."""
        if lang == SOURCE_LANGUAGE:
            return True
        self._refresh()
        key = ("complete", topic, lang, file_stamp(po_path(lang)), file_stamp(topic_path(topic)))
        with self._lock:
            found = self._complete.get(key)
        if found is None:
            try:
                found = not find_gaps(load_po(lang), leaflet_messages(topic))
            except LeafletsError:  # a broken catalog: the PDF route reports it
                found = False
            with self._lock:
                if len(self._complete) >= 1024:
                    self._complete.clear()
                self._complete[key] = found
        return found

    def approval(self, brand: Brand, topic: str, lang: str) -> LeafletApproval:
        """The leaflet's approval states today, from the brand's records (as the PDF prints)."""
        self._refresh()
        key = (brand.source_file, topic, lang, dt.date.today(), _approvals_stamp(brand))
        with self._lock:
            found = self._approvals.get(key)
        if found is None:
            found = leaflet_approval(brand, topic, lang, dt.date.today())
            with self._lock:
                if len(self._approvals) >= 4096:  # a new day or record: start again
                    self._approvals.clear()
                self._approvals[key] = found
        return found


def _approvals_stamp(brand: Brand) -> tuple[int, int]:
    return file_stamp(approvals_path(brand))
