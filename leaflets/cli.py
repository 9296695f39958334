"""The command line: the only module that prints or exits."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from leaflets import __version__
from leaflets.build import Job, build_leaflet, default_languages, prepare_all
from leaflets.content import available_topics, load_topic
from leaflets.errors import UsageError
from leaflets.i18n import (
    available_languages,
    bcp47,
    completeness,
    native_name,
    parse_language,
    provenance,
)


def _topics(names: tuple[str, ...]) -> list[str]:
    valid = available_topics()
    for name in names:
        if name not in valid:
            raise UsageError(f"unknown topic {name!r}; choose from: {', '.join(valid)}")
    return list(dict.fromkeys(names)) or valid


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="leaflets")
@click.option("--debug", is_flag=True, help="Show a traceback on errors (read by main()).")
def cli(debug: bool) -> None:
    """Build multilingual, branded patient leaflets as printable PDF."""


@cli.command()
@click.argument("topics", nargs=-1, metavar="[TOPIC]...")
@click.option(
    "--lang",
    "-l",
    "langs",
    multiple=True,
    metavar="LANG",
    help="Language to build (repeatable). Default: English and every complete translation.",
)
@click.option(
    "--output",
    "-o",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Folder for the PDFs.",
)
@click.option(
    "--allow-incomplete",
    is_flag=True,
    help="Build leaflets with untranslated strings anyway, marked DRAFT on every page.",
)
def build(
    topics: tuple[str, ...], langs: tuple[str, ...], out_dir: Path, allow_incomplete: bool
) -> None:
    """Build leaflets into OUTPUT/<lang>/<topic>.pdf (all topics if none are named)."""
    names = _topics(topics)
    if langs:
        chosen = list(dict.fromkeys(parse_language(code) for code in langs))
    else:
        chosen, skipped = default_languages(names)
        for lang, share in skipped:
            click.echo(f"skipped {lang}: translation {share:.0%} complete", err=True)
    jobs = [Job(name, lang) for lang in chosen for name in names]
    for item in prepare_all(jobs, allow_incomplete):
        start = time.perf_counter()
        path = build_leaflet(item, out_dir)
        note = "  DRAFT: incomplete translation" if item.draft else ""
        click.echo(f"{path}  ({time.perf_counter() - start:.2f} s){note}")


@cli.command(name="list")
def list_() -> None:
    """Show the topics and the languages with their completeness."""
    names = available_topics()
    click.echo("Topics:")
    for name in names:
        click.echo(f"  {name:<12} {load_topic(name).title}")
    click.echo("Languages:")
    for lang in available_languages():
        origin = provenance(lang)
        status = origin.status if not origin.reviewed else f"reviewed by {origin.reviewed_by}"
        click.echo(
            f"  {bcp47(lang):<8} {native_name(lang):<20} "
            f"{completeness(lang, names):>4.0%}  {status}"
        )


def main() -> None:
    """Console entry point: user mistakes get one clear line, never a traceback."""
    debug = "--debug" in sys.argv[1:]
    try:
        cli.main(prog_name="leaflets", standalone_mode=False)
    except click.ClickException as exc:
        if debug:
            raise
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        click.echo(f"Error: internal error: {exc} (rerun with --debug for details)", err=True)
        sys.exit(1)
