"""Term glossaries: strict loading with file and line, and the check that catalogs use them."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import edit_po, run
from leaflets.errors import CatalogError
from leaflets.i18n.glossary import (
    Term,
    glossary_mismatches,
    glossary_path,
    load_glossary,
    parse_glossary,
)
from leaflets.i18n.languages import load_po, po_path

HEADER = "source,target,developer_comments\n"


def test_valid_glossary_loads_with_lines_notes_and_quoted_commas() -> None:
    data = (
        "\ufeff" + HEADER + "biopsy,biopsia,\n\n"
        '"lump, swelling",bulto,"a note, with a comma"\n'
        "marker clip,clip marcador,\n"
    ).encode()
    terms = parse_glossary(data, "glossary.csv")
    assert terms == [
        Term("biopsy", "biopsia", "", 2),
        Term("lump, swelling", "bulto", "a note, with a comma", 4),
        Term("marker clip", "clip marcador", "", 5),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("source,target\nbiopsy,biopsia\n", "glossary.csv:1: the first line must be: source,"),
        ("term,translation,note\n", "glossary.csv:1: the first line must be"),
        ("", "glossary.csv:1: the first line must be"),
        (HEADER + "biopsy,biopsia,\nlump,,\n", "glossary.csv:3: source and target must both"),
        (HEADER + "biopsy,biopsia\n", "glossary.csv:2: 2 fields; give source,target,"),
        (
            HEADER + "Biopsy,biopsia,\n\nbiopsy,biopsia,\n",
            "glossary.csv:4: 'biopsy' is already on line 2",
        ),
        (HEADER + 'lump,bulto,\n"biopsy,biopsia,\n', "glossary.csv:3: not valid CSV"),
        (HEADER + 'lump,"bul\nto",\n', "glossary.csv:2: line breaks and control characters"),
    ],
)
def test_bad_glossary_is_an_error_naming_file_and_line(text: str, expected: str) -> None:
    with pytest.raises(CatalogError) as info:
        parse_glossary(text.encode(), "glossary.csv")
    assert expected in info.value.message


def test_glossary_must_be_utf8() -> None:
    with pytest.raises(CatalogError, match=r"glossary\.csv: not valid UTF-8"):
        parse_glossary((HEADER + "lump,bulto\xe9,\n").encode("latin-1"), "glossary.csv")


@pytest.mark.parametrize(
    ("term", "text", "found"),
    [
        ("biopsy", "A biopsy takes 30 minutes.", True),
        ("biopsy", "Most Biopsies are quick.", True),
        ("mammogram", "Two mammograms a year.", True),
        ("marker clip", "A marker\nclip is left.", True),
        ("CT", "A CT scan.", True),
        ("CT", "Contact your doctor.", False),
        ("CT", "A CTA scan.", False),
        ("lump", "lumpectomy", False),
    ],
)
def test_term_is_matched_as_a_whole_word_in_any_case(term: str, text: str, found: bool) -> None:
    assert bool(Term(term, "x", "", 2).pattern.search(text)) is found


def _write_glossary(lang: str, rows: str) -> Path:
    path = glossary_path(lang)
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_check_passes_with_a_glossary_the_catalog_follows(project: Path) -> None:
    _write_glossary("es", "mammogram,mamograf,stem\nbiopsy,biopsia,\nleaflet,folleto,\n")
    glossary_path("fr").unlink()  # every language has one now; take French's away
    result = run("check")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    output = result.output  # type: ignore[attr-defined]
    assert "glossary: '" not in output
    # The languages without a glossary are named in a warning; Spanish is not among them.
    assert f"{glossary_path('fr')}\n  warning" in output
    assert f"{glossary_path('es')}\n" not in output


def test_translation_without_the_approved_term_is_an_error_at_its_po_line(
    project: Path,
) -> None:
    _write_glossary("es", "mammogram,mamografía,\nbiopsy,biopsia,\n")
    catalog = load_po("es")
    entry = next(m for m in catalog if m.id and "mammogram" in str(m.id) and m.string)
    edit_po(po_path("es"), str(entry.id), msgstr=str(entry.string).replace("mamografía", "placa"))
    line = load_po("es")[entry.id].lineno
    result = run("check")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    output = result.output.splitlines()  # type: ignore[attr-defined]
    found = [row for row in output if "glossary: 'mammogram' should be 'mamografía'" in row]
    assert len(found) == 1
    assert found[0].split()[:2] == ["error", str(line)]
    assert "(glossary.csv:2)" in found[0]
    # The finding is listed under the PO file it is in.
    heading = next(row for row in output[: output.index(found[0])][::-1] if row[:1] != " ")
    assert heading == str(po_path("es"))


def test_bad_glossary_fails_check_with_its_line(project: Path) -> None:
    path = _write_glossary("de", "biopsy,Biopsie,\nbiopsy,Gewebeprobe,\n")
    result = run("check")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "'biopsy' is already on line 2" in result.output  # type: ignore[attr-defined]
    assert str(path) in result.output  # type: ignore[attr-defined]


# The shipped glossaries: "blood thinner" means anticoagulants and antiplatelets (aspirin,
# clopidogrel) alike, so an anticoagulant-only word is refused; "heart attack" is the everyday
# word for a myocardial infarction (심장마비 is cardiac arrest); German patients know MRT.
@pytest.mark.parametrize(
    ("lang", "msgid", "approved", "narrower", "term"),
    [
        (
            "es",
            "Should I stop my blood thinner",
            "medicamento para diluir la sangre",
            "anticoagulante",
            "blood thinner",
        ),
        (
            "pt_BR",
            "Should I stop my blood thinner",
            "remédio que afina o sangue",
            "anticoagulante",
            "blood thinner",
        ),
        (
            "vi",
            "Should I stop my blood thinner",
            "làm loãng máu",
            "chống đông máu",
            "blood thinner",
        ),
        (
            "zh_Hans",
            "Should I stop my blood thinner",
            "让血液不易凝固的药",
            "抗凝药",
            "blood thinner",
        ),
        ("ko", "Does a score of 0 mean I can never", "심근경색", "심장마비", "heart attack"),
        ("zh_Hans", "Does a score of 0 mean I can never", "发生心梗", "心脏病发作", "heart attack"),
        ("de", "An MRI scan uses", "MRT (MRI)", "Magnetresonanztomographie (MRI)", "MRI"),
    ],
)
def test_shipped_glossary_refuses_the_old_wording(
    lang: str, msgid: str, approved: str, narrower: str, term: str
) -> None:
    terms = load_glossary(lang) or []
    catalog = load_po(lang)
    assert glossary_mismatches(catalog, terms) == []
    entry = next(m for m in catalog if m.id and str(m.id).startswith(msgid))
    assert approved in str(entry.string)
    entry.string = str(entry.string).replace(approved, narrower)
    found = glossary_mismatches(catalog, terms)
    assert {m.msgid for m in found} == {str(entry.id)}
    assert term in {m.term.source for m in found}


@pytest.mark.parametrize(
    "lang", ["es", "fr", "de", "pt_BR", "vi", "ru", "ar", "zh_Hans", "ko", "hi"]
)
def test_every_glossary_has_the_terms_of_the_newer_topics(lang: str) -> None:
    sources = {term.source for term in load_glossary(lang) or []}
    needed = {"BAC", "TML", "Agatston score", "coronary artery calcium (CAC)", "heart attack"}
    assert needed <= sources
