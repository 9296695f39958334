"""What every request of one server shares: settings, render pool, files, choices, audit log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for

from leaflets.web.audit import AuditLog
from leaflets.web.choices import Choices
from leaflets.web.fonts import PageFonts
from leaflets.web.leaflet_files import LeafletFiles
from leaflets.web.renders import RenderPool
from leaflets.web.settings import ServeSettings


@dataclass(frozen=True)
class Server:
    """One running front desk."""

    settings: ServeSettings
    pool: RenderPool
    files: LeafletFiles
    choices: Choices
    audit: AuditLog
    fonts: PageFonts
    #: Why e-mail cannot be sent (settings missing or wrong); None when it can.
    mail_problem: str | None = None


def server() -> Server:
    """The server of the current request."""
    found: Server = current_app.extensions["leaflets"]
    return found


def link(endpoint: str, values: Mapping[str, str]) -> str:
    """``url_for`` with the values of a mapping (typed loosely, as Flask's own signature is)."""
    loose: dict[str, Any] = dict(values)
    return url_for(endpoint, **loose)
