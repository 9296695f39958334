"""User-facing errors: one clear line each, never a traceback."""

from __future__ import annotations

import click


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


class Terminated(SystemExit):
    """SIGTERM arrived: unwind, so temporary files and folders are removed, then exit 143.

    A SystemExit, so that nothing on the way takes it for one leaflet's failure, and a forked
    worker that receives it exits quietly, without a traceback.
    """

    def __init__(self) -> None:
        super().__init__(143)
