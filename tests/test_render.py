"""Tables, brand variants, emergency lines, "See also" and document control, in real PDFs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import write_po
from pypdf import PdfReader

from conftest import DATA, DEMO, add_demo_topic, copy_project, pdf_text, run, squash
from leaflets.content import topics
from leaflets.content.models import CITATION_RE
from leaflets.i18n import languages

#: A brand on the UK 5-point scale with an emergency number and no clinic phone.
UK_BRAND = (
    'name = "Northfield Breast Unit"\nemergency_phone = "911"\nresults_scale = "uk-5-point"\n'
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The synthetic topic built for two brands, in English, Spanish, Arabic and Chinese."""
    tmp = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        root = copy_project(tmp / "project", mp)
        add_demo_topic(root, ("es", "ar", "zh_Hans"))
        (tmp / "uk.toml").write_text(UK_BRAND, encoding="utf-8")
        out = tmp / "out"
        for args in (
            ["-l", "en", "-l", "es", "-l", "ar", "-l", "zh-Hans"],
            ["-l", "en", "--brand", str(tmp / "uk.toml")],
            ["-l", "en", "--brand", str(tmp / "uk.toml"), "--large-print"],
        ):
            result = run("build", "-o", str(out), "-j", "1", *args, DEMO)
            assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
        yield out
    topics.load_topic.cache_clear()
    languages.topic_messages.cache_clear()


def test_table_cells_and_bi_rads_variant_for_the_default_brand(demo: Path) -> None:
    text = squash(pdf_text(demo / "en" / f"{DEMO}.pdf"))
    for cell in ("BI-RADSgroups[2]", "Group", "Whatitmeans", "BI-RADS4", "Suspicious", "Abiopsy"):
        assert cell in text
    assert "UKscores" not in text and "Usuallyabiopsy" not in text
    # The reference list is this variant's own: the UK source is neither listed nor numbered.
    assert "2.BI-RADSsource.2024." in text
    assert "UKscalesource" not in text


def test_uk_variant_by_brand_file_numbers_its_own_references(demo: Path) -> None:
    text = squash(pdf_text(demo / "uk" / "en" / f"{DEMO}.pdf"))
    for cell in ("UKscores[2]", "Score3", "Unclear", "Usuallyabiopsy"):
        assert cell in text
    assert "BI-RADS" not in text
    assert "2.UKscalesource.2024." in text


def test_emergency_line_with_the_brand_number_or_local_wording(demo: Path) -> None:
    default = squash(pdf_text(demo / "en" / f"{DEMO}.pdf"))
    # The bullet is part of the item's text (its Lbl): pypdf reads it in line.
    assert "Callyourlocalemergencynumbernowif:•Youhavechestpain." in default
    assert "Calltheclinicon+15550100." in default  # the built-in brand has a phone
    uk = squash(pdf_text(demo / "uk" / "en" / f"{DEMO}.pdf"))
    assert "Call911nowif:•Youhavechestpain." in uk
    assert "local" not in uk
    assert "Calltheclinic" not in uk  # this brand gives no phone


def _demo_text(lang: str, english: str) -> str:
    """The synthetic topic's translation of ``english`` (tests/data), as printed: squashed."""
    translations = json.loads((DATA / f"{DEMO}-translations.json").read_text(encoding="utf-8"))
    return squash(CITATION_RE.sub("", translations[lang][english]))


def _see_also_item(topic: str, lang: str) -> str:
    """A "See also" line as it should print: the title in ``lang`` and the code."""
    related = topics.load_topic(topic)
    return squash(f"{languages.translations_for(lang).gettext(related.title)}({related.code})")


def test_see_also_titles_and_code_version_in_spanish(demo: Path) -> None:
    text = squash(pdf_text(demo / "es" / f"{DEMO}.pdf"))
    assert "Véasetambién" in text
    assert _see_also_item("breast", "es") in text
    assert _see_also_item("prostate", "es") in text
    assert _see_also_item("breast", "es") != _see_also_item("breast", "en")
    assert "TS-DEMO-01·versión2" in text
    assert "Llameahoramismoalnúmerodeemergenciasdesuzonasi:" in text
    assert _demo_text("es", "Suspicious") in text


