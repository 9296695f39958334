"""Document control through the real command line: versions.toml, record-version, codes."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import ROOT, pdf_text, run, squash
from leaflets.content import topics
from leaflets.content.topics import load_topic, topic_path
from leaflets.i18n import languages


def edit_topic(name: str, old: str, new: str) -> int:
    """Change a scratch topic file; return the line of its ``version:`` key."""
    path = topic_path(name)
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    topics.load_topic.cache_clear()
    languages.topic_messages.cache_clear()
    return 1 + next(i for i, t in enumerate(new_lines(path)) if t.startswith("version:"))


def new_lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines()


def test_changed_content_needs_a_new_recorded_version(project: Path) -> None:
    versions = project / "leaflets" / "topics" / "versions.toml"
    topic = load_topic("breast")
    old, new = topic.version, topic.version + 1
    assert run("check").exit_code == 0
    line = edit_topic("breast", "2013;5(1):63-74", "2013;5(1):63-75")
    result = run("check")
    assert result.exit_code == 1
    assert (
        f"error   {line:>5}  the content changed since version {old} was recorded; "
        f"set `version: {new}`, then run `leaflets record-version breast`"
    ) in result.output
    # Recording the same version number again is refused; nothing is written.
    before = versions.read_bytes()
    refused = run("record-version", "breast")
    assert refused.exit_code == 1 and f"the content changed since version {old}" in refused.output
    assert versions.read_bytes() == before
    # Bump, then record: a warning until it is recorded, then clean.
    edit_topic("breast", f"version: {old}", f"version: {new}")
    result = run("check")
    assert result.exit_code == 0
    assert f"version {new} is not recorded yet" in result.output
    recorded = run("record-version", "breast")
    assert recorded.exit_code == 0, recorded.output
    assert f"breast {topic.code} version {new}: recorded" in recorded.output
    assert "prostate" not in recorded.output
    assert "already recorded" in run("record-version", "breast").output
    assert run("check").exit_code == 0
    text = versions.read_text("utf-8")
    assert text.startswith(before.decode("utf-8"))  # appended: the history stays
    assert text.count("[[version]]") == before.decode("utf-8").count("[[version]]") + 1


def test_going_back_a_version_or_changing_the_code_is_an_error(project: Path) -> None:
    code = load_topic("breast").code
    other = code.rsplit("-", 1)[0] + "-99"
    edit_topic("breast", f"code: {code}", f"code: {other}")
    assert f"code changed from {code} to {other}" in run("check").output
    edit_topic("breast", f"code: {other}", f"code: {code}")
    old = load_topic("prostate").version
    edit_topic("prostate", f"version: {old}", f"version: {old + 1}")
    assert run("record-version", "prostate").exit_code == 0
    edit_topic("prostate", f"version: {old + 1}", f"version: {old}")
    result = run("check")
    assert result.exit_code == 1
    assert f"version {old} is older than recorded version {old + 1}" in result.output


def test_approve_refuses_content_changed_without_a_new_version(
    project: Path, tmp_path: Path
) -> None:
    shutil.copytree(ROOT / "docs" / "examples" / "riverside", tmp_path / "clinic")
    version = load_topic("breast").version
    edit_topic("breast", "2013;5(1):63-74", "2013;5(1):63-75")
    brand = str(tmp_path / "clinic" / "riverside.toml")
    result = run("approve", "breast", "--brand", brand, "--by", "Dr A", "--role", "GP")
    assert result.exit_code == 1
    assert f"breast: the content changed since version {version} was recorded" in result.output
    assert not (tmp_path / "clinic" / "approvals.toml").exists()


def test_broken_versions_file_names_its_line(project: Path) -> None:
    versions = project / "leaflets" / "topics" / "versions.toml"
    lines = versions.read_text("utf-8").splitlines()
    number = next(i for i, t in enumerate(lines, 1) if t.startswith("version = "))
    lines[number - 1] = 'version = "one"'
    versions.write_text("\n".join(lines) + "\n", "utf-8")
    result = run("check")
    assert result.exit_code == 1
    assert f"error   {number:>5}  version.0.version: Input should be a valid integer" in (
        result.output
    )


def test_a_brand_prints_its_own_code_prefix(tmp_path: Path) -> None:
    folder = tmp_path / "clinic"
    shutil.copytree(ROOT / "docs" / "examples" / "riverside", folder)
    brand = folder / "riverside.toml"
    brand.write_text(brand.read_text("utf-8") + 'code_prefix = "RBI"\n', "utf-8")
    result = run("build", "-o", str(tmp_path / "out"), "--brand", str(brand), "-l", "en", "breast")
    assert result.exit_code == 0, result.output
    text = squash(pdf_text(tmp_path / "out" / "riverside" / "en" / "breast-letter.pdf"))
    topic = load_topic("breast")
    assert squash(f"RBI-{topic.code} · version {topic.version}") in text
    brand.write_text(brand.read_text("utf-8").replace('"RBI"', '"rbi"'), "utf-8")
    bad = run("build", "-o", str(tmp_path / "out"), "--brand", str(brand), "-l", "en", "breast")
    assert bad.exit_code == 1 and "code_prefix" in bad.output
