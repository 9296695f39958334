"""The command line: the `leaflets` group, the only package that prints or exits."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from leaflets import __version__
from leaflets.approvals.records import ApprovalError
from leaflets.build.batch import TIME_LIMIT, Outcome, Settings, parse_shard, run_batch, shard
from leaflets.build.matrix import Job, Variant, default_languages
from leaflets.cli.approvals import approve, record_version, review_sheet
from leaflets.cli.serve import serve
from leaflets.cli.support import (
    DEBUG_HELP,
    accept_debug_everywhere,
    brand_option,
    complete_languages,
    complete_topics,
    display_width,
    language_option,
    load_brand_option,
    output_option,
    pad,
    seconds_option,
)
from leaflets.cli.translate import check, i18n, status
from leaflets.content.models import Brand
from leaflets.content.topics import available_topics, load_topic
from leaflets.errors import LeafletsError, Terminated, UsageError
from leaflets.i18n.languages import (
    available_languages,
    bcp47,
    completeness,
    native_name,
    parse_language,
    provenance,
)
from leaflets.mail import DEADLINE

BRAND_OPTION = brand_option("A clinic's brand.toml (default: the built-in example brand).")


PAPER_OPTION = click.option(
    "--paper",
    type=click.Choice(["a4", "letter"], case_sensitive=False),
    default=None,
    help="Paper size (default: the brand's, else A4).",
)
LARGE_PRINT_OPTION = click.option(
    "--large-print", is_flag=True, help="16 pt body text, nothing under 14 pt."
)


def _topics(names: tuple[str, ...]) -> list[str]:
    valid = available_topics()
    for name in names:
        if name not in valid:
            raise UsageError(f"unknown topic {name!r}; choose from: {', '.join(valid)}")
    return list(dict.fromkeys(names)) or valid


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="leaflets")
@click.option("--debug", is_flag=True, help=DEBUG_HELP)
def cli(debug: bool) -> None:
    """Build multilingual, branded patient leaflets as printable PDF."""


@cli.command()
@click.argument("topics", nargs=-1, metavar="[TOPIC]...", shell_complete=complete_topics)
@click.option(
    "--lang",
    "-l",
    "langs",
    multiple=True,
    metavar="LANG",
    shell_complete=complete_languages,
    help="Language to build (repeatable). Default: English and every complete translation.",
)
@output_option("Folder for the PDFs.")
@click.option(
    "--allow-incomplete",
    is_flag=True,
    help="Build leaflets with untranslated strings anyway, marked DRAFT on every page.",
)
@BRAND_OPTION
@PAPER_OPTION
@LARGE_PRINT_OPTION
@click.option(
    "-j",
    "--jobs",
    "workers",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default="number of CPUs",
    help="Leaflets rendered in parallel.",
)
@click.option("--force", is_flag=True, help="Rebuild even the leaflets that are up to date.")
@click.option(
    "--shard",
    "shard_spec",
    metavar="K/N",
    help="Build only slice K of N (K from 1 to N): every N-th leaflet from the K-th.",
)
@click.option(
    "--html", is_flag=True, help="Also write each leaflet as a web page that opens on its own."
)
@click.option(
    "--require-approval",
    is_flag=True,
    help="Build nothing unless every leaflet is approved and reviewed for the brand.",
)
@seconds_option(
    "--time-limit", TIME_LIMIT, "Stop and report a leaflet that takes longer than this."
)
def build(
    topics: tuple[str, ...],
    langs: tuple[str, ...],
    out_dir: Path,
    allow_incomplete: bool,
    brand_file: Path | None,
    paper: str | None,
    large_print: bool,
    workers: int,
    force: bool,
    shard_spec: str | None,
    html: bool,
    require_approval: bool,
    time_limit: int,
) -> None:
    """Build leaflets into OUTPUT[/BRAND]/<lang>/<topic>[-letter][-large].pdf (all topics if none).

    Leaflets whose inputs have not changed since the last build are skipped.
    """
    start = time.perf_counter()
    names = _topics(topics)
    brand = load_brand_option(brand_file)
    variant = Variant(brand, paper.lower() if paper else None, large_print)
    if langs:
        chosen = list(dict.fromkeys(parse_language(code) for code in langs))
    else:
        chosen, skipped = default_languages(names, memo_dir=out_dir)
        for lang, share in skipped:
            click.echo(f"skipped {bcp47(lang)}: translation {share:.0%} complete", err=True)
    jobs = [Job(name, lang, variant) for lang in chosen for name in names]
    if shard_spec:
        try:
            jobs = shard(jobs, *parse_shard(shard_spec))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--shard") from None
    _check_approvals(brand, names, chosen, jobs, require_approval)
    settings = Settings(out_dir, allow_incomplete, force, workers, html, time_limit)
    outcomes = _run_with_progress(jobs, settings)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("built", "skipped", "failed")}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    used = max((o.workers for o in outcomes), default=0)
    note = f" ({used} worker{'s' if used > 1 else ''})" if used else ""
    click.echo(f"{summary} in {time.perf_counter() - start:.1f} s{note}", err=True)
    if counts["failed"]:
        sys.exit(1)


def _check_approvals(
    brand: Brand, names: list[str], langs: list[str], jobs: list[Job], require: bool
) -> None:
    """Warn about due reviews and expiring approvals; with ``require``, refuse any gap."""
    from leaflets.approvals.overview import approval_gaps, build_warnings

    today = dt.date.today()
    for warning in build_warnings(brand, names, langs, today):
        click.echo(f"warning: {warning}", err=True)
    if require:
        gaps = approval_gaps(brand, [(job.topic, job.lang) for job in jobs], today)
        if gaps:
            raise ApprovalError(
                f"--require-approval: not approved for patient use at {brand.name}; "
                "nothing built:\n" + "\n".join(gaps)
            )


def _run_with_progress(jobs: list[Job], settings: Settings) -> list[Outcome]:
    """On a terminal a progress bar; otherwise one line per leaflet."""
    if not sys.stderr.isatty():
        return run_batch(jobs, settings, _report_line)
    bar: Any
    with click.progressbar(
        length=len(jobs),
        label="Building",
        file=sys.stderr,
        item_show_func=lambda o: o.job.label if o else "",
    ) as bar:

        def report(outcome: Outcome) -> None:
            bar.update(1, outcome)
            if outcome.status == "failed":
                click.echo(f"\nFAILED {outcome.error}", err=True)

        return run_batch(jobs, settings, report)


def _report_line(outcome: Outcome) -> None:
    if outcome.status == "failed":
        click.echo(f"FAILED {outcome.error}", err=True)
    elif outcome.status == "skipped":
        click.echo(f"{outcome.path}  (up to date)")
    else:
        note = "  DRAFT: incomplete translation" if outcome.draft else ""
        click.echo(f"{outcome.path}  ({outcome.seconds:.2f} s){note}")


@cli.command(name="list")
def list_() -> None:
    """Show the topics and the languages with their completeness."""
    names = available_topics()
    click.echo("Topics:")
    for name in names:
        click.echo(f"  {pad(name, max(map(len, names)))}  {load_topic(name).title}")
    click.echo("Languages:")
    langs = available_languages()
    # Columns by terminal width, so that Chinese, Korean and Hindi names line up too.
    code_width = max(len(bcp47(lang)) for lang in langs)
    name_width = max(display_width(native_name(lang)) for lang in langs)
    problems = []
    for lang in langs:
        start = f"  {pad(bcp47(lang), code_width)}  {pad(native_name(lang), name_width)}"
        try:
            origin = provenance(lang)
            share = f"{completeness(lang, names):>4.0%}"
        except LeafletsError as exc:  # one broken catalog must not hide the languages after it
            problems.append(exc.message)
            click.echo(f"{start}     -  catalog has errors")
            continue
        status = origin.status if not origin.reviewed else f"reviewed by {origin.reviewed_by}"
        click.echo(f"{start}  {share}  {status}")
    if problems:
        raise LeafletsError("\n".join(problems))


@cli.command()
@click.argument("topics", nargs=-1, metavar="[TOPIC]...", shell_complete=complete_topics)
@click.option("--to", "to", metavar="ADDRESS", help="The patient's e-mail address.")
@language_option("The patient's language.")
@click.option("--name", metavar="TEXT", help="The patient's name, for the greeting.")
@click.option("--follow-up", "follow_up", metavar="DATE", help="Next step date, e.g. 2027-05-21.")
@click.option(
    "--batch",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV with columns email,lang,topics and optional follow_up,name.",
)
@BRAND_OPTION
@PAPER_OPTION
@LARGE_PRINT_OPTION
@click.option(
    "--outbox",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write .eml files here instead of sending (logged apart from e-mailed rows).",
)
@click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The batch's send log (default: beside the CSV, NAME.send-log.jsonl).",
)
@seconds_option(
    "--deadline", DEADLINE, "Give up on a message the server has not accepted within this time."
)
@output_option("Folder of built leaflets to attach (a personal one is never written).")
@click.option(
    "--allow-unapproved",
    is_flag=True,
    help="Send leaflets that are not approved anyway; they carry the 'not approved' band.",
)
def mail(
    topics: tuple[str, ...],
    to: str | None,
    lang: str | None,
    name: str | None,
    follow_up: str | None,
    batch: Path | None,
    brand_file: Path | None,
    paper: str | None,
    large_print: bool,
    outbox: Path | None,
    log_path: Path | None,
    deadline: int,
    out_dir: Path,
    allow_unapproved: bool,
) -> None:
    """E-mail leaflets to a patient (--to) or to every row of a CSV file (--batch).

    Every row and leaflet is checked before the first message goes out. A batch's send log
    keeps e-mailed rows and rows written to each outbox apart: a rerun skips only what went to
    the same place.

    \b
    Environment variables (see README, "Mailing handouts"):
      LEAFLETS_SMTP_HOST      the SMTP server (needed unless --outbox)
      LEAFLETS_SMTP_PORT      1-65535; default 587, 465 for tls, 25 for none
      LEAFLETS_SMTP_SECURITY  starttls (default), tls, or none (loopback only)
      LEAFLETS_SMTP_USER      user name to log in with (optional)
      LEAFLETS_SMTP_PASSWORD  its password
      LEAFLETS_SMTP_CAFILE    PEM file of your own CA's certificates (optional)
      LEAFLETS_MAIL_FROM      the sender address (needed unless --outbox)
    """
    from leaflets.mail.addresses import make_recipient
    from leaflets.mail.batch import Row, read_batch
    from leaflets.mail.run import MailRun, run_mail
    from leaflets.mail.sendlog import default_log_path

    if batch and (to or topics):
        raise UsageError("give either --batch or --to with topics, not both")
    if batch:
        rows = read_batch(batch)
        log_path = log_path or default_log_path(batch)
    elif to and lang and topics:
        rows = [Row(0, make_recipient(to, lang, list(topics), follow_up, name))]
        log_path = None
    else:
        raise UsageError("give --to ADDRESS --lang LANG and at least one TOPIC, or --batch FILE")
    variant = Variant(load_brand_option(brand_file), paper.lower() if paper else None, large_print)
    run = MailRun(rows, variant, out_dir, outbox, batch, log_path, deadline, allow_unapproved)
    run_mail(run, click.echo)


cli.add_command(i18n)
cli.add_command(serve)
cli.add_command(status)
cli.add_command(check)
cli.add_command(approve)
cli.add_command(record_version)
cli.add_command(review_sheet)
accept_debug_everywhere(cli)


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
    except Terminated:
        click.echo(
            "Terminated; nothing half-written was left. Run the same command to finish.", err=True
        )
        sys.exit(143)
    except Exception as exc:
        if debug:
            raise
        click.echo(f"Error: internal error: {exc} (rerun with --debug for details)", err=True)
        sys.exit(1)
