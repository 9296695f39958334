"""Sign-off commands: approve, record-version, review-sheet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from leaflets.cli.support import (
    brand_option,
    complete_topics,
    language_option,
    load_brand_option,
    output_option,
)
from leaflets.content.topics import available_topics, load_topic
from leaflets.errors import UsageError
from leaflets.i18n.languages import SOURCE_LANGUAGE, bcp47, parse_language


def check_topic(name: str) -> str:
    """A known topic name, or a usage error listing the valid ones."""
    valid = available_topics()
    if name not in valid:
        raise UsageError(f"unknown topic {name!r}; choose from: {', '.join(valid)}")
    return name


@click.command()
@click.argument("topic", shell_complete=complete_topics)
@language_option("Record a review of this translation instead.")
@brand_option("The clinic's brand file; approvals.toml beside it holds the record.")
@click.option("--by", "by", required=True, metavar="NAME", help="Who approved it.")
@click.option("--role", required=True, metavar="ROLE", help="Their role or qualification.")
@click.option("--date", metavar="YYYY-MM-DD", help="Day of the sign-off (default: today).")
@click.option("--note", metavar="TEXT", help="A short note kept with the record.")
def approve(
    topic: str,
    lang: str | None,
    brand_file: Path | None,
    by: str,
    role: str,
    date: str | None,
    note: str | None,
) -> None:
    """Record a clinical approval of TOPIC's content, or with --lang a translation review."""
    from leaflets.approvals import approve as record
    from leaflets.approvals.records import Signed

    name = check_topic(topic)
    language = parse_language(lang) if lang else SOURCE_LANGUAGE
    brand = load_brand_option(brand_file)
    today = dt.date.today()
    signed: Signed
    if lang:
        path, signed = record.approve_translation(
            brand, name, language, by, role, date, note, today
        )
        what = f"review of the {bcp47(language)} translation of {name}"
    else:
        path, signed = record.approve_content(brand, name, by, role, date, note, today)
        what = f"clinical approval of {name}"
    click.echo(
        f"{path}: recorded {what} ({signed.code} version {signed.version}) by {signed.by}, "
        f"{signed.role}, on {signed.date}; expires {signed.expires}; "
        f"fingerprint {signed.fingerprint[:16]}"
    )


@click.command(name="record-version")
@click.argument("topics", nargs=-1, metavar="[TOPIC]...", shell_complete=complete_topics)
def record_version(topics: tuple[str, ...]) -> None:
    """Record the current version of each TOPIC (all if none) in topics/versions.toml."""
    from leaflets.approvals.versions import record_version as record
    from leaflets.approvals.versions import versions_path

    for name in [check_topic(t) for t in topics] or available_topics():
        loaded = load_topic(name)
        done = "recorded" if record(loaded) else "already recorded"
        click.echo(f"{versions_path()}: {name} {loaded.code} version {loaded.version}: {done}")


@click.command(name="review-sheet")
@click.argument("topic", shell_complete=complete_topics)
@language_option("A translation review sheet for LANG.")
@brand_option("The clinic the sheet is for (default: the example brand).")
@output_option("Folder for the sheet.", default=Path("review-sheets"))
def review_sheet(topic: str, lang: str | None, brand_file: Path | None, out_dir: Path) -> None:
    """Write the PDF a clinician (or with --lang, a translator) checks and signs."""
    from leaflets.build.review_sheets import write_review_sheet

    name = check_topic(topic)
    language = parse_language(lang) if lang else SOURCE_LANGUAGE
    path = write_review_sheet(
        name, language, load_brand_option(brand_file), out_dir, dt.date.today()
    )
    click.echo(str(path))
