"""Topic + translations + brand -> one HTML document, through the Jinja2 templates."""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import segno
from babel import Locale
from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from tinycss2.serializer import serialize_string_value

from leaflets.approvals.state import Signoff
from leaflets.content.models import CITATION_RE, DEFAULT_BRAND, Brand, Topic, brand_settings
from leaflets.errors import RenderError
from leaflets.i18n.languages import bcp47
from leaflets.paths import TEMPLATES_DIR
from leaflets.render.pdf import page_digits

#: Placeholders for the page counters inside the translated "Page N of M" label.
PAGE_MARK, PAGES_MARK = "\ue000", "\ue001"
#: A citation with the white space before it, which becomes a no-break space.
_CITATION_AND_SPACE = re.compile(r"\s*" + CITATION_RE.pattern)


#: Languages whose words must not break between syllables (CSS ``word-break: keep-all``,
#: which WeasyPrint 70 lacks): their syllables, and a number and the syllable after it
#: ("50명"), are joined with U+2060 WORD JOINER.
KEEP_WORDS_WHOLE = {"ko": re.compile(r"(?<=[\uac00-\ud7a30-9])(?=[\uac00-\ud7a3])")}


def _keep_words_whole(html: str, lang: str) -> str:
    pattern = KEEP_WORDS_WHOLE.get(lang)
    if pattern is None:
        return html
    head, body = html.split("<body", 1)  # leave <title> and metadata untouched
    return head + "<body" + pattern.sub("\u2060", body)


@functools.cache
def qr_data_uri(url: str) -> str:
    """A QR code for ``url`` as vector SVG in a data: URI (segno draws it)."""
    return str(segno.make(url, error="m").svg_data_uri(border=2, dark="#000000"))


