"""The command line itself: help for every option, --debug anywhere, completion, BCP 47, columns."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata

import click
import pytest

from conftest import run
from leaflets.cli import cli
from leaflets.content.topics import available_topics


def _leaflets(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real entry point (leaflets.cli:main), as a shell runs it."""
    return subprocess.run(
        [sys.executable, "-m", "leaflets", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*path, name))
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
    return found


@pytest.mark.parametrize("path", [(), *_commands(cli)], ids=lambda p: " ".join(p) or "leaflets")
def test_every_option_has_help_text(path: tuple[str, ...]) -> None:
    result = run(*path, "--help")
    assert result.exit_code == 0
    command: click.Command = cli
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"leaflets {' '.join(path)} {param.opts[0]} has no help"
            first_words = " ".join(param.help.split()[:3])
            assert first_words in " ".join(result.output.split()), param.opts


def test_help_says_what_options_mean() -> None:
    build = " ".join(run("build", "--help").output.split())
    assert "(K from 1 to N)" in build
    assert "-o, --output DIRECTORY Folder for the PDFs." in build and "mail" not in build
    assert "JSON" in run("status", "--help").output
    mail = run("mail", "--help").output
    for name in ("HOST", "PORT", "SECURITY", "USER", "PASSWORD", "CAFILE"):
        assert f"LEAFLETS_SMTP_{name}" in mail
    assert "LEAFLETS_MAIL_FROM" in mail


def test_debug_works_before_and_after_the_command_name() -> None:
    after = _leaflets("list", "--debug")
    assert after.returncode == 0, after.stderr
    assert "Languages:" in after.stdout
    for args in (
        ["--debug", "build", "-l", "xx", "breast"],
        ["build", "-l", "xx", "--debug", "breast"],
    ):
        shown = _leaflets(*args)
        assert shown.returncode == 1
        assert "Traceback" in shown.stderr and "UsageError: unknown language 'xx'" in shown.stderr
    plain = _leaflets("build", "-l", "xx", "breast")
    assert plain.returncode == 2 and "Traceback" not in plain.stderr


def _complete(words: str) -> list[str]:
    """What bash completion offers for the last word of ``words`` (click's protocol)."""
    line = words.split(" ")
    result = _leaflets(
        env={
            "_LEAFLETS_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(line) - 1),
        }
    )
    assert result.returncode == 0, result.stderr
    return [item.split(",", 1)[1] for item in result.stdout.splitlines()]


def test_shell_completion_of_languages_and_topics() -> None:
    assert _complete("leaflets build --lang p") == ["pt-BR"]
    assert _complete("leaflets mail -l zh") == ["zh-Hans"]
    assert "ar" in _complete("leaflets build -l ")
    topics = available_topics()
    assert _complete("leaflets build b") == [t for t in topics if t.startswith("b")]
    assert "breast" not in _complete("leaflets build breast ")  # not offered twice
    assert _complete("leaflets build breast ") == [t for t in topics if t != "breast"]
    assert _complete("leaflets approve pro") == ["prostate"]
    assert _complete("leaflets i18n update pt") == ["pt-BR"]


def _columns(text: str) -> int:
    """Terminal columns, as wcwidth counts them: wide East Asian 2, combining marks 0."""
    return sum(
        0
        if unicodedata.category(c) in ("Mn", "Me", "Cf")
        else 2
        if unicodedata.east_asian_width(c) in "WF"
        else 1
        for c in text
    )


def test_list_aligns_columns_with_wide_characters() -> None:
    result = run("list")
    assert result.exit_code == 0
    rows = [line for line in result.output.splitlines() if re.search(r"\d+%", line)]
    assert {"zh-Hans", "ko", "hi", "pt-BR"} <= {row.split()[0] for row in rows}
    starts = {_columns(row[: re.search(r"\d+%", row).start()]) for row in rows}  # type: ignore[union-attr]
    assert len(starts) == 1, result.output


def test_language_codes_are_bcp_47_in_errors_and_reports() -> None:
    error = run("build", "-l", "xx", "breast").output
    assert "pt-BR (Português (Brasil))" in error and "pt_BR" not in error
    assert "zh-Hans" in error and "zh_Hans" not in error
    listed = run("list").output
    assert "pt-BR" in listed and "pt_BR" not in listed and "zh_Hans" not in listed
    checked = run("check").output
    labels = re.findall(r"\b([a-z]{2}(?:[-_][A-Za-z]+)?)/(?:breast|prostate)\b", checked)
    assert "pt-BR" in labels and "zh-Hans" in labels
    assert "pt_BR" not in labels and "zh_Hans" not in labels
