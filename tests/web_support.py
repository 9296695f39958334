"""Helpers for the web tests: an app with its own render pool and output folder."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from leaflets.web.app import create_app
from leaflets.web.renders import RenderPool
from leaflets.web.settings import ServeSettings, mail_environment


@contextlib.contextmanager
def web_app(out_dir: Path, pool: RenderPool, **settings: object) -> Iterator[Flask]:
    """An app on ``out_dir`` (mail settings from the environment as it is now)."""
    settings.setdefault("mail_env", mail_environment())
    app = create_app(ServeSettings(out_dir=out_dir, **settings), pool)  # type: ignore[arg-type]
    yield app


def csrf_token(client: FlaskClient, url: str, form_id: str = "mail-csrf") -> str:
    """The CSRF token of a form on a page, as a browser would find it."""
    page = client.get(url).get_data(as_text=True)
    found = re.search(rf'id="{form_id}" name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found, f"no {form_id} on {url}"
    return found.group(1)


class Controls(HTMLParser):
    """Every form control of a page and every label's target, to check that each is labelled."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()
        self.inline: list[str] = []
        self.lang_spans: list[tuple[str, str]] = []
        self._span_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("input", "select", "textarea") and found.get("type") != "hidden":
            self.controls.append(found)
        if tag == "label" and found.get("for"):
            self.labelled.add(str(found["for"]))
        if "style" in found or any(name.startswith("on") for name in found):
            self.inline.append(tag)
        if tag == "script" and not found.get("src"):
            self.inline.append("script")
        if tag == "style":
            self.inline.append("style")
        self._span_lang = found.get("lang") if tag == "span" else None

    def handle_data(self, data: str) -> None:
        if self._span_lang and data.strip():
            self.lang_spans.append((self._span_lang, data.strip()))
            self._span_lang = None


def parse(page: str) -> Controls:
    """Parse a page."""
    controls = Controls()
    controls.feed(page)
    return controls
