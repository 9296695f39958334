"""Translator and editor commands: i18n extract|init|update|compile, status, check."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import click

from leaflets.cli.support import brand_option, complete_languages, load_brand_option
from leaflets.content.topics import available_topics
from leaflets.errors import CatalogError, LeafletsError
from leaflets.i18n.languages import (
    SOURCE_LANGUAGE,
    available_languages,
    bcp47,
    leaflet_messages,
    parse_language,
    po_path,
    template_path,
)


@click.group()
def i18n() -> None:
    """Translator workflow: extract, init, update and compile catalogs."""


def _catalogs() -> ModuleType:
    from leaflets.i18n import catalog_tools  # Babel's extraction machinery, only for these commands

    return catalog_tools


@i18n.command()
def extract() -> None:
    """Extract every translatable string into translations/messages.pot."""
    changed = _catalogs().extract()
    click.echo(f"{template_path()}: {'updated' if changed else 'unchanged'}")


@i18n.command()
@click.argument("lang")
@click.option(
    "--translated-by",
    default="",
    metavar="TEXT",
    help="Who or what translates it (recorded in the X-Translated-By header).",
)
def init(lang: str, translated_by: str) -> None:
    """Create the catalog of a new language LANG from the template."""
    click.echo(f"{_catalogs().init(lang, translated_by)}: created")


@i18n.command()
@click.argument("langs", nargs=-1, metavar="[LANG]...", shell_complete=complete_languages)
@click.option("--fuzzy", is_flag=True, help="Let Babel guess translations of new strings.")
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 if `i18n extract` and then `i18n update` would change a file.",
)
def update(langs: tuple[str, ...], fuzzy: bool, check: bool) -> None:
    """Merge the template into the catalogs (all when no LANG is given)."""
    if check:
        stale = _catalogs().out_of_step(_catalog_languages(langs))
        if stale:
            more = f" (and {len(stale) - 1} more)" if len(stale) > 1 else ""
            raise CatalogError(
                f"{stale[0]}{more}: not in step with the topics and templates; run "
                "`leaflets i18n extract && leaflets i18n update`"
            )
        click.echo(f"{template_path()} and the catalogs are in step")
        return
    for lang in _catalog_languages(langs):
        new, changed = _catalogs().update(lang, fuzzy_matching=fuzzy)
        click.echo(f"{po_path(lang)}: {new} new string(s), {changed} marked fuzzy")


@i18n.command(name="compile")
@click.argument("langs", nargs=-1, metavar="[LANG]...", shell_complete=complete_languages)
def compile_(langs: tuple[str, ...]) -> None:
    """Check that catalogs compile, as a build does (in memory: no .mo file is written)."""
    for lang, fuzzy in _catalogs().compile_all(_catalog_languages(langs)).items():
        note = f"  ({fuzzy} fuzzy entries left out)" if fuzzy else ""
        click.echo(f"{po_path(lang)}: compiles{note}")


def _catalog_languages(codes: tuple[str, ...]) -> list[str]:
    langs = [parse_language(code) for code in codes] or available_languages()
    return [lang for lang in dict.fromkeys(langs) if lang != SOURCE_LANGUAGE]


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table to read, or JSON (one object per topic and language) for scripts.",
)
@click.option("--strict", is_flag=True, help="Exit 1 when any leaflet is incomplete.")
@brand_option("Show this clinic's approvals (default: the example brand, which has none).")
def status(fmt: str, strict: bool, brand_file: Path | None) -> None:
    """Translation progress and approvals per topic and language."""
    from leaflets.approvals.overview import leaflet_states

    topics = available_topics()
    brand = load_brand_option(brand_file)
    rows, problems = [*_source_rows(topics)], []
    for lang in _catalog_languages(()):
        try:
            rows += _catalogs().status(topics, [lang])
        except LeafletsError as exc:  # report it, and still count the other languages
            problems.append(exc.message)
    states = leaflet_states(brand, [(row.topic, row.lang) for row in rows], dt.date.today())
    if fmt == "json":
        items = []
        for row in rows:
            state = states[(row.topic, row.lang)]
            item = {**row.as_dict(), "lang": bcp47(row.lang), "header_review": row.review}
            del item["review"]
            items.append(
                {
                    **item,
                    "content": state.content.as_dict(),
                    "translation": state.translation.as_dict(),
                }
            )
        click.echo(json.dumps(items, indent=2, ensure_ascii=False))
    else:
        click.echo(f"approvals: {brand.name}")
        click.echo(
            f"{'topic':<10} {'lang':<8} {'done':>5} {'fuzzy':>5} {'todo':>5} {'%':>6}  "
            f"{'content approval':<36} translation review"
        )
        for row in rows:
            state = states[(row.topic, row.lang)]
            click.echo(
                f"{row.topic:<10} {bcp47(row.lang):<8} {row.translated:>5} {row.fuzzy:>5} "
                f"{row.untranslated:>5} {row.percent:>5.1f}%  "
                f"{state.content.short():<36} {state.translation.short()}"
            )
    if problems:
        raise LeafletsError("\n".join(problems))
    if strict and any(row.percent < 100 for row in rows):
        sys.exit(1)


def _source_rows(topics: list[str]) -> list[Any]:
    """English rows: the source text, complete by definition."""
    from leaflets.i18n.catalog_tools import Status

    return [
        Status(
            topic, SOURCE_LANGUAGE, len({m.msgid for m in leaflet_messages(topic)}), 0, 0, "source"
        )
        for topic in topics
    ]


@click.command()
@brand_option("Also check this clinic's approvals: lapsed ones are errors, missing ones warnings.")
def check(brand_file: Path | None) -> None:
    """Check content, versions, catalogs, readability and review dates before printing."""
    from leaflets.lint import run_checks

    findings = run_checks(brand=load_brand_option(brand_file) if brand_file else None)
    for file in dict.fromkeys(f.file for f in findings):
        click.echo(file)
        for finding in (f for f in findings if f.file == file):
            where = f"{finding.line:>5}" if finding.line else "     "
            click.echo(f"  {finding.level:<7} {where}  {finding.text}")
    errors = sum(f.level == "error" for f in findings)
    warnings = sum(f.level == "warning" for f in findings)
    click.echo(f"{errors} error(s), {warnings} warning(s)")
    if errors:
        sys.exit(1)


@i18n.command(name="web")
@click.argument("langs", nargs=-1, metavar="[LANG]...", shell_complete=complete_languages)
def web_strings(langs: tuple[str, ...]) -> None:
    """Extract the staff page's strings (`leaflets serve`) into translations/web.pot and merge
    them into each LANG's web.po (default: every language that has one)."""
    from leaflets.web.ui_text import (
        extract_ui,
        ui_languages,
        ui_po_path,
        ui_template_path,
        update_ui,
    )

    changed = extract_ui()
    click.echo(f"{ui_template_path()}: {'updated' if changed else 'unchanged'}")
    chosen = [parse_language(code) for code in langs] or ui_languages()
    for lang in dict.fromkeys(chosen):
        if lang != SOURCE_LANGUAGE:
            new = update_ui(lang)
            click.echo(f"{ui_po_path(lang)}: {new} string(s) to translate")
