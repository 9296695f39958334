"""A real `leaflets serve` process and a headless Chromium that drives it, for the browser tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from mail_server import free_port

ROOT = Path(__file__).resolve().parents[1]
LEAFLETS = str(Path(sys.executable).with_name("leaflets"))
AXE_JS = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"

#: Headless, and quiet: no sandbox (CI runs as root), no GPU, and nothing that phones home.
#: The resolver rule answers every host name with "not found" without asking DNS, so nothing
#: the browser does on its own (sign-in, updates, the default search engine) leaves the machine;
#: the tests only use 127.0.0.1, which needs no name.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--hide-scrollbars",
    "--window-size=1280,900",
    "--lang=en-US",
)


def missing_tool(what: str, hint: str) -> None:
    """Skip, unless `make` would have installed the tool (it runs as root, as CI does): fail."""
    if os.environ.get("CI") or os.geteuid() == 0:
        pytest.fail(f"{what} is missing although `make testdeps` installs it as root")
    pytest.skip(f"{what} is not installed: {hint}")


def chromium_paths() -> tuple[str, str]:
    """(browser, driver) from Debian's chromium and chromium-driver packages."""
    # The real binary, not the /usr/bin shell wrapper: the same flags on every machine.
    browser = "/usr/lib/chromium/chromium"
    if not os.access(browser, os.X_OK):
        browser = shutil.which("chromium") or ""
    driver = shutil.which("chromedriver") or ""
    if not (browser and driver):
        missing_tool("Chromium", "sudo apt-get install chromium chromium-driver")
    return browser, driver


def axe_source() -> str:
    """axe-core's script, as `make testdeps` installs it from tests/browser/package-lock.json."""
    if not AXE_JS.is_file():
        missing_tool("axe-core", "run `make testdeps` (needs npm)")
    return AXE_JS.read_text(encoding="utf-8")


@contextlib.contextmanager
def chromium(download_dir: Path) -> Iterator[webdriver.Chrome]:
    """A headless Chromium with its own throwaway profile; downloads go to ``download_dir``."""
    browser, driver = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options.add_argument(f"--user-data-dir={profile}")
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(download_dir),
            "download.prompt_for_download": False,
            "download.directory_upgrade": True,
            "safebrowsing.enabled": False,
        },
    )
    # The driver path is given, so Selenium Manager never runs; SE_OFFLINE makes sure of it.
    os.environ.setdefault("SE_OFFLINE", "true")
    service = Service(executable_path=driver, log_output=subprocess.DEVNULL)
    try:
        driver_session = webdriver.Chrome(service=service, options=options)
        try:
            yield driver_session
        finally:
            driver_session.quit()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def wait_for_file(folder: Path, suffix: str, timeout: float = 30.0) -> Path:
    """The first complete file in ``folder`` whose name ends with ``suffix``."""
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        partial = [p for p in folder.iterdir() if p.name.endswith(".crdownload")]
        if done and not partial:
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} file in {folder} after {timeout:.0f} s")


class LiveServer:
    """`leaflets serve` in its own process group, on a free loopback port."""

    def __init__(
        self, args: list[str], env: dict[str, str], log: Path, host: str = "127.0.0.1"
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [LEAFLETS, "serve", "--host", host, "--port", str(self.port), *args]
        self.env = {**os.environ, **env}
        self.process: subprocess.Popen[bytes] | None = None
        self.log = log

    def start(self, timeout: float = 60.0) -> LiveServer:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its render workers can be stopped with it
            )
        ends = time.monotonic() + timeout
        while time.monotonic() < ends:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"leaflets serve exited {self.process.returncode}:\n{self.output()}"
                )
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response,
            ):
                if response.read().strip() == b"ok":
                    return self
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"leaflets serve did not answer /healthz in {timeout:.0f} s")

    def output(self) -> str:
        """What the server printed so far."""
        return self.log.read_text(errors="replace")

    def stop(self) -> int | None:
        """Ctrl+C, as a person would stop it; then, if need be, the whole process group."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # Render workers that outlived the server would keep files open in the temp folders.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.returncode

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def http_status(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> int:
    """The status code of one request, without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
