"""Catalogs: extraction, language codes, completeness gates, compiling in memory."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from conftest import ROOT, edit_po, pdf_text, run, squash
from leaflets.content.models import CITATION_RE, cited_keys
from leaflets.content.topics import available_topics, load_topic, topic_path
from leaflets.errors import CatalogError, UsageError
from leaflets.i18n.languages import (
    available_languages,
    compile_catalog,
    find_gaps,
    interface_messages,
    leaflet_messages,
    load_po,
    native_name,
    parse_language,
    po_path,
    provenance,
    read_catalog,
)


def _extract_project() -> dict[str, list[str]]:
    """Run Babel's extraction over the project with babel.cfg, as `make pot` does."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[str, list[str]] = {}
    for _file, _line, message, comments, _ctx in extract_from_dir(
        str(ROOT), method_map, options_map, comment_tags=("NOTE:",)
    ):
        found.setdefault(str(message), []).extend(comments)
    return found


def test_extraction_finds_every_content_and_template_string() -> None:
    found = _extract_project()
    for name in available_topics():
        for _path, text in load_topic(name).texts():
            assert text in found, text
            assert found[text], f"no translator comment for {text!r}"
    for message in interface_messages():
        assert message.msgid in found
    assert any("Keep both placeholders" in c for c in found["Page %(page)s of %(pages)s"])


def test_topic_extractor_is_registered_as_babel_entry_point() -> None:
    with topic_path("breast").open("rb") as fh:
        messages = list(extract("leaflets_topic", fh))
    assert messages[0][1] == load_topic("breast").title
    lines = topic_path("breast").read_text().splitlines()
    assert messages[0][0] == 1 + next(i for i, t in enumerate(lines) if t.startswith("title:"))


def test_committed_template_is_up_to_date() -> None:
    with (ROOT / "translations" / "messages.pot").open("rb") as fh:
        pot = {m.id for m in read_po(fh) if m.id}
    missing = set(_extract_project()) - pot
    assert not missing, f"run `make pot`: {sorted(missing)[:3]}"


@pytest.mark.parametrize("code", ["es", "ES", "es-", "Es"])
def test_language_codes_are_case_insensitive(code: str) -> None:
    if code == "es-":
        with pytest.raises(UsageError):
            parse_language(code)
    else:
        assert parse_language(code) == "es"


def test_unknown_language_lists_valid_ones_with_native_names() -> None:
    with pytest.raises(UsageError) as err:
        parse_language("xx")
    assert "es (Español)" in err.value.message
    assert "en (English)" in err.value.message
    assert native_name("es") == "Español"


def test_missing_catalog_is_an_error(catalogs: Path) -> None:
    with pytest.raises(CatalogError, match="no catalog for 'sw'"):
        load_po("sw")
    with pytest.raises(CatalogError, match="no catalog"):
        compile_catalog("sw")


def test_broken_catalog_names_the_file(catalogs: Path) -> None:
    po_path("es").write_text('msgid "x"\nthis is not a PO line\n', encoding="utf-8")
    with pytest.raises(CatalogError, match=r"messages\.po"):
        load_po("es")


@pytest.mark.parametrize("name", available_topics())
def test_spanish_catalog_is_complete(name: str) -> None:
    assert find_gaps(load_po("es"), leaflet_messages(name)) == []


def test_spanish_catalog_has_no_fuzzy_and_keeps_placeholders() -> None:
    catalog = load_po("es")
    assert not catalog.fuzzy
    for entry in catalog:
        if entry.id:
            assert not entry.fuzzy, entry.id
            for token in ("%(date)s", "%(page)s", "%(pages)s", "%(reviewed)s"):
                assert (token in entry.id) == (token in entry.string), entry.id


def test_fuzzy_and_changed_citations_are_gaps(catalogs: Path) -> None:
    title = load_topic("breast").title
    edit_po(po_path("es"), title, fuzzy=True)
    cited = next(t for _, t in load_topic("breast").texts() if "[@macmillan]" in t)
    edit_po(po_path("es"), cited, msgstr="Texto sin cita.")
    gaps = {g.message.msgid: g.status for g in find_gaps(load_po("es"), leaflet_messages("breast"))}
    assert gaps[title] == "fuzzy"
    assert gaps[cited].startswith("citation markers differ from the English ([@macmillan])")
    assert len(gaps) == 2