def test_see_also_and_document_control_in_english(demo: Path) -> None:
    text = squash(pdf_text(demo / "en" / f"{DEMO}.pdf"))
    # One line: "See also: Breast calcifications (BR-CALC-01) · Prostate calcifications (...)".
    items = _see_also_item("breast", "en") + "·" + _see_also_item("prostate", "en")
    assert "Seealso:" + items in text
    assert "TS-DEMO-01·version2" in text


def _structure(path: Path) -> list[dict[str, object]]:
    """Every element of the PDF's structure tree, depth first, with its type and attributes."""
    found: list[dict[str, object]] = []

    def walk(node: object, parent: str) -> None:
        node = node.get_object()  # type: ignore[attr-defined]
        if not hasattr(node, "get"):
            return
        kind = str(node.get("/S", ""))
        attributes = node.get("/A")
        found.append(
            {"S": kind, "parent": parent, "A": dict(attributes.get_object()) if attributes else {}}
        )
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if hasattr(kid, "get_object"):
                walk(kid, kind)

    walk(PdfReader(path).trailer["/Root"]["/StructTreeRoot"], "")
    return found


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_table_is_tagged_with_header_cells(demo: Path, lang: str) -> None:
    elements = _structure(demo / lang / f"{DEMO}.pdf")
    kinds = [e["S"] for e in elements]
    assert kinds.count("/Table") == 1 and "/Caption" in kinds
    headers = [e for e in elements if e["S"] == "/TH"]
    # 3 column headings in the head, and the first cell of each of the 3 rows.
    assert [h["A"].get("/Scope") for h in headers] == ["/Column"] * 3 + ["/Row"] * 3  # type: ignore[union-attr]
    cells = [e for e in elements if e["S"] == "/TD"]
    assert len(cells) == 6
    assert all(len(c["A"]["/Headers"]) == 2 for c in cells)  # type: ignore[index]


def _x_positions(path: Path, words: list[str]) -> dict[str, float]:
    """Where each of ``words`` starts on page 1 (x in points)."""
    found: dict[str, float] = {}

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        for word in words:
            if word in text and word not in found:
                found[word] = tm[4] * cm[0] + cm[4]

    PdfReader(path).pages[0].extract_text(visitor_text=visit)
    assert set(found) == set(words), found
    return found


def test_arabic_table_is_mirrored(demo: Path) -> None:
    # The row's heading cell is at the right and its "next step" cell at the left.
    ar = _x_positions(demo / "ar" / f"{DEMO}.pdf", ["BI-RADS 4", "خزعة"])
    assert ar["BI-RADS 4"] > ar["خزعة"]
    en = _x_positions(demo / "en" / f"{DEMO}.pdf", ["BI-RADS 4", "A biopsy"])
    assert en["BI-RADS 4"] < en["A biopsy"]


def test_chinese_table_text(demo: Path) -> None:
    text = squash(pdf_text(demo / "zh-Hans" / f"{DEMO}.pdf"))
    caption = _demo_text("zh_Hans", "BI-RADS groups [@birads]") + "[2]"
    for english in ("Probably benign", "A check in 6 months"):
        assert _demo_text("zh_Hans", english) in text
    assert caption in text
    assert squash(languages.translations_for("zh_Hans").gettext("See also")) in text
    assert _see_also_item("breast", "zh_Hans") in text


