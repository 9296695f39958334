"""Shared command-line pieces: common options, shell completion, --debug everywhere, columns."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from click.shell_completion import CompletionItem

from leaflets.content.models import DEFAULT_BRAND, Brand
from leaflets.content.topics import available_topics
from leaflets.i18n.languages import available_languages, bcp47, native_name

DEBUG_HELP = "Show a traceback on errors."

Command = TypeVar("Command", bound=Callable[..., Any])
#: Option types for a file and for a folder, passed on as a Path.
FILE = click.Path(dir_okay=False, path_type=Path)
FOLDER = click.Path(file_okay=False, path_type=Path)


def output_option(help_text: str, default: Path = Path("output")) -> Callable[[Command], Command]:
    """-o: the folder a command writes to, or (mail) takes built leaflets from."""
    return click.option(
        "--output", "-o", "out_dir", type=FOLDER, default=default, show_default=True, help=help_text
    )


def brand_option(help_text: str) -> Callable[[Command], Command]:
    """--brand FILE, passed on as ``brand_file`` (None without it)."""
    return click.option("--brand", "brand_file", type=FILE, help=help_text)


def language_option(help_text: str) -> Callable[[Command], Command]:
    """--lang/-l for one language, passed on as ``lang`` (None without it)."""
    return click.option(
        "--lang",
        "-l",
        "lang",
        metavar="LANG",
        shell_complete=complete_languages,
        help=help_text,
    )


def seconds_option(flag: str, default: int, help_text: str) -> Callable[[Command], Command]:
    """A time limit in whole seconds, at least 1."""
    return click.option(
        flag,
        type=click.IntRange(min=1),
        default=default,
        show_default=True,
        metavar="SECONDS",
        help=help_text,
    )


def load_brand_option(brand_file: Path | None) -> Brand:
    """The brand of a --brand option; the built-in example brand without one."""
    if brand_file is None:
        return DEFAULT_BRAND
    from leaflets.content.brand import load_brand  # colour maths only when a brand file is used

    return load_brand(brand_file)


def complete_languages(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Language codes (BCP 47) that start with what was typed, with their names."""
    typed = incomplete.lower().replace("_", "-")
    return [
        CompletionItem(bcp47(lang), help=native_name(lang))
        for lang in available_languages()
        if bcp47(lang).lower().startswith(typed)
    ]


def complete_topics(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Topic names that start with what was typed and are not given yet."""
    given = set(ctx.params.get(param.name or "") or ())
    return [
        CompletionItem(name)
        for name in available_topics()
        if name.startswith(incomplete) and name not in given
    ]


def accept_debug_everywhere(group: click.Group) -> None:
    """Let ``--debug`` stand after any command name too (``main`` reads it from argv)."""
    for command in group.commands.values():
        if not any(param.name == "debug" for param in command.params):
            command.params.append(
                click.Option(["--debug"], is_flag=True, expose_value=False, help=DEBUG_HELP)
            )
        if isinstance(command, click.Group):
            accept_debug_everywhere(command)


def display_width(text: str) -> int:
    """Terminal columns: 2 for wide East Asian characters, 0 for combining marks and format
    characters (a Devanagari virama, a zero-width joiner), else 1."""
    width = 0
    for char in text:
        if unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def pad(text: str, width: int) -> str:
    """``text`` followed by spaces up to ``width`` terminal columns."""
    return text + " " * max(0, width - display_width(text))
