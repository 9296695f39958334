"""Batch builds: incremental skips, parallel workers, failure isolation, shards, interruption."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import ROOT, edit_po, run
from leaflets.build import cache
from leaflets.build.batch import parse_shard, shard
from leaflets.build.matrix import Job
from leaflets.content.topics import load_topic
from leaflets.i18n.languages import po_path

LANGS = ["-l", "en", "-l", "es", "-l", "fr"]
#: Two topics keep the counts (and the build times) small, whatever topics the project has.
TOPICS = ["breast", "prostate"]


def _summary(output: str) -> str:
    return next(line for line in output.splitlines() if " built, " in line)


def _mtimes(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*.pdf")}


def test_unchanged_leaflets_are_skipped_without_rendering(project: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    assert _summary(run("build", *LANGS, *TOPICS, "-o", out, "-j", "2").output).startswith(
        "6 built"
    )
    before = _mtimes(tmp_path / "out")
    again = run("build", *LANGS, *TOPICS, "-o", out)
    assert _summary(again.output).startswith("0 built, 6 skipped, 0 failed")
    assert _mtimes(tmp_path / "out") == before
    forced = run("build", *LANGS, *TOPICS, "-o", out, "--force", "-j", "1")
    assert _summary(forced.output).startswith("6 built, 0 skipped")


def test_a_changed_catalog_rebuilds_only_its_language(project: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    run("build", *LANGS, *TOPICS, "-o", out)
    edit_po(po_path("es"), "References", msgstr="Fuentes")
    result = run("build", *LANGS, *TOPICS, "-o", out)
    assert _summary(result.output).startswith("2 built, 4 skipped")
    assert "out/es/breast.pdf  (" in result.output and "out/es/prostate.pdf  (" in result.output


def test_a_touched_topic_is_not_rebuilt_and_a_changed_byte_is(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run("build", "-l", "en", *TOPICS, "-o", str(out))
    source = project / "leaflets" / "topics" / "prostate.yaml"
    info = source.stat()
    os.utime(source, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))  # same bytes, new time
    load_topic.cache_clear()  # as a new process would
    touched = run("build", "-l", "en", *TOPICS, "-o", str(out))
    assert _summary(touched.output).startswith("0 built, 2 skipped")
    # One byte, the same size: the content decides, not the size or the time.
    text = source.read_bytes()
    assert text.count(b"title: Prostate calcifications") == 1
    source.write_bytes(text.replace(b"title: Prostate c", b"title: Prostate C"))
    load_topic.cache_clear()
    changed = run("build", "-l", "en", *TOPICS, "-o", str(out))
    assert _summary(changed.output).startswith("1 built, 1 skipped")
    pdf_text = PdfReader(out / "en" / "prostate.pdf").pages[0].extract_text()
    assert "Prostate Calcifications" in pdf_text


def test_a_damaged_pdf_is_rebuilt(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run("build", "-l", "en", *TOPICS, "-o", str(out))
    (out / "en" / "breast.pdf").write_bytes(b"%PDF-1.7 truncated")
    assert _summary(run("build", "-l", "en", *TOPICS, "-o", str(out)).output).startswith(
        "1 built, 1 skipped"
    )


def test_a_pdf_changed_in_place_with_its_size_and_time_kept_is_rebuilt(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run("build", "-l", "en", *TOPICS, "-o", str(out))
    pdf = out / "en" / "breast.pdf"
    info = pdf.stat()
    with pdf.open("r+b") as fh:  # the same inode, one byte, the same size
        fh.seek(info.st_size // 2)
        byte = fh.read(1)
        fh.seek(info.st_size // 2)
        fh.write(bytes([byte[0] ^ 0xFF]))
    os.utime(pdf, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert pdf.stat().st_mtime_ns == info.st_mtime_ns and pdf.stat().st_size == info.st_size
    result = run("build", "-l", "en", *TOPICS, "-o", str(out))
    assert _summary(result.output).startswith("1 built, 1 skipped")


def test_a_template_change_rebuilds_everything(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = str(tmp_path / "out")
    run("build", *LANGS, *TOPICS, "-o", out)
    templates = project / "templates"
    (templates / "leaflet.css").write_text((templates / "leaflet.css").read_text() + "\n/* */\n")
    monkeypatch.setattr(cache, "TEMPLATES_DIR", templates)
    cache._environment.cache_clear()
    try:
        assert _summary(run("build", *LANGS, *TOPICS, "-o", out).output).startswith("6 built")
    finally:
        cache._environment.cache_clear()


def test_a_failing_leaflet_does_not_stop_the_others(project: Path, tmp_path: Path) -> None:
    # A character the Latin font cannot draw passes the catalog checks and fails at render time.
    edit_po(po_path("es"), load_topic("breast").title, msgstr="Calcificaciones 漢")
    result = run("build", "-l", "en", "-l", "es", *TOPICS, "-o", str(tmp_path), "-j", "2")
    assert result.exit_code == 1
    assert "FAILED es/breast: the fonts for 'es' have no glyph for '漢' U+6F22" in result.output
    assert _summary(result.output).startswith("3 built, 0 skipped, 1 failed")
    assert not (tmp_path / "es" / "breast.pdf").exists()
    assert (tmp_path / "es" / "prostate.pdf").exists()


def test_one_and_two_workers_give_byte_identical_pdfs(tmp_path: Path) -> None:
    run("build", *LANGS, *TOPICS, "-o", str(tmp_path / "one"), "-j", "1")
    run("build", *LANGS, *TOPICS, "-o", str(tmp_path / "two"), "-j", "2")
    one = sorted((tmp_path / "one").rglob("*.pdf"))
    assert len(one) == 6
    for path in one:
        twin = tmp_path / "two" / path.relative_to(tmp_path / "one")
        assert path.read_bytes() == twin.read_bytes(), path


def test_shards_are_disjoint_and_cover_the_matrix() -> None:
    jobs = [Job(t, lang) for lang in ("ar", "en", "es", "fr", "zh_Hans") for t in ("a", "b", "c")]
    for n in (1, 2, 4, 7):
        slices = [shard(jobs, k, n) for k in range(1, n + 1)]
        flat = [job for part in slices for job in part]
        assert sorted(flat, key=str) == sorted(jobs, key=str)
        assert len(set(flat)) == len(flat)
        assert shard(list(reversed(jobs)), 1, n) == slices[0]  # deterministic
    with pytest.raises(ValueError, match="K/N"):
        parse_shard("3")
    with pytest.raises(ValueError, match="between 1 and N"):
        parse_shard("5/4")


def test_shard_option_builds_a_slice(tmp_path: Path) -> None:
    result = run("build", *LANGS, *TOPICS, "--shard", "2/3", "-o", str(tmp_path))
    assert result.exit_code == 0 and _summary(result.output).startswith("2 built")
    assert run("build", "--shard", "0/3").exit_code == 2


def test_html_option_writes_the_page_even_when_the_pdf_is_up_to_date(tmp_path: Path) -> None:
    page = tmp_path / "es" / "breast.html"
    assert _summary(run("build", "-l", "es", "breast", "-o", str(tmp_path)).output).startswith(
        "1 built"
    )
    assert not page.exists()
    # The PDF is up to date, but its page is missing: both are built.
    result = run("build", "-l", "es", "breast", "--html", "-o", str(tmp_path))
    assert _summary(result.output).startswith("1 built")
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'lang="es"' in html and "<style>" in html
    result = run("build", "-l", "es", "breast", "--html", "-o", str(tmp_path))
    assert _summary(result.output).startswith("0 built, 1 skipped")
    # A page edited by hand (or half written) is built again.
    page.write_text(html.replace("<style>", "<style>body { color: red }"), encoding="utf-8")
    result = run("build", "-l", "es", "breast", "--html", "-o", str(tmp_path))
    assert _summary(result.output).startswith("1 built")
    assert page.read_text(encoding="utf-8") == html  # the same bytes again


def test_sigkill_mid_build_leaves_only_valid_pdfs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "leaflets", "build", *TOPICS, "-o", str(out), "-j", "2"]
    # SIGKILL leaves the workers' folder behind (SECURITY.md): keep it inside tmp_path.
    (tmp_path / "tmp").mkdir()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp_path / "tmp")},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.rglob("*.pdf"))) < 4:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for pdf in out.rglob("*.pdf"):
        assert len(PdfReader(pdf).pages) >= 2, pdf  # every PDF present is complete
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    pdfs = list(out.rglob("*.pdf"))
    assert len(pdfs) == 22
    for pdf in pdfs:
        assert len(PdfReader(pdf).pages) >= 2, pdf


def test_two_builds_at_once_into_one_folder_both_succeed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "leaflets",
        "build",
        "-l",
        "en",
        "-l",
        "es",
        "-l",
        "ar",
        *TOPICS,
        "--force",
        "-j",
        "1",
        "-o",
        str(out),
    ]
    first = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE)
    second = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE)
    assert first.wait() == 0 and second.wait() == 0
    pdfs = sorted(out.rglob("*.pdf"))
    assert len(pdfs) == 6
    for pdf in pdfs:
        assert len(PdfReader(pdf).pages) >= 2, pdf
    assert not list(out.rglob("*.tmp"))
    again = run("build", "-l", "en", "-l", "es", "-l", "ar", *TOPICS, "-o", str(out))
    assert _summary(again.output).startswith("0 built, 6 skipped")  # records intact


@pytest.mark.parametrize("target", ["parent", "process group"])
def test_sigterm_mid_build_ends_cleanly(tmp_path: Path, target: str) -> None:
    temp = tmp_path / "tmp"  # the build's own temporary folder, to see what it leaves
    temp.mkdir()
    out = tmp_path / "out"
    command = [sys.executable, "-m", "leaflets", "build", "-o", str(out), "-j", "2"]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(temp)},
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(out.rglob("*.pdf")):
            time.sleep(0.05)
        assert list(temp.glob("leaflets-workers-*")), "the workers' folder exists mid-build"
        if target == "parent":
            os.kill(process.pid, signal.SIGTERM)  # as a service manager stops the main process
        else:
            os.killpg(process.pid, signal.SIGTERM)  # as `timeout` or a terminal hang-up does
        _, stderr = process.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # never leave a stray worker behind
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr and "Terminated; nothing half-written" in stderr
    assert list(temp.iterdir()) == []  # no leaflets-workers-* or font folder left
    assert not list(out.rglob("*.tmp"))
    for pdf in out.rglob("*.pdf"):
        assert len(PdfReader(pdf).pages) >= 2, pdf


def test_no_idle_workers(tmp_path: Path) -> None:
    # Two leaflets of one language are one piece of work: one process, however many are asked.
    result = run("build", "-l", "es", *TOPICS, "-o", str(tmp_path), "-j", "8")
    assert _summary(result.output).endswith("(1 worker)"), result.output
    result = run("build", "-l", "en", "-l", "fr", "breast", "-o", str(tmp_path), "-j", "8")
    assert _summary(result.output).endswith("(2 workers)"), result.output


def test_sigterm_caught_inside_a_weakref_callback_still_stops_quietly() -> None:
    # The race behind a rare "Exception ignored ... Traceback" on SIGTERM: the handler raised
    # inside a weakref callback, where Python prints the exception and goes on. The build's
    # unraisable hook sends the signal again, to be handled in ordinary code.
    code = """
import signal, sys, time, weakref
from leaflets.build import batch
from leaflets.errors import Terminated
signal.signal(signal.SIGTERM, batch._on_terminate)
sys.unraisablehook = batch._terminate_later
class Thing: pass
def callback(ref): batch._on_terminate(signal.SIGTERM, None)
thing = Thing()
ref = weakref.ref(thing, callback)
try:
    del thing
    for _ in range(100): time.sleep(0.01)  # ordinary code, for a second at most
    print("went on")
except Terminated:
    print("stopped")
"""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "stopped", done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "ignored" not in done.stderr, done.stderr
