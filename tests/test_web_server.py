"""`leaflets serve` as a real process: waitress on 127.0.0.1, refusals, and a clean stop."""

from __future__ import annotations

import http.cookiejar
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from pypdf import PdfReader

from leaflets.web.renders import RenderPool
from mail_server import free_port
from web_support import web_app

LEAFLETS = str(Path(sys.executable).with_name("leaflets"))
ROOT = Path(__file__).resolve().parents[1]


#: A TMPDIR deeper than a Unix socket's path may be (107 bytes), as under `make test` or in a
#: deeply nested profile: the server must neither depend on a short one nor leave files in it.
DEEP = "a-temporary-folder-nested-deeply-enough-that-no-unix-socket-path-fits-in-it-" * 2


def _scratch(tmp_path: Path) -> Path:
    return tmp_path / "tmp" / DEEP


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAFLETS_WEB_")}
    scratch = _scratch(tmp_path)
    scratch.mkdir(parents=True, exist_ok=True)
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


def _start(tmp_path: Path, port: int, *args: str, **env: str) -> subprocess.Popen[bytes]:
    """`leaflets serve` in its own process group; returns once /healthz answers."""
    process = subprocess.Popen(
        [LEAFLETS, "serve", "--port", str(port), "-j", "1", *args],
        env=_env(tmp_path, **env),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    ends = time.monotonic() + 60
    while True:
        try:
            if _get(f"http://127.0.0.1:{port}/healthz")[2] == b"ok\n":
                return process
        except OSError:
            pass
        if time.monotonic() > ends or process.poll() is not None:
            os.killpg(process.pid, signal.SIGKILL)
            raise AssertionError(f"server did not start: {process.communicate()[0]!r}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes], how: signal.Signals = signal.SIGINT) -> str:
    process.send_signal(how)
    try:
        return process.communicate(timeout=30)[0].decode()
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_serve_on_loopback_then_stop_with_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    out = tmp_path / "out"
    process = _start(tmp_path, port, "-o", str(out))
    base = f"http://127.0.0.1:{port}"
    try:
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
        output = _stop(process)
    assert process.returncode == 0, output
    assert "Serving leaflets from" in output and output.rstrip().endswith("Stopped.")
    assert "Traceback" not in output
    # No access log: URLs with their query strings are never logged.
    assert "paper=letter" not in output
    # The render workers and their temporary files are gone.
    assert list(_scratch(tmp_path).iterdir()) == []


class _Desk:
    """A browser at one desk behind the clinic's proxy: cookies, and its own forwarded address."""

    def __init__(self, base: str, address: str) -> None:
        self.base, self.address = base, address
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {"X-Forwarded-For": self.address}
        try:
            with self.opener.open(
                urllib.request.Request(self.base + path, data=data, headers=headers), timeout=60
            ) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self, password: str) -> int:
        page = self.request("/signin")[1]
        token = re.search(
            r'id="sign-in-csrf" name="csrf_token" type="hidden" value="([^"]+)"', page
        )
        assert token, page
        return self.request("/signin", {"csrf_token": token.group(1), "password": password})[0]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_sign_in_and_lockout_behind_a_trusted_proxy_stop_with_sigterm(tmp_path: Path) -> None:
    """Through waitress: each desk is locked out on its own (X-Forwarded-For from the proxy)."""
    port = free_port()
    process = _start(
        tmp_path,
        port,
        "-o",
        str(tmp_path / "out"),
        LEAFLETS_WEB_PASSWORD="front desk 1",
        LEAFLETS_WEB_TRUSTED_PROXY="127.0.0.1",
    )
    base = f"http://127.0.0.1:{port}"
    try:
        desk, other = _Desk(base, "10.0.0.21"), _Desk(base, "10.0.0.22")
        assert desk.request("/")[0] == 302  # sign in first
        assert [desk.sign_in("wrong password") for _ in range(5)] == [401] * 5
        assert desk.sign_in("front desk 1") == 429  # locked out, even with the right one
        assert other.sign_in("front desk 1") == 303  # another desk is not
        status, page = other.request("/")
        assert status == 200 and 'id="sign-out"' in page
    finally:
        output = _stop(process, signal.SIGTERM)
    assert process.returncode == 0 and output.rstrip().endswith("Stopped."), output
    assert "front desk 1" not in output  # the password is never printed
    assert list(_scratch(tmp_path).iterdir()) == []


def test_a_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [LEAFLETS, "serve", "--port", str(port), "-o", str(tmp_path / "out")],
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert (
        f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr
    )
    assert list(_scratch(tmp_path).iterdir()) == []  # no render workers were left behind


def test_an_output_folder_that_cannot_be_made_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    out = tmp_path / "a-file" / "out"
    result = subprocess.run(
        [LEAFLETS, "serve", "--port", "1", "-o", str(out)],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert f"cannot use {out} as the output folder" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert not out.exists()


def test_a_killed_render_worker_is_replaced(tmp_path: Path) -> None:
    """A worker that dies (killed, out of memory) costs nobody a failed request."""
    pool = RenderPool(1)
    try:
        with web_app(tmp_path / "output", pool) as app:
            pool.warm_up()
            client = app.test_client()
            assert client.get("/fonts/kr.ttf").status_code == 200  # the worker is up
            [worker] = pool.worker_ids()
            os.kill(worker, signal.SIGKILL)
            response = client.get("/leaflets/en/breast.pdf")
            assert response.status_code == 200 and response.mimetype == "application/pdf"
            assert pool.worker_ids() and worker not in pool.worker_ids()
    finally:
        pool.close()


#: As `leaflets serve` sets up its logging; then three requests wait for a thread (this
#: dispatcher has none), as under a burst of requests, and waitress reports one real error.
QUEUED_REQUESTS = """
import logging
from waitress.task import ThreadedTaskDispatcher
from leaflets.web.server import configure_logging

class Waiting:
    def service(self): pass
    def cancel(self): pass

configure_logging()
dispatcher = ThreadedTaskDispatcher()
for _ in range(3):
    dispatcher.add_task(Waiting())
logging.getLogger("waitress").error("a real problem")
"""


def test_a_request_waiting_for_a_thread_is_not_logged() -> None:
    """Under load waitress would log "Task queue depth is N" once per queued request."""
    result = subprocess.run(
        [sys.executable, "-c", QUEUED_REQUESTS], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "Task queue depth" not in result.stderr
    assert "ERROR waitress: a real problem" in result.stderr  # its errors still show
