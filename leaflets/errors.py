"""User-facing errors: one clear line each, never a traceback."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails


class LeafletsError(click.ClickException):
    """A mistake in input or environment the user can fix; exit status 1."""

    exit_code = 1


class ContentError(LeafletsError):
    """A topic file is malformed or inconsistent."""


class CatalogError(LeafletsError):
    """A translation catalog is missing, broken or incomplete."""


class RenderError(LeafletsError):
    """A leaflet could not be rendered safely (blocked URL, missing glyph...)."""


class UsageError(click.UsageError):
    """An unknown topic or language on the command line; exit status 2."""


class MailError(LeafletsError):
    """A mail setting, recipient, batch or send log is wrong, or the server failed."""


def validation_problem(err: ErrorDetails, unknown_key: str) -> str:
    """One pydantic validation error in plain words; ``unknown_key`` says what to do about one."""
    kind = err["type"]
    if kind == "extra_forbidden":
        return unknown_key
    if kind == "missing":
        return "required key is missing"
    return str(err["msg"]).removeprefix("Value error, ")


class Terminated(SystemExit):
    """SIGTERM arrived: unwind, so temporary files and folders are removed, then exit 143.

    A SystemExit, so that nothing on the way takes it for one leaflet's failure, and a forked
    worker that receives it exits quietly, without a traceback.
    """

    def __init__(self) -> None:
        super().__init__(143)
