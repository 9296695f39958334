"""A leaflet as the page and the routes name it: topic, language, paper, print size, brand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from werkzeug.exceptions import BadRequest, NotFound

from leaflets.build.matrix import Job, Variant
from leaflets.content.models import Brand
from leaflets.web.choices import Language, TopicChoice
from leaflets.web.context import server
from leaflets.web.settings import brand_name
from leaflets.web.ui_locale import _

PAPERS = ("a4", "letter")
SIZES = ("standard", "large")


@dataclass(frozen=True)
class Options:
    """Paper (None: the brand's own), print size and brand, as checked query parameters."""

    brand: Brand
    paper: str | None = None
    large_print: bool = False

    def query(self) -> dict[str, str]:
        """The query parameters that name these options (defaults left out)."""
        settings = server().settings
        query = {}
        if self.paper:
            query["paper"] = self.paper
        if self.large_print:
            query["size"] = "large"
        if self.brand is not settings.brands[0]:
            query["brand"] = brand_name(self.brand)
        return query


def options(args: Mapping[str, str]) -> Options:
    """Read ``paper``, ``size`` and ``brand``; a value not offered is a 400."""
    paper = (args.get("paper") or "").lower() or None
    if paper is not None and paper not in PAPERS:
        raise BadRequest(_("Paper must be a4 or letter."))
    size = (args.get("size") or "standard").lower()
    if size not in SIZES:
        raise BadRequest(_("Size must be large, or left out for standard print."))
    brand = server().settings.brand(args.get("brand"))
    if brand is None:
        raise BadRequest(_("There is no such brand on this server."))
    return Options(brand, paper, size == "large")


@dataclass(frozen=True)
class Leaflet:
    """One leaflet, chosen and checked."""

    topic: TopicChoice
    language: Language
    options: Options

    @property
    def job(self) -> Job:
        """The build's name for this leaflet."""
        o = self.options
        return Job(self.topic.name, self.language.code, Variant(o.brand, o.paper, o.large_print))

    @property
    def args(self) -> dict[str, str]:
        """The values that name this leaflet in a link or form: topic, language and options."""
        return {"topic": self.topic.name, "lang": self.language.tag, **self.options.query()}

    @property
    def title(self) -> str:
        """The title in the patient's language."""
        return self.topic.titles.get(self.language.tag, self.topic.title)


def topic_or_404(name: str) -> TopicChoice:
    """A topic by name; a helpful 404 otherwise."""
    found = server().choices.topic(name)
    if found is None:
        raise NotFound(_("There is no leaflet on that topic."))
    return found


def language_or_404(tag: str) -> Language:
    """A language by tag; a helpful 404 otherwise."""
    found = server().choices.language(tag)
    if found is None:
        raise NotFound(_("There are no leaflets in that language."))
    return found


def leaflet(lang: str, topic: str, args: Mapping[str, str]) -> Leaflet:
    """The leaflet a route names; 404 for an unknown topic or language, 400 for bad options."""
    return Leaflet(topic_or_404(topic), language_or_404(lang), options(args))
