"""The command line: paths, exit codes, refusals and clear one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, edit_po, run
from leaflets.content.topics import load_topic
from leaflets.i18n.languages import po_path

#: Every topic file in the package, as the error for an unknown topic must list them.
TOPICS = sorted(path.stem for path in (ROOT / "leaflets" / "topics").glob("*.yaml"))


def test_build_one_leaflet_prints_its_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("build", "--lang", "es", "breast")
    assert result.exit_code == 0, result.output
    assert "output/es/breast.pdf" in result.output
    assert (tmp_path / "output" / "es" / "breast.pdf").stat().st_size > 10_000
    assert not list((tmp_path / "output").rglob("*.tmp"))


def test_list_shows_topics_and_native_language_names() -> None:
    result = run("list")
    assert result.exit_code == 0
    assert "Breast calcifications" in result.output
    assert "Español" in result.output and "100%" in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["build", "knee"], "choose from: " + ", ".join(TOPICS)),
        (["build", "-l", "xx", "breast"], "es (Español)"),
    ],
)
def test_unknown_topic_or_language_exits_2_and_lists_valid(args: list[str], expected: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert expected in result.output


def test_fuzzy_string_refuses_the_leaflet_and_names_it(catalogs: Path, tmp_path: Path) -> None:
    title = load_topic("breast").title
    edit_po(po_path("es"), title, fuzzy=True)
    result = run("build", "-l", "es", "-o", str(tmp_path))
    assert result.exit_code == 1
    assert f"fuzzy: {title!r}" in result.output
    assert "es/breast" in result.output
    assert not list(tmp_path.rglob("*.pdf"))  # nothing written, not even the prostate leaflet


def test_default_languages_skip_incomplete_catalogs(catalogs: Path, tmp_path: Path) -> None:
    edit_po(po_path("es"), load_topic("prostate").title, msgstr="")
    result = run("build", "prostate", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "skipped es" in result.output
    assert (tmp_path / "en" / "prostate.pdf").exists()
    assert not (tmp_path / "es").exists()


def test_broken_topic_gives_one_line_with_file_and_line(topics_dir: Path, tmp_path: Path) -> None:
    path = topics_dir / "breast.yaml"
    path.write_text(path.read_text().replace("title: Breast", "titel: Breast", 1))
    result = run("build", "-l", "en", "-o", str(tmp_path))
    assert result.exit_code == 1
    line = (
        path.read_text()
        .splitlines()
        .index(next(t for t in path.read_text().splitlines() if t.startswith("titel:")))
        + 1
    )
    assert f"{path}:{line}: titel: unknown key" in result.output
    assert not list(tmp_path.rglob("*.pdf"))


def test_module_entry_point_and_no_traceback() -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "leaflets", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert ok.returncode == 0 and "build" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "leaflets", "build", "-l", "klingon"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert "unknown language 'klingon'" in bad.stderr


def test_unwritable_output_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run("build", "-l", "en", "breast", "-o", str(blocker / "out"))
    assert result.exit_code == 1
    assert "cannot write output" in result.output
