"""`leaflets serve` as a real process: waitress on 127.0.0.1, refusals, and a clean stop."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from pypdf import PdfReader

from mail_server import free_port

LEAFLETS = str(Path(sys.executable).with_name("leaflets"))
ROOT = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAFLETS_WEB_")}
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    return {**env, "TMPDIR": str(scratch), **extra}


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({}, ["--host", "0.0.0.0"], "refusing to listen on 0.0.0.0: set LEAFLETS_WEB_PASSWORD"),
        ({}, ["--host", "192.0.2.10"], "refusing to listen on 192.0.2.10"),
        (
            {"LEAFLETS_WEB_PASSWORD": "short"},
            ["--host", "0.0.0.0"],
            "LEAFLETS_WEB_PASSWORD must be at least 8 characters",
        ),
        (
            {"LEAFLETS_WEB_SECRET_KEY": "too short"},
            [],
            "LEAFLETS_WEB_SECRET_KEY must be at least 32 characters",
        ),
    ],
)
def test_serve_refuses_to_start_unsafely(
    tmp_path: Path, env: dict[str, str], args: list[str], message: str
) -> None:
    result = subprocess.run(
        [LEAFLETS, "serve", "--port", str(free_port()), "-o", str(tmp_path / "out"), *args],
        env=_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_serve_on_loopback_then_stop_with_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    out = tmp_path / "out"
    process = subprocess.Popen(
        [LEAFLETS, "serve", "--port", str(port), "-o", str(out), "-j", "1"],
        env=_env(tmp_path),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        ends = time.monotonic() + 60
        while True:
            try:
                if _get(f"{base}/healthz")[2] == b"ok\n":
                    break
            except OSError:
                pass
            assert time.monotonic() < ends and process.poll() is None, "server did not start"
            time.sleep(0.2)
        status, headers, body = _get(f"{base}/leaflets/es/breast.pdf?paper=letter&size=large")
        assert status == 200 and headers["Content-Type"] == "application/pdf"
        assert headers["Content-Disposition"] == 'inline; filename="Calcificaciones mamarias.pdf"'
        assert PdfReader(io.BytesIO(body)).trailer["/Root"]["/Lang"] == "es"
        assert (out / "es" / "breast-letter-large.pdf").read_bytes() == body
        status, headers, body = _get(f"{base}/")
        assert status == 200 and headers["Server"] == "leaflets"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert _get(f"{base}/leaflets/es/breast.pdf?paper=a3")[0] == 400
        assert _get(f"{base}/leaflets/xx/breast.pdf")[0] == 404
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=30)[0].decode()
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, output
    assert "Serving leaflets from" in output and output.rstrip().endswith("Stopped.")
    assert "Traceback" not in output
    # No access log: URLs with their query strings are never logged.
    assert "paper=letter" not in output
    # The render workers and their temporary files are gone.
    assert list((tmp_path / "tmp").iterdir()) == []