def test_a_mo_file_in_the_tree_is_never_read(project: Path, tmp_path: Path) -> None:
    po = po_path("es")
    title = load_topic("breast").title
    spanish = compile_catalog("es").gettext(title)
    # A stale .mo newer than the .po, as Poedit or a copy can leave one: a title never checked.
    stale = read_catalog(po, "es")
    stale[title].string = "Título que nadie revisó"
    with po.with_suffix(".mo").open("wb") as fh:
        write_mo(fh, stale)
    out = tmp_path / "out"
    result = run("build", "-l", "es", "breast", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = squash(pdf_text(out / "es" / "breast.pdf"))
    assert squash(spanish) in text and "nadierevisó" not in text
    # A corrupt .mo does not matter either, and nothing writes one.
    po.with_suffix(".mo").write_bytes(b"\xde\x12\x04\x95 not a catalog")
    result = run("build", "-l", "es", "breast", "-o", str(out), "--force")
    assert result.exit_code == 0, result.output
    assert squash(spanish) in squash(pdf_text(out / "es" / "breast.pdf"))
    assert run("i18n", "compile").exit_code == 0
    assert sorted(p.name for p in project.rglob("*.mo")) == ["messages.mo"]


def test_fuzzy_entries_are_left_out_when_compiling(catalogs: Path) -> None:
    title = load_topic("breast").title
    assert compile_catalog("es").gettext(title) != title
    edit_po(po_path("es"), title, fuzzy=True)
    assert compile_catalog("es").gettext(title) == title


LANGUAGES = [lang for lang in available_languages() if lang != "en"]
_NUMBER = re.compile(r"\d+")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalog_is_complete_and_keeps_numbers_and_citations(lang: str) -> None:
    catalog = load_po(lang)
    for name in available_topics():
        assert find_gaps(catalog, leaflet_messages(name)) == [], (lang, name)
    for entry in catalog:
        if not entry.id:
            continue
        assert entry.string and not entry.fuzzy, entry.id
        plain = CITATION_RE.sub("", str(entry.id))
        for number in _NUMBER.findall(plain):
            assert number in str(entry.string), (lang, number, entry.id)
        assert sorted(cited_keys(str(entry.string))) == sorted(cited_keys(str(entry.id)))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalog_records_its_provenance(lang: str) -> None:
    origin = provenance(lang)
    assert origin.status in ("unreviewed", "reviewed")
    assert origin.translated_by


def test_review_status_must_be_valid(catalogs: Path) -> None:
    catalog = read_catalog(po_path("es"))
    catalog.extra_headers["X-Review-Status"] = "reviewed"
    with po_path("es").open("wb") as fh:
        write_po(fh, catalog)
    with pytest.raises(CatalogError, match="needs X-Reviewed-By and X-Review-Date"):
        provenance("es")
    catalog.extra_headers.update({"X-Reviewed-By": "A. Reviewer", "X-Review-Date": "2026-11-20"})
    with po_path("es").open("wb") as fh:
        write_po(fh, catalog)
    assert provenance("es").reviewed
    assert "reviewed by A. Reviewer" in run("list").output


@pytest.mark.parametrize(
    ("code", "lang"),
    [
        ("zh-Hans", "zh_Hans"),
        ("zh_hans", "zh_Hans"),
        ("ZH-CN", "zh_Hans"),
        ("pt-BR", "pt_BR"),
        ("PT", "pt_BR"),
        ("pt_br", "pt_BR"),
        ("AR", "ar"),
        ("es-MX", "es"),
    ],
)
def test_bcp47_and_posix_codes(code: str, lang: str) -> None:
    assert parse_language(code) == lang


def test_traditional_chinese_is_not_given_simplified() -> None:
    with pytest.raises(UsageError):
        parse_language("zh-TW")


@pytest.mark.parametrize(
    ("english", "translation", "ok"),
    [
        ("It scanned 1,504 men.", "Il a examiné 1\u00a0504 hommes.", True),
        ("It scanned 1,504 men.", "Examinó a 1.504 hombres.", True),
        ("About 3 to 5 in 100,000 men.", "Около 3 или 5 из 100\u202f000 мужчин.", True),
        ("About 7.5 in 100.", "Environ 7,5 sur 100.", True),
        ("It scanned 1,504 men.", "Il a examiné 1\u00a0540 hommes.", False),
        ("It scanned 1,504 men.", "Il a examiné 1 hommes et 504.", False),
        # Other digits are read by value; hidden characters inside a number are not seen.
        ("About 50 in 100.", "\u0646\u062d\u0648 \u0665\u0660 / \u0661\u0660\u0660.", True),
        ("About 50 in 100.", "\u0646\u062d\u0648 \u0665\u0661 / \u0661\u0660\u0660.", False),
        ("About 50 in 100.", "Environ\u00a05\u200b0 sur 100.", True),
        ("About 50 in 100.", "Environ\u00a05\u200b1 sur 100.", False),
    ],
)
def test_number_check_compares_grouped_thousands_by_value(
    english: str, translation: str, ok: bool
) -> None:
    from babel.messages.catalog import Message, TranslationError

    from leaflets.i18n.translation_checks import numbers

    message = Message(english, translation)
    if ok:
        numbers(None, message)
    else:
        with pytest.raises(TranslationError):
            numbers(None, message)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Plain text, with spaces.", []),
        ("Avant\u00a0: 1\u202f504 femmes\u3000", []),
        ("Avant\u00a0: 1\u202e504", ["\u202e"]),
        ("Avant\u00a0:\u200b 1 504\u2028", ["\u200b", "\u2028"]),
        ("line\nbreak\tand private \ue000", ["\n", "\t", "\ue000"]),
    ],
)
def test_invisible_characters_are_found_beside_any_space(text: str, found: list[str]) -> None:
    from leaflets.content.models import invisible_characters

    assert invisible_characters(text) == found
