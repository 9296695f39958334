"""Catalogs round-trip through GNU gettext: msgcat and msgmerge leave them as they are."""

from __future__ import annotations

import io
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from conftest import ROOT, run
from leaflets import __version__
from leaflets.i18n.languages import available_languages, load_po, po_path, template_path
from leaflets.i18n.po_files import catalog_bytes, project_url, read_catalog

COMMITTED = sorted(ROOT.glob("translations/**/*.po*"))
STALE = (
    "not in step with the topics and templates; run `leaflets i18n extract && leaflets i18n update`"
)


def _gnu(program: str) -> str:
    """A GNU gettext program; a skip only where it is missing and `make` could not install it."""
    found = shutil.which(program)
    if found:
        return found
    if os.environ.get("CI") or os.geteuid() == 0:
        pytest.fail(f"{program} is missing although make installs gettext as root (make testdeps)")
    pytest.skip(f"{program} is not installed: sudo apt-get install gettext")


def _msgcat(path: Path) -> str:
    result = subprocess.run([_gnu("msgcat"), str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: str(p.relative_to(ROOT)))
def test_msgcat_leaves_every_committed_catalog_unchanged(path: Path) -> None:
    assert _msgcat(path) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", available_languages()[1:])
def test_msgmerge_with_the_template_leaves_every_catalog_unchanged(lang: str) -> None:
    """What Poedit's "update from POT" and msgmerge write: not one line moves."""
    path = po_path(lang)
    result = subprocess.run(
        [_gnu("msgmerge"), "--quiet", str(path), str(template_path())],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == path.read_text(encoding="utf-8")


def test_committed_catalogs_are_in_step_with_the_sources() -> None:
    result = run("i18n", "update", "--check")
    assert result.exit_code == 0, result.output


def test_check_names_a_catalog_saved_another_way_and_writes_nothing(project: Path) -> None:
    po = po_path("fr")
    babel_default = io.BytesIO()
    write_po(babel_default, read_catalog(po))  # Babel's own layout: 76 columns
    po.write_bytes(babel_default.getvalue())
    result = run("i18n", "update", "--check")
    assert result.exit_code == 1
    assert result.output == f"Error: {po}: {STALE}\n"
    assert po.read_bytes() == babel_default.getvalue()
    assert run("i18n", "update", "fr").exit_code == 0
    assert run("i18n", "update", "--check").exit_code == 0


def test_check_names_the_template_when_a_source_string_changed(project: Path) -> None:
    template = project / "templates" / "leaflet.html.j2"
    template.write_text(template.read_text().replace("Common questions", "Common questions?"))
    before = {path: path.read_bytes() for path in project.glob("translations/**/*.po*")}
    result = run("i18n", "update", "--check")
    assert result.exit_code == 1
    assert result.output == f"Error: {template_path()} (and 10 more): {STALE}\n"
    assert {path: path.read_bytes() for path in before} == before


def test_update_after_a_template_edit_keeps_the_gnu_layout(project: Path) -> None:
    template = project / "templates" / "leaflet.html.j2"
    template.write_text(template.read_text().replace("Common questions", "Common questions?"))
    assert run("i18n", "extract").exit_code == 0
    assert run("i18n", "update").exit_code == 0
    assert "Common questions?" in {m.id for m in load_po("de")}
    for path in [template_path(), *(po_path(lang) for lang in available_languages()[1:])]:
        assert _msgcat(path) == path.read_text(encoding="utf-8"), path
    assert run("i18n", "update", "--check").exit_code == 0


def test_extract_and_update_twice_change_nothing(project: Path) -> None:
    before = {path: path.read_bytes() for path in project.glob("translations/**/*.po*")}
    assert run("i18n", "extract").output.endswith("unchanged\n")
    assert run("i18n", "update").exit_code == 0
    assert {path: path.read_bytes() for path in before} == before


def test_headers_name_the_version_and_one_kind_of_team() -> None:
    for path in COMMITTED:  # the staff catalogs (web.po) too; a template keeps GNU's own fields
        text = path.read_text(encoding="utf-8")
        assert "FIRST AUTHOR" not in text and "Report-Msgid-Bugs-To: EMAIL@ADDRESS" not in text
    for lang in available_languages()[1:]:
        text = po_path(lang).read_text(encoding="utf-8")
        headers = dict(load_po(lang).mime_headers)
        assert headers["Project-Id-Version"] == f"leaflets {__version__}"
        assert headers["Report-Msgid-Bugs-To"] == project_url()
        name = Locale.parse(lang).get_display_name("en")
        assert headers["Language-Team"] in (name, f"{name} <{project_url()}>")
        assert "EMAIL@ADDRESS" not in text and "FIRST AUTHOR" not in text
        assert headers["X-Review-Status"] in ("unreviewed", "reviewed")


def test_init_writes_the_same_header_and_layout(project: Path) -> None:
    assert run("i18n", "init", "it", "--translated-by", "Studio Rossi").exit_code == 0
    path = po_path("it")
    headers = dict(load_po("it").mime_headers)
    url = project_url()
    assert headers["Language-Team"] == (f"Italian <{url}>" if url else "Italian")
    assert headers["Last-Translator"] == "Studio Rossi"
    assert _msgcat(path) == path.read_text(encoding="utf-8")


#: Pieces of text that meet GNU's line breaking rules: words in every script the project uses,
#: spaces of several kinds, punctuation, escapes, format directives, words longer than a line.
SAMPLE = """
calcium mammogram X-ray and/or www.nhs.uk/conditions/breast-cancer [@bac1; @bac6]
Кальций мамография быстро Chụp nhũ ảnh được cường độ
الكالسيوم، الثدي؟ ٪٥٠ ١٢٣ لا
स्तन कैल्शियम। जाँच क्षति
乳房钙化，是良性的。（可能）“引号”：？ 유방 석회화는 검사예요. 의사에게
« » ¿ ¡ „ “ ” — – … · 50% 10–20 1,5 (a) [b] {c} $5 +1 -1 e.g.
"""
PIECES = [
    *SAMPLE.split(),
    '"quoted"',
    "back\\slash",
    "tab\there",
    "%(count)s",
    "%(reviewed)s.",
    "%%",
    "x" * 90,
    "https://example.org/" + "a" * 70,
    "\u00a0",
    "\u202f",
]


def _random_text(rng: random.Random) -> str:
    words = rng.choices(PIECES, k=rng.randint(1, 40))
    text = "".join(word + rng.choice([" ", " ", " ", "", "  ", "\n"]) for word in words)
    return text.rstrip(" ")


@pytest.mark.parametrize("seed", range(5))
def test_layout_matches_msgcat_on_generated_catalogs(seed: int, tmp_path: Path) -> None:
    """Random strings in every script: msgcat changes nothing, and Babel reads them back.

    Babel flags the strings with a %(name)s or {name} as python-format or python-brace-format,
    as it does in extraction; GNU never breaks inside a valid directive of the first kind.
    """
    rng = random.Random(seed)
    catalog = Catalog(locale="fr", project="leaflets", version="0", charset="UTF-8")
    strings: dict[str, str] = {}
    for number in range(300):
        msgid, msgstr = f"{number} {_random_text(rng)}", _random_text(rng)
        strings[msgid] = msgstr
        places = [(f"leaflets/topics/topic-{i}.yaml", None) for i in range(rng.randint(0, 9))]
        # A comment line ending in a backslash would go on to the next line for GNU.
        catalog.add(msgid, msgstr, places, auto_comments=[msgstr[:120].rstrip("\\")])
    catalog.add(("one leaflet", "%(count)s leaflets"), ("une fiche", "%(count)s fiches"))
    catalog.add("menu", "menu", context="a context that is rather long " * 3)
    old = _random_text(rng) * 3
    catalog.obsolete[old] = Message(old, old.upper())
    path = tmp_path / "generated.po"
    path.write_bytes(catalog_bytes(catalog))
    assert _msgcat(path) == path.read_text(encoding="utf-8")
    read_back = {m.id: m.string for m in read_po(io.BytesIO(path.read_bytes())) if m.id}
    assert {msgid: read_back[msgid] for msgid in strings} == strings
