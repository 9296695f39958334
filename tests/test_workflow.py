"""Translator workflow and quality gates: i18n commands, status, check, stale translations."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import write_po

from conftest import edit_po, run
from leaflets.content.models import CITATION_RE, DEFAULT_BRAND, brand_settings
from leaflets.content.topics import available_topics, load_topic
from leaflets.i18n import catalog_tools
from leaflets.i18n.languages import load_po, po_path, provenance, read_catalog, template_path
from leaflets.lint import run_checks

BREAST = load_topic("breast")
TITLE = BREAST.title
#: The first paragraph the default brand prints in the breast leaflet with a number in it.
PARAGRAPH = next(
    text
    for path, text in BREAST.variant(brand_settings(DEFAULT_BRAND)).texts()
    if path[-1] == "paragraph" and re.search(r"\d", CITATION_RE.sub("", text))
)


def test_extract_twice_leaves_the_template_byte_identical(project: Path) -> None:
    catalog_tools.extract()
    before = template_path().read_bytes()
    assert catalog_tools.extract() is False
    assert template_path().read_bytes() == before
    assert run("i18n", "extract").output.endswith("unchanged\n")


def test_init_creates_a_catalog_with_plural_forms_and_provenance(project: Path) -> None:
    result = run("i18n", "init", "it", "--translated-by", "Studio Rossi")
    assert result.exit_code == 0, result.output
    catalog = load_po("it")
    assert catalog.num_plurals == 2
    assert provenance("it").status == "unreviewed"
    assert provenance("it").translated_by == "Studio Rossi"
    assert all(not m.string for m in catalog if m.id)
    assert run("i18n", "init", "it").exit_code == 1  # exists already
    assert run("i18n", "init", "xx-klingon").exit_code == 2


def test_init_arabic_gets_the_cldr_plural_rule(project: Path) -> None:
    po_path("ar").unlink()
    catalog_tools.init("ar", "test")
    forms = dict(load_po("ar").mime_headers)["Plural-Forms"]
    assert "n%100>=11 ? 4 : 5" in forms and "nplurals=6" in forms


def _replace_paragraph(topic_file: Path, old: str, new: str) -> None:
    """Put ``new`` in place of the paragraph ``old``, however the file wraps its lines."""
    pattern = r"\s+".join(re.escape(word) for word in old.split())
    text, count = re.subn(pattern, lambda _: new, topic_file.read_text(encoding="utf-8"))
    assert count == 1, old
    topic_file.write_text(text, encoding="utf-8")


def test_stale_translation_never_prints(project: Path, tmp_path: Path) -> None:
    changed = PARAGRAPH + " Ask your doctor if anything is unclear."
    _replace_paragraph(project / "leaflets" / "topics" / "breast.yaml", PARAGRAPH, changed)
    assert run("i18n", "extract").exit_code == 0
    result = run("i18n", "update", "es")
    assert "1 new string(s), 1 marked fuzzy" in result.output
    entry = load_po("es")[changed]
    assert entry.fuzzy and entry.string  # the old translation, for the translator to fix
    assert PARAGRAPH in {m.id for m in load_po("es").obsolete.values()}  # kept as #~
    out = tmp_path / "out"
    refused = run("build", "-l", "es", "breast", "-o", str(out))
    assert refused.exit_code == 1
    assert f"fuzzy: {changed[:60]!r}" in refused.output
    assert not out.exists()
    edit_po(po_path("es"), changed, fuzzy=False)  # the translator confirms it
    assert run("build", "-l", "es", "breast", "-o", str(out)).exit_code == 0


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext's msgfmt is not installed")
def test_updated_catalogs_are_valid_for_gnu_gettext(project: Path) -> None:
    topic_file = project / "leaflets" / "topics" / "breast.yaml"
    _replace_paragraph(
        topic_file, PARAGRAPH, PARAGRAPH + " Ask your doctor if anything is unclear."
    )
    catalog_tools.extract()
    catalog_tools.update("es")
    check = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(po_path("es"))], capture_output=True
    )
    assert check.returncode == 0, check.stderr


def test_update_without_fuzzy_guessing_leaves_new_template_strings_untranslated(
    project: Path,
) -> None:
    template = project / "templates" / "leaflet.html.j2"
    template.write_text(template.read_text().replace("Common questions", "Common questions?"))
    catalog_tools.extract()
    assert catalog_tools.update("es") == (1, 0)
    assert not load_po("es")["Common questions?"].string


def test_compile_leaves_fuzzy_entries_out(project: Path) -> None:
    edit_po(po_path("es"), TITLE, fuzzy=True)
    result = run("i18n", "compile", "es")
    assert "messages.po: compiles  (1 fuzzy entries left out)" in result.output
    assert not list(project.rglob("*.mo"))  # compiled in memory only
    from leaflets.i18n.languages import compile_catalog

    assert compile_catalog("es").gettext(TITLE) == TITLE


def test_status_counts_fuzzy_untranslated_and_ignores_obsolete(project: Path) -> None:
    catalog = read_catalog(po_path("es"))
    catalog[TITLE].flags.add("fuzzy")
    catalog[PARAGRAPH].string = ""
    catalog.add("An old sentence.", "Una frase antigua.")
    catalog.obsolete["An old sentence."] = catalog["An old sentence."]
    del catalog["An old sentence."]
    with po_path("es").open("wb") as fh:
        write_po(fh, catalog)
    rows = {
        (r["topic"], r["lang"]): r for r in json.loads(run("status", "--format", "json").output)
    }
    breast = rows[("breast", "es")]
    assert (breast["fuzzy"], breast["untranslated"]) == (1, 1)
    assert breast["translated"] == breast["total"] - 2
    assert rows[("prostate", "es")]["percent"] == 100.0
    assert run("status", "--strict").exit_code == 1
    assert run("status").exit_code == 0


def test_status_strict_passes_when_complete() -> None:
    assert run("status", "--strict").exit_code == 0


def test_check_passes_on_the_project() -> None:
    result = run("check")
    assert result.exit_code == 0, result.output
    for name in available_topics():
        # One line per topic, or per printed variant: "en/breast (results_scale=bi-rads): ...".
        for lang, formula in (("en", "Flesch-Kincaid grade"), ("es", "Fernández-Huerta")):
            pattern = rf"^\s*info\s+{lang}/{re.escape(name)}( \(.+\))?: {formula} "
            assert re.search(pattern, result.output, re.M), (lang, name)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("Approved %(date)s", "Aprobado"), "placeholder"),
        (PARAGRAPH, "numbers differ from the English"),
        ((TITLE, "Calcificaciones <b>mamarias</b>"), "markup differs"),
        (("References", ""), "untranslated: 'References'"),
    ],
)
def test_check_reports_catalog_problems_with_file_and_line(
    project: Path, change: object, expected: str
) -> None:
    if change == PARAGRAPH:
        # One of the paragraph's numbers, made one larger in the Spanish translation.
        number = re.findall(r"\d+", CITATION_RE.sub("", PARAGRAPH))[-1]
        translation = str(load_po("es")[PARAGRAPH].string)
        text = re.sub(rf"(?<!\d){number}(?!\d)", str(int(number) + 1), translation)
        assert text != translation
        edit_po(po_path("es"), PARAGRAPH, msgstr=text)
    else:
        msgid, msgstr = change  # type: ignore[misc]
        edit_po(po_path("es"), msgid, msgstr=msgstr)
    result = run("check")
    assert result.exit_code == 1
    assert str(po_path("es")) in result.output
    line = next(row for row in result.output.splitlines() if expected in row)
    assert line.split()[0] == "error" and line.split()[1].isdigit()


def test_check_reports_fuzzy_and_url_changes(project: Path) -> None:
    catalog = read_catalog(po_path("es"))
    catalog.add("See https://example.org/a for more.", "Vea https://example.org/b.")
    with po_path("es").open("wb") as fh:
        write_po(fh, catalog)
    edit_po(po_path("es"), TITLE, fuzzy=True)
    findings = [f.text for f in run_checks()]
    assert any(f.startswith("fuzzy") for f in findings)
    assert any("URL changed or missing: https://example.org/a" in f for f in findings)


def test_check_reports_bad_content(project: Path) -> None:
    path = project / "leaflets" / "topics" / "prostate.yaml"
    source = path.read_text()
    cited = re.search(r"\[@[a-z0-9_-]+\]", source)  # the file's first one-key citation
    assert cited is not None
    path.write_text(source.replace(cited.group(), "[@nobody]", 1))
    findings = [f for f in run_checks() if f.level == "error"]
    assert any(f.file == str(path) and f.line > 1 and "cites [@nobody]" in f.text for f in findings)


def test_review_dates_warn_then_fail(project: Path) -> None:
    due = load_topic("breast").next_review
    soon = [f for f in run_checks(today=due - dt.timedelta(days=30)) if "review" in f.text]
    assert {f.level for f in soon} == {"warning"}
    late = [f for f in run_checks(today=due) if "review was due" in f.text]
    lines = (project / "leaflets" / "topics" / "breast.yaml").read_text().splitlines()
    line = 1 + next(i for i, t in enumerate(lines) if t.startswith("next_review:"))
    assert late and late[0].level == "error" and late[0].line == line


def test_english_above_the_grade_limit_is_an_error(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.leaflets.check]\nmax_english_grade = 3\n")
    errors = [f for f in run_checks() if f.level == "error"]
    assert any("Flesch-Kincaid grade" in f.text and "limit 3" in f.text for f in errors)


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext's msgfmt is not installed")
@pytest.mark.parametrize(
    "po", sorted(Path(__file__).parents[1].glob("translations/*/LC_MESSAGES/*.po"))
)
def test_committed_catalogs_are_valid_for_gnu_gettext(po: Path) -> None:
    check = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True)
    assert check.returncode == 0, check.stderr
