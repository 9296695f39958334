"""The mail form of leaflets serve against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import session
from flask_wtf.csrf import generate_csrf
from pypdf import PdfReader

from conftest import attachments, pdf_text
from leaflets.web.renders import RenderPool
from mail_server import Inbox
from web_support import csrf_token, web_app

PAGE = "/?topic=breast&lang=es"


@pytest.fixture(scope="module")
def pool() -> Iterator[RenderPool]:
    workers = RenderPool(1)
    yield workers
    workers.close()


def ours(caplog: pytest.LogCaptureFixture) -> str:
    """What the app and its server logged (not the test's SMTP server)."""
    names = ("leaflets", "waitress", "flask", "werkzeug")
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(names))


def _form(token: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": token, "topic": "breast", "lang": "es", **fields}


def test_staff_mail_a_personal_leaflet(
    inbox: Inbox, pool: RenderPool, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "output"
    follow_up = dt.date.today() + dt.timedelta(days=90)
    with web_app(out, pool, allow_unapproved=True) as app:
        client = app.test_client()
        token = csrf_token(client, PAGE)
        with caplog.at_level(logging.INFO):
            response = client.post(
                "/mail",
                data=_form(
                    token, email="jane.doe@example.org", name="Jane", follow_up=str(follow_up)
                ),
            )
        assert response.status_code == 303, response.get_data(as_text=True)
        assert response.headers["Location"] == PAGE
        assert "E-mailed to j***@example.org." in client.get(PAGE).get_data(as_text=True)
    assert inbox.recipients == ["jane.doe@example.org"]
    message = inbox.messages[0]
    assert message["Content-Language"] == "es"
    [(name, data)] = attachments(message)
    assert name == "Calcificaciones mamarias.pdf"
    reader = PdfReader(io.BytesIO(data))
    assert reader.trailer["/Root"]["/Lang"] == "es"
    assert str(follow_up.year) in pdf_text(data)  # the personal follow-up date is printed
    # The personal leaflet was rendered in memory only: nothing written for it.
    assert not list(out.rglob("*.pdf"))
    audit = out.with_name("output.audit.jsonl").read_text()
    [entry] = [json.loads(line) for line in audit.splitlines()]
    assert entry["action"] == "mail" and entry["to"] == "j***@example.org"
    assert entry["topic"] == "breast" and entry["lang"] == "es"
    for text in (audit, ours(caplog)):
        assert "jane.doe" not in text and "Jane" not in text and str(follow_up) not in text


def test_mail_is_refused_for_an_unapproved_leaflet(
    inbox: Inbox, pool: RenderPool, tmp_path: Path
) -> None:
    """The same rule as `leaflets mail`: without the explicit override, nothing is sent."""
    with web_app(tmp_path / "output", pool) as app:
        client = app.test_client()
        page = client.get(PAGE).get_data(as_text=True)
        assert 'id="mail-off"' in page and 'id="mail-form"' not in page
        # A hand-made POST with a valid token is refused too.
        with app.test_request_context():
            token = generate_csrf()
            raw = session["csrf_token"]
        with client.session_transaction() as saved:
            saved["csrf_token"] = raw
        response = client.post("/mail", data=_form(token, email="jane@example.org"))
        assert response.status_code == 400
        assert "not approved for patient use here" in response.get_data(as_text=True)
    assert inbox.messages == []


def test_bad_patient_details_are_shown_to_staff_and_nothing_is_sent(
    inbox: Inbox, pool: RenderPool, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with web_app(tmp_path / "output", pool, allow_unapproved=True) as app:
        client = app.test_client()
        token = csrf_token(client, PAGE)
        with caplog.at_level(logging.INFO):
            response = client.post(
                "/mail",
                data=_form(token, email="not-an-address", name="A\nB", follow_up="2001-01-01"),
            )
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "That is not an e-mail address that can be used" in page
        assert "Write the name on one line." in page
        assert "That date is in the past." in page
        assert 'aria-invalid="true"' in page
        assert "not-an-address" not in ours(caplog)
    assert inbox.messages == []
    assert not (tmp_path / "output.audit.jsonl").exists()


def test_mail_without_smtp_settings_says_so(
    pool: RenderPool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LEAFLETS_SMTP_HOST", "LEAFLETS_MAIL_FROM"):
        monkeypatch.delenv(name, raising=False)
    with web_app(tmp_path / "output", pool, allow_unapproved=True) as app:
        page = app.test_client().get(PAGE).get_data(as_text=True)
        assert "E-mail is not set up on this server." in page
        assert 'id="mail-form"' not in page


def test_the_mail_form_is_rate_limited(inbox: Inbox, pool: RenderPool, tmp_path: Path) -> None:
    """10 e-mail forms a minute from one address; every try counts, sent or not."""
    with web_app(tmp_path / "output", pool, allow_unapproved=True) as app:
        client = app.test_client()
        token = csrf_token(client, PAGE)
        tries = [client.post("/mail", data=_form(token, email="x")).status_code for _ in range(10)]
        assert tries == [400] * 10
        limited = client.post("/mail", data=_form(token, email="jane@example.org"))
        assert limited.status_code == 429
        assert "Too many e-mails from this computer" in limited.get_data(as_text=True)
        assert "Retry-After" in limited.headers
    assert inbox.messages == []
