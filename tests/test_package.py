"""The package as pip sees it: sdist and wheel, their contents and metadata, an installed copy."""

from __future__ import annotations

import email
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]


def _hatchling(source: Path, target: str, out: Path) -> Path:
    """Build one artifact of ``source`` with the project's build backend; its path."""
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", target, "-d", str(out)],
        cwd=source,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (artifact,) = out.iterdir()
    return artifact


def _contents(wheel: Path) -> dict[str, str]:
    """Each file of a wheel with the SHA-256 of its bytes (not of zip timestamps)."""
    with zipfile.ZipFile(wheel) as archive:
        return {n: hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()}


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist, a wheel from its clean tree, and one from the same tree after use."""
    tmp = tmp_path_factory.mktemp("package")
    sdist = _hatchling(ROOT, "sdist", tmp / "sdist")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp / "unpacked", filter="data")
    (clean,) = (tmp / "unpacked").iterdir()
    used = shutil.copytree(clean, tmp / "used")
    # What a working tree collects: compiled catalogs (older versions wrote them), byte code,
    # build output and its cache.
    for path in [
        "translations/es/LC_MESSAGES/messages.mo",
        "leaflets/__pycache__/cli.cpython-311.pyc",
        "leaflets/mail/__pycache__/compose.cpython-311.pyc",
        "templates/__pycache__/stray.cpython-311.pyc",
        "output/en/breast.pdf",
        "output/.leaflets-cache/en-breast.json",
        "leaflets/.leaflets-cache/x.json",
    ]:
        (used / path).parent.mkdir(parents=True, exist_ok=True)
        (used / path).write_bytes(b"stray")
    return {
        "sdist": sdist,
        "clean": _hatchling(clean, "wheel", tmp / "wheel-clean"),
        "used": _hatchling(used, "wheel", tmp / "wheel-used"),
    }


def test_the_wheel_is_the_same_from_a_clean_and_a_used_tree(artifacts: dict[str, Path]) -> None:
    clean, used = _contents(artifacts["clean"]), _contents(artifacts["used"])
    record = next(name for name in clean if name.endswith(".dist-info/RECORD"))
    assert {n: h for n, h in used.items() if n != record} == {
        n: h for n, h in clean.items() if n != record
    }
    for name in clean:
        assert not name.endswith((".mo", ".pyc")) and "__pycache__" not in name, name
        assert not name.startswith("output/") and ".leaflets-cache" not in name, name
    assert "leaflets/_data/translations/es/LC_MESSAGES/messages.po" in clean
    assert "leaflets/_data/templates/leaflet.html.j2" in clean
    # Every module of every subpackage (a stage named like an ignored folder, build/, included).
    modules = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "leaflets").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert "leaflets/build/matrix.py" in modules and not modules - set(clean), modules - set(clean)


def test_license_and_metadata_are_in_the_sdist_and_the_wheel(artifacts: dict[str, Path]) -> None:
    license_text = (ROOT / "LICENSE").read_text()
    assert license_text.startswith("MIT License")
    with zipfile.ZipFile(artifacts["clean"]) as wheel:
        names = wheel.namelist()
        (licence,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert wheel.read(licence).decode() == license_text
        metadata = email.message_from_bytes(
            wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
        )
    with tarfile.open(artifacts["sdist"]) as sdist:
        (member,) = [m for m in sdist.getnames() if m.endswith("/LICENSE")]
        assert sdist.extractfile(member).read().decode() == license_text  # type: ignore[union-attr]
    assert metadata["License-Expression"] == "MIT"
    assert "patient information" in metadata["Keywords"]
    classifiers = metadata.get_all("Classifier") or []
    assert "Intended Audience :: Healthcare Industry" in classifiers
    assert "Natural Language :: Hindi" in classifiers
    requires = metadata.get_all("Requires-Dist") or []
    runtime = [r for r in requires if "extra ==" not in r]
    assert "weasyprint<71,>=70" in runtime
    assert runtime and not [r for r in runtime if "==" in r]  # ranges, so it co-installs


def test_the_lock_files_pin_every_requirement_with_hashes() -> None:
    for lock in ("requirements.lock", "requirements-dev.lock"):
        text = (ROOT / lock).read_text()
        pins = [line for line in text.splitlines() if line[:1].isalpha()]
        assert pins and all("==" in pin for pin in pins), lock
        assert text.count("--hash=sha256:") >= len(pins), lock
    runtime = (ROOT / "requirements.lock").read_text()
    assert "weasyprint==70.0 " in runtime and "pytest==" not in runtime
    assert "pytest==" in (ROOT / "requirements-dev.lock").read_text()


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
    }


def test_an_installed_read_only_copy_builds_and_writes_nothing_into_itself(
    artifacts: dict[str, Path], tmp_path: Path
) -> None:
    site, wheel = tmp_path / "site", str(artifacts["clean"])
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), wheel],
        check=True,
        capture_output=True,
        timeout=300,
    )
    for path in [site, *site.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    before = _snapshot(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import leaflets; print(leaflets.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(site))  # the installed copy, not the source tree
    result = subprocess.run(
        [sys.executable, "-m", "leaflets", "build", "-l", "es", "breast", "-o", "out"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert PdfReader(tmp_path / "out" / "es" / "breast.pdf").trailer["/Root"]["/Lang"] == "es"
    assert _snapshot(site) == before  # no compiled catalog or cache in the install
    for path in [site, *site.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)  # so that pytest can remove it