def _sizes(path: Path, wanted: tuple[str, ...] = ()) -> list[float]:
    """Font sizes in points of every character (or only of text runs containing ``wanted``)."""
    sizes: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        if wanted and not any(word in text for word in wanted):
            return
        scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
        sizes.extend([size * scale] * len(text.strip()))

    for page in PdfReader(path).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def test_table_text_is_compact_but_never_small(demo: Path) -> None:
    cells = ("Group", "Suspicious", "Routine screening", "BI-RADS 4")
    standard = _sizes(demo / "en" / f"{DEMO}.pdf", cells)
    assert standard and min(standard) >= 10 - 0.01 and max(standard) < 11.5
    large = demo / "uk" / "en" / f"{DEMO}-large.pdf"
    assert "Usuallyabiopsy" in squash(pdf_text(large))
    assert min(_sizes(large)) >= 14 - 0.01  # every character of the large-print leaflet


def test_untranslated_related_title_refuses_the_leaflet(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    add_demo_topic(project, ("es",))
    po = languages.po_path("es")
    catalog = languages.read_catalog(po)
    title = topics.load_topic("prostate").title
    catalog.delete(title)
    with po.open("wb") as fh:
        write_po(fh, catalog)
    result = run("build", "-o", str(tmp_path / "out"), "-l", "es", DEMO)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert f"untranslated: {title!r}" in result.output  # type: ignore[attr-defined]
    assert not (tmp_path / "out" / "es" / f"{DEMO}.pdf").exists()


def test_a_related_topics_title_change_rebuilds_the_leaflet(project: Path, tmp_path: Path) -> None:
    add_demo_topic(project, ())
    out = tmp_path / "out"
    assert "1 built" in run("build", "-o", str(out), "-l", "en", DEMO).output  # type: ignore[attr-defined]
    breast = project / "leaflets" / "topics" / "breast.yaml"
    title = f"title: {topics.load_topic('breast').title}\n"
    breast.write_text(
        breast.read_text(encoding="utf-8").replace(title, "title: Breast specks\n"),
        encoding="utf-8",
    )
    topics.load_topic.cache_clear()
    languages.topic_messages.cache_clear()
    assert "1 built" in run("build", "-o", str(out), "-l", "en", DEMO).output  # type: ignore[attr-defined]
    assert "Breastspecks(BR-CALC-01)" in squash(pdf_text(out / "en" / f"{DEMO}.pdf"))


def test_a_table_breaks_only_between_rows_and_repeats_its_header(
    project: Path, tmp_path: Path
) -> None:
    add_demo_topic(project, ())
    path = project / "leaflets" / "topics" / f"{DEMO}.yaml"
    source = path.read_text(encoding="utf-8")
    rows = (
        ("BI-RADS 1", "Nothing was found", "Routine screening"),
        ("BI-RADS 3", "Probably benign", "A check in 6 months"),
        ("BI-RADS 4", "Suspicious", "A biopsy"),
    )
    layouts = set()
    # More and more text before the table pushes it over the end of page 1 at some point.
    for count in range(16, 30, 1):
        filler = "".join(
            f"      - paragraph: Filler number {i} pushes the table down the page [@common].\n"
            for i in range(count)
        )
        path.write_text(
            source.replace(
                "      - paragraph: Your report", filler + "      - paragraph: Your report"
            ),
            encoding="utf-8",
        )
        topics.load_topic.cache_clear()
        languages.topic_messages.cache_clear()
        out = tmp_path / str(count)
        assert run("build", "-o", str(out), "-j", "1", "-l", "en", DEMO).exit_code == 0  # type: ignore[attr-defined]
        pages = [page.extract_text() for page in PdfReader(out / "en" / f"{DEMO}.pdf").pages]
        holding = []
        for row in rows:
            # A row is never split: all its cells are on one page.
            found = [n for n, text in enumerate(pages) if row[0] in text]
            assert len(found) == 1 and all(cell in pages[found[0]] for cell in row), (count, row)
            holding.append(found[0])
        for n in set(holding):
            assert "What it means" in pages[n], (count, n)  # the header row is repeated
        layouts.add(tuple(holding))
    # The table was seen whole on page 1, split across pages 1 and 2, and whole on page 2.
    assert (0, 0, 0) in layouts and (1, 1, 1) in layouts
    assert any(len(set(layout)) == 2 for layout in layouts), layouts
