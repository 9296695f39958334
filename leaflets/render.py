"""Topic + translations + brand -> one HTML document, through the Jinja2 templates."""

from __future__ import annotations

import functools
import gettext
import re
from collections.abc import Callable
from dataclasses import dataclass

from babel import Locale
from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from leaflets.models import CITATION_RE, Brand, Topic
from leaflets.paths import TEMPLATES_DIR

#: Placeholders for the page counters inside the translated "Page N of M" label.
PAGE_MARK, PAGES_MARK = "\ue000", "\ue001"
#: A citation with the white space before it, which becomes a no-break space.
_CITATION_AND_SPACE = re.compile(r"\s*" + CITATION_RE.pattern)

DEFAULT_BRAND = Brand(
    name="Example Community Clinic",
    logo="assets/logo.svg",
    address="1 Example Street, Exampletown",
    phone="+1 555 0100",
    email="info@clinic.example",
    website="https://clinic.example",
)


@dataclass(frozen=True)
class Options:
    """How a leaflet is rendered."""

    draft: bool = False
    unreviewed: bool = False


@functools.cache
def environment() -> Environment:
    """The one Jinja2 environment: autoescaped, strict, i18n with trimmed messages."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.filters["page_counters"] = _page_counters
    return env


def _page_counters(label: Markup) -> Markup:
    """Swap the placeholders of an (already escaped) label for CSS page counters."""
    html = str(label)
    html = html.replace(PAGE_MARK, '<span class="page-number"></span>')
    html = html.replace(PAGES_MARK, '<span class="page-count"></span>')
    return Markup(html)


def _content_filter(
    translate: Callable[[str], str], numbers: dict[str, int]
) -> Callable[[str], Markup]:
    """Translate a content string, escape it, and turn citations into reference numbers."""

    def number(match: re.Match[str]) -> str:
        keys = [k.strip().lstrip("@") for k in match.group(1).split(";")]
        cited = sorted({numbers[k] for k in keys})
        # Plain text glued to the word before: WeasyPrint 70 breaks lines badly around an
        # inline element near the end of a line (a lone first word), so no <span> or <a>.
        return "\u00a0[" + ",\u00a0".join(str(n) for n in cited) + "]"

    def content(text: str) -> Markup:
        # Escape first: translations of content are text, never markup.
        return Markup(_CITATION_AND_SPACE.sub(number, str(escape(translate(text)))))

    return content


def render_html(
    topic: Topic,
    lang: str,
    translations: gettext.NullTranslations,
    brand: Brand = DEFAULT_BRAND,
    options: Options = Options(),
) -> str:
    """Render one leaflet to an HTML string."""
    env = environment()
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    locale = Locale.parse(lang)
    content = _content_filter(translations.gettext, topic.citation_numbers())
    template = env.get_template("leaflet.html.j2")
    reviewed = format_date(topic.reviewed, format="long", locale=locale)
    return template.render(
        topic=topic,
        lang=lang.replace("_", "-"),
        dir=locale.text_direction,
        c=content,
        brand=brand,
        references=topic.numbered_references(),
        reviewed=reviewed,
        next_review=format_date(topic.next_review, format="long", locale=locale),
        iso_reviewed=topic.reviewed.isoformat(),
        draft=options.draft,
        unreviewed=options.unreviewed,
        source_date=reviewed,
        PAGE=PAGE_MARK,
        PAGES=PAGES_MARK,
    )
