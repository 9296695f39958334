"""Translator and editor commands: i18n extract|init|update|compile, status, check."""

from __future__ import annotations

import json
import sys
from types import ModuleType

import click

from leaflets.content import available_topics
from leaflets.i18n import (
    SOURCE_LANGUAGE,
    available_languages,
    bcp47,
    parse_language,
    po_path,
    template_path,
)


@click.group()
def i18n() -> None:
    """Translator workflow: extract, init, update and compile catalogs."""


def _catalogs() -> ModuleType:
    from leaflets import catalogs  # Babel's extraction machinery, only for these commands

    return catalogs


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
@click.argument("langs", nargs=-1, metavar="[LANG]...")
@click.option("--fuzzy", is_flag=True, help="Let Babel guess translations of new strings.")
def update(langs: tuple[str, ...], fuzzy: bool) -> None:
    """Merge the template into the catalogs (all when no LANG is given)."""
    for lang in _catalog_languages(langs):
        new, changed = _catalogs().update(lang, fuzzy_matching=fuzzy)
        click.echo(f"{po_path(lang)}: {new} new string(s), {changed} marked fuzzy")


@i18n.command(name="compile")
@click.argument("langs", nargs=-1, metavar="[LANG]...")
def compile_(langs: tuple[str, ...]) -> None:
    """Compile .mo files; fuzzy entries are never compiled in."""
    for lang, fuzzy in _catalogs().compile_all(_catalog_languages(langs)).items():
        note = f"  ({fuzzy} fuzzy entries left out)" if fuzzy else ""
        click.echo(f"{po_path(lang).with_suffix('.mo')}: compiled{note}")


def _catalog_languages(codes: tuple[str, ...]) -> list[str]:
    langs = [parse_language(code) for code in codes] or available_languages()
    return [lang for lang in dict.fromkeys(langs) if lang != SOURCE_LANGUAGE]


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--strict", is_flag=True, help="Exit 1 when any leaflet is incomplete.")
def status(fmt: str, strict: bool) -> None:
    """Translated, fuzzy and untranslated strings per topic and language."""
    rows = _catalogs().status(available_topics())
    if fmt == "json":
        click.echo(json.dumps([row.as_dict() for row in rows], indent=2, ensure_ascii=False))
    else:
        click.echo(
            f"{'topic':<10} {'lang':<8} {'done':>5} {'fuzzy':>5} {'todo':>5} {'%':>6}  review"
        )
        for row in rows:
            click.echo(
                f"{row.topic:<10} {bcp47(row.lang):<8} {row.translated:>5} {row.fuzzy:>5} "
                f"{row.untranslated:>5} {row.percent:>5.1f}%  {row.review}"
            )
    if strict and any(row.percent < 100 for row in rows):
        sys.exit(1)


@click.command()
def check() -> None:
    """Check content, catalogs, readability and review dates before printing."""
    from leaflets.checks import run_checks

    findings = run_checks()
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
