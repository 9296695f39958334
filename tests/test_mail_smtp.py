"""The SMTP side of mail: a deadline against slow servers, IDNA domains, CA files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import mail_args, run, use_smtp_server
from mail_server import Inbox, SlowServer


@pytest.fixture
def slow_server(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SlowServer]:
    server = SlowServer(stall=request.param)
    server.start()
    use_smtp_server(monkeypatch, server.port, "none")
    yield server
    server.close()


@pytest.mark.parametrize("slow_server", ["greeting", "data"], indirect=True)
def test_a_server_that_dribbles_bytes_meets_the_deadline(
    slow_server: SlowServer, tmp_path: Path
) -> None:
    # One byte every 0.2 s never trips the 30 s read timeout; only the deadline can end it.
    args = ["--to", "a@example.org", "-l", "en", "-o", str(tmp_path), "--deadline", "1"]
    result = run("mail", "--allow-unapproved", *args, "breast")
    assert result.exit_code == 1, result.output
    assert "the server took longer than 1 s (--deadline); gave up" in result.output
    if slow_server.stall == "greeting":
        assert "cannot connect" in result.output and "nothing was sent" in result.output
    else:
        assert slow_server.received_data  # it stalled after the message went over
        assert "Run the same command again to retry." in result.output


def test_the_deadline_is_documented_in_help() -> None:
    result = run("mail", "--allow-unapproved", "--help")
    assert "--deadline SECONDS" in result.output


def test_a_non_ascii_domain_is_idna_encoded(inbox: Inbox, tmp_path: Path) -> None:
    result = run(*mail_args("jose@clínica.example", "es", tmp_path, "breast"))
    assert result.exit_code == 0, result.output
    assert "j***@xn--clnica-4va.example" in result.output
    (message,) = inbox.messages
    assert message["To"] == "jose@xn--clnica-4va.example"
    assert inbox.recipients == ["jose@xn--clnica-4va.example"]


def test_a_cafile_that_is_not_pem_is_one_clear_line(
    tls_inbox: Inbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "not-a-ca.pem"
    bad.write_text("this is not a certificate\n")
    monkeypatch.setenv("LEAFLETS_SMTP_CAFILE", str(bad))
    result = run(*mail_args("b@example.org", "en", tmp_path, "breast"))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: LEAFLETS_SMTP_CAFILE={bad}: cannot load CA cert")
    assert len(result.output.strip().splitlines()) == 1
    assert tls_inbox.messages == []
    assert not list(tmp_path.rglob("*.pdf"))  # refused before anything was built