def text_direction(text: str, default: str = "ltr") -> str:
    """``ltr`` or ``rtl`` from the first strongly directional character (HTML's dir=auto)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return default


@dataclass(frozen=True)
class Options:
    """How a leaflet is rendered."""

    draft: bool = False
    unreviewed: bool = False
    #: A personal next step printed at the top (never for cached, shared leaflets).
    follow_up: dt.date | None = None
    #: The clinic's valid approval; without one, every page carries a "not approved" band.
    approval: Signoff | None = None
    #: A valid review of the translation; without one, the unreviewed notice is printed.
    review: Signoff | None = None
    #: A page to open on its own (``build --html``) rather than WeasyPrint's input for the PDF.
    standalone: bool = False


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
    env.globals["page_footer_css"] = _page_footer_css
    env.filters["direction"] = text_direction
    return env


def _plain(markup: Markup) -> str:
    """Escaped template output as the text it shows, its runs of white space made one space."""
    return re.sub(r"\s+", " ", Markup(markup).unescape()).strip()


def _css_string(text: str) -> str:
    """``text`` as a quoted CSS string that cannot end its <style> element (no "<" in it)."""
    escaped: str = serialize_string_value(text)  # quotes, backslashes and line breaks
    return '"' + escaped.replace("<", "\\3c ") + '"'


def _page_footer_css(info: Markup, label: Markup, lang: str, direction: str) -> Markup:
    """The page footer of a PDF as page-margin content: ``info`` at the start, ``label`` (with
    its page counters, in the language's digits) at the end. leaflet.css styles both boxes.

    Page-margin content costs WeasyPrint less than a running element laid out on every page
    (6 % of a leaflet's CPU). Every piece of text is a CSS string, escaped.
    """
    digits = page_digits(lang.replace("-", "_"))  # the template has the BCP 47 tag
    style = f", {digits}" if digits else ""
    counters = {PAGE_MARK: f"counter(page{style})", PAGES_MARK: f"counter(pages{style})"}
    pieces = re.split(f"({PAGE_MARK}|{PAGES_MARK})", _plain(label))
    page = " ".join(counters.get(piece) or _css_string(piece) for piece in pieces if piece)
    start, end = ("left", "right") if direction == "ltr" else ("right", "left")
    # Widths that fill the line: WeasyPrint 70 leaves two auto-width boxes as wide as their
    # text, which would break the rule above them in two.
    return Markup(
        f"@page {{ @bottom-{start} {{ content: {_css_string(_plain(info))}; width: 75%; "
        f"box-sizing: border-box; padding-inline-end: 6mm; }} "
        f"@bottom-{end} {{ content: {page}; width: 25%; white-space: nowrap; }} }}"
    )


def _content_filter(
    translate: Callable[[str], str], numbers: dict[str, int], direction: str
) -> Callable[[str], Markup]:
    """Translate a content string, escape it, and turn citations into reference numbers."""

    def number(match: re.Match[str]) -> str:
        keys = [k.strip().lstrip("@") for k in match.group(1).split(";")]
        cited = sorted({numbers[k] for k in keys})
        # Plain text glued to the word before: WeasyPrint 70 breaks lines badly around an
        # inline element near the end of a line (a lone first word), so no <span> or <a>.
        marker = "[" + ",\u00a0".join(str(n) for n in cited) + "]"
        if direction == "rtl":
            # Keep "[1, 2]" in left-to-right order inside right-to-left text (LRI ... PDI).
            marker = "\u2066" + marker + "\u2069"
        return "\u00a0" + marker

    def content(text: str) -> Markup:
        # Escape first: translations of content are text, never markup.
        return Markup(_CITATION_AND_SPACE.sub(number, str(escape(translate(text)))))

    return content


def _isolate_filter(direction: str) -> Callable[[str], Markup]:
    """Escape a number or code and keep it left to right inside right-to-left text.

    An isolate (LRI ... PDI) rather than a ``<span dir>``: WeasyPrint 70 breaks lines badly
    around inline elements (see the citations above).
    """

    def isolate(text: str) -> Markup:
        escaped = str(escape(text))
        return Markup("\u2066" + escaped + "\u2069" if direction == "rtl" else escaped)

    return isolate


def _name_filter(direction: str) -> Callable[[str], Markup]:
    """Escape a person's name or role and isolate it (FSI ... PDI) inside right-to-left text.

    It keeps its own direction (a Latin or an Arabic name), so the commas around it stay in
    place in an Arabic sentence.
    """

    def isolate(text: str) -> Markup:
        escaped = str(escape(text))
        return Markup("\u2068" + escaped + "\u2069" if direction == "rtl" else escaped)

    return isolate


def render_html(
    topic: Topic,
    lang: str,
    translations: gettext.NullTranslations,
    brand: Brand = DEFAULT_BRAND,
    options: Options = Options(),
    related: Sequence[Topic] = (),
) -> str:
    """Render one leaflet to an HTML string: the topic's variant for this brand.

    ``related`` are the topics named by ``topic.related``, for the "See also" list.
    """
    if [other.id for other in related] != topic.related:
        raise RenderError(f"{topic.id}: the related topics {topic.related} were not all given")
    env = environment()
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    locale = Locale.parse(lang)
    # Only this brand's variant is printed, so citation numbers and references are its own.
    printed = topic.variant(brand_settings(brand))
    direction = locale.text_direction
    content = _content_filter(translations.gettext, printed.citation_numbers(), direction)
    template = env.get_template("leaflet.html.j2")
    content_date = format_date(topic.content_date, format="long", locale=locale)

    def long_date(date: dt.date | None) -> str | None:
        return format_date(date, format="long", locale=locale) if date else None

    approval, review = options.approval, options.review
    html = template.render(
        topic=printed,
        related=related,
        lang=bcp47(lang),
        dir=direction,
        c=content,
        ltr=_isolate_filter(direction),
        brand=brand,
        references=printed.numbered_references(),
        iso_reviewed=topic.content_date.isoformat(),
        qr_code=qr_data_uri(brand.qr_url) if brand.qr_url else None,
        follow_up=format_date(options.follow_up, format="long", locale=locale)
        if options.follow_up
        else None,
        draft=options.draft,
        unreviewed=options.unreviewed,
        approval=approval,
        approved_on=long_date(approval.date if approval else None),
        approval_expires=long_date(approval.expires if approval else None),
        review=review,
        reviewed_on=long_date(review.date if review else None),
        isolate=_name_filter(direction),
        source_date=content_date,
        PAGE=PAGE_MARK,
        PAGES=PAGES_MARK,
        standalone=options.standalone,
    )
    return _keep_words_whole(html, lang)
