"""Shared command-line pieces: shell completion, --debug on every command, aligned columns."""

from __future__ import annotations

import unicodedata

import click
from click.shell_completion import CompletionItem

from leaflets.content.topics import available_topics
from leaflets.i18n.languages import available_languages, bcp47, native_name

DEBUG_HELP = "Show a traceback on errors."


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
