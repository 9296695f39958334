"""The build matrix: which leaflets to make, completeness gates, atomic writes."""

from __future__ import annotations

import datetime as dt
import gettext
from dataclasses import dataclass, field
from pathlib import Path

from leaflets.approvals.state import Signoff, leaflet_approval, signoff
from leaflets.build.cache import completeness_key, recall, remember
from leaflets.content.models import DEFAULT_BRAND, Brand, Topic
from leaflets.content.topics import load_topic
from leaflets.errors import CatalogError, LeafletsError
from leaflets.files import replace_file
from leaflets.i18n.languages import (
    SOURCE_LANGUAGE,
    Gap,
    available_languages,
    bcp47,
    completeness,
    find_gaps,
    leaflet_messages,
    load_po,
    po_path,
    provenance,
    translations_for,
)
from leaflets.i18n.po_files import LeafletCatalog, compile_translations
from leaflets.render.pdf import PrintStyle, write_pdf

#: How many untranslated strings an error lists before summarising the rest.
MAX_LISTED = 12


@dataclass(frozen=True)
class Variant:
    """Who a leaflet is for and how it is printed: brand, paper, large print."""

    brand: Brand = DEFAULT_BRAND
    paper: str | None = None  # None: the brand's own paper
    large_print: bool = False

    @property
    def style(self) -> PrintStyle:
        """The print style the PDF stage needs."""
        return PrintStyle(
            paper=self.paper or self.brand.paper,
            large_print=self.large_print,
            primary_color=self.brand.primary_color,
            accent_color=self.brand.accent_color,
        )


@dataclass(frozen=True)
class Job:
    """One leaflet: a topic in a language, in a variant."""

    topic: str
    lang: str
    variant: Variant = Variant()

    @property
    def label(self) -> str:
        """How messages name this leaflet."""
        return f"{bcp47(self.lang)}/{self.topic}"


def output_path(out_dir: Path, job: Job) -> Path:
    """Where a leaflet's PDF goes: ``<out>[/<brand>]/<lang>/<topic>[-letter][-large].pdf``.

    Every variant has its own file, so a Letter or large-print build never replaces the A4
    one. The suffix follows the paper actually used (the option, else the brand's).
    """
    variant = job.variant
    brand = variant.brand
    folder = out_dir / brand.key if brand.key else out_dir
    suffix = "-letter" if variant.style.paper == "letter" else ""
    suffix += "-large" if variant.large_print else ""
    return folder / bcp47(job.lang) / f"{job.topic}{suffix}.pdf"


#: Folders of the output tree that a brand's folder must not take over.
RESERVED_FOLDERS = {"mail-log"}
#: A file in each brand's output folder naming the brand file it belongs to.
BRAND_MARK = ".leaflets-brand"


def claim_brand_folder(out_dir: Path, brand: Brand) -> None:
    """Make sure a brand's output folder holds only this brand file's leaflets.

    Two brand files with the same name (``north/brand.toml``, ``south/brand.toml``) would
    otherwise overwrite each other's PDFs in ``<out>/brand/``.
    """
    if not brand.key or brand.source_file is None:
        return
    folder = out_dir / brand.key
    languages = {bcp47(lang).lower() for lang in available_languages()}
    if brand.key.lower() in languages | RESERVED_FOLDERS or brand.key.startswith("."):
        raise LeafletsError(
            f"{brand.source_file}: its leaflets would go to {folder}/, which holds other "
            "files; rename the brand file"
        )
    mark = folder / BRAND_MARK
    owner = str(brand.source_file)
    try:
        found = mark.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        write_atomic(mark, owner.encode())
        return
    except (OSError, UnicodeDecodeError):
        found = ""
    if found != owner:
        raise LeafletsError(
            f"{brand.source_file}: {folder}/ holds the leaflets of another brand file "
            f"({found or 'unknown'}); rename this brand file, use another --output, "
            f"or remove {folder}/ if that brand is gone"
        )


def default_languages(
    topics: list[str], memo_dir: Path | None = None
) -> tuple[list[str], list[tuple[str, float]]]:
    """English plus each language complete for ``topics``; and the skipped ones with their share.

    With ``memo_dir``, each answer is remembered under a key of its inputs, so a build where
    nothing changed does not parse every catalog again.
    """
    chosen, skipped = [], []
    for lang in available_languages():
        key = completeness_key(lang, topics)
        share = recall(memo_dir, f"complete-{lang}", key) if memo_dir else None
        if share is None:
            share = completeness(lang, topics)
            if memo_dir:
                remember(memo_dir, f"complete-{lang}", key, share)
        if share >= 1.0:
            chosen.append(lang)
        else:
            skipped.append((lang, share))
    return chosen, skipped


def _describe_gaps(job: Job, gaps: list[Gap]) -> str:
    """One self-contained line per string that is not ready, naming where to fix it."""
    po = po_path(job.lang)
    lines = []
    for gap in gaps[:MAX_LISTED]:
        where = f"{po}:{gap.po_line}" if gap.po_line else f"{po} (missing)"
        msgid = gap.message.msgid
        lines.append(
            f"{where}: {job.label}: {gap.status}: {msgid[:60]!r}; fix the translation "
            "(or build with --allow-incomplete for a DRAFT)"
        )
    if len(gaps) > MAX_LISTED:
        lines.append(f"{po}: {job.label}: ... and {len(gaps) - MAX_LISTED} more")
    return "\n".join(lines)


@dataclass(frozen=True)
class Prepared:
    """A leaflet whose content and translations have passed every gate."""

    job: Job
    topic: Topic
    translations: gettext.NullTranslations
    draft: bool
    unreviewed: bool = False
    #: The clinic's valid approval of the content; None prints the "not approved" band.
    approval: Signoff | None = None
    #: A valid review of the translation; None keeps the unreviewed-translation notice.
    review: Signoff | None = None
    #: A personal follow-up date (mail only): such a leaflet is never cached or kept.
    follow_up: dt.date | None = None
    #: The topics of the "See also" list, in the order ``topic.related`` names them.
    related: tuple[Topic, ...] = ()


@dataclass(frozen=True)
class Compiled:
    """A language's catalog as read and checked, and its translations compiled from it."""

    catalog: LeafletCatalog
    translations: gettext.GNUTranslations
    #: What find_gaps found for each string so far (the catalog does not change in a batch).
    verdicts: dict[str, str] = field(default_factory=dict)


def _compiled(lang: str, memo: dict[str, Compiled] | None) -> Compiled:
    """The catalog of ``lang`` and its compiled translations, once per ``memo``."""
    if memo is not None and lang in memo:
        return memo[lang]
    catalog = load_po(lang)
    provenance(lang, catalog)  # a broken provenance header is still an error
    # Compiled from the very catalog that is checked: a .mo file in the tree is never read.
    compiled = Compiled(catalog, compile_translations(catalog, po_path(lang)))
    if memo is not None:
        memo[lang] = compiled
    return compiled


def prepare(
    job: Job, allow_incomplete: bool = False, catalogs: dict[str, Compiled] | None = None
) -> Prepared:
    """Load and check one leaflet's inputs; refuse untranslated or fuzzy strings unless allowed.

    ``catalogs`` keeps each language's catalog, read and compiled once, for the next leaflets.
    """
    topic = load_topic(job.topic)
    related = tuple(load_topic(other) for other in topic.related)
    # What the leaflet says about its approval comes from the brand's records only.
    state = leaflet_approval(job.variant.brand, job.topic, job.lang, dt.date.today())
    approval, review = signoff(state.content), signoff(state.translation)
    if job.lang == SOURCE_LANGUAGE:
        return Prepared(
            job,
            topic,
            translations_for(job.lang),
            draft=False,
            approval=approval,
            related=related,
        )
    compiled = _compiled(job.lang, catalogs)
    gaps = find_gaps(compiled.catalog, leaflet_messages(job.topic), compiled.verdicts)
    if gaps and not allow_incomplete:
        raise CatalogError(_describe_gaps(job, gaps))
    return Prepared(
        job,
        topic,
        compiled.translations,
        draft=bool(gaps),
        unreviewed=review is None,
        approval=approval,
        review=review,
        related=related,
    )


def prepare_all(jobs: list[Job], allow_incomplete: bool = False) -> list[Prepared]:
    """Check every leaflet before any is written; report all problems together."""
    prepared, problems = [], []
    # Each catalog is read and compiled once for the batch, and every leaflet in that language
    # shares it: per leaflet, 550 leaflets kept 550 copies in memory (and in every worker).
    catalogs: dict[str, Compiled] = {}
    for job in jobs:
        try:
            prepared.append(prepare(job, allow_incomplete, catalogs))
        except LeafletsError as exc:
            problems.append(exc.message)
    if problems:
        raise LeafletsError("\n".join(dict.fromkeys(problems)))
    return prepared


def leaflet_html(item: Prepared, standalone: bool = False) -> str:
    """The HTML of one prepared leaflet, as it goes to WeasyPrint.

    ``standalone``: a page that opens on its own in a browser (``build --html``), with its
    styles, fonts and images inside it and the page footer after the main content.
    """
    from leaflets.render.html import Options, render_html  # Jinja2 only when there is work
    from leaflets.render.standalone import data_uri, logo_path, standalone_page

    brand = item.job.variant.brand
    if standalone:
        logo = logo_path(brand)
        brand = brand.model_copy(update={"logo_src": data_uri(logo) if logo else None})
    html = render_html(
        item.topic,
        item.job.lang,
        item.translations,
        brand=brand,
        options=Options(
            draft=item.draft,
            unreviewed=item.unreviewed,
            follow_up=item.follow_up,
            approval=item.approval,
            review=item.review,
            standalone=standalone,
        ),
        related=item.related,
    )
    if not standalone:
        return html
    return standalone_page(html, item.job.lang, item.job.variant.style)


def render_pdf(item: Prepared) -> bytes:
    """Render one prepared leaflet to PDF bytes."""
    variant = item.job.variant
    logo = variant.brand.logo_file
    return write_pdf(
        leaflet_html(item),
        lang=item.job.lang,
        label=item.job.label,
        style=variant.style,
        extra_files=(logo,) if logo else (),
    )


def write_atomic(path: Path, data: bytes) -> None:
    """Write an output file atomically; a failure is a one-line LeafletsError."""
    try:
        replace_file(path, data)
    except OSError as exc:
        where = path.parent if not path.parent.is_dir() else path
        raise LeafletsError(f"{where}: cannot write output ({exc.strerror})") from None
