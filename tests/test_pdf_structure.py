"""The PDF structure tree as a screen reader walks it: artifacts, /Lang, whole elements, pdfua."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pikepdf
import pytest

from leaflets.build.matrix import Job, leaflet_html, prepare
from leaflets.content.models import DEFAULT_BRAND
from leaflets.content.topics import available_topics, load_topic
from leaflets.i18n.languages import available_languages, bcp47

TOPICS = available_topics()
LANGUAGES = available_languages()


def leaflets(built: Path) -> list[Path]:
    return sorted(built.glob("*/*.pdf"))


def elements(pdf: pikepdf.Pdf) -> Iterator[tuple[pikepdf.Dictionary, pikepdf.Dictionary | None]]:
    """Every structure element below the root, with its parent element."""

    def walk(node: object, parent: pikepdf.Dictionary | None) -> Iterator[tuple]:  # type: ignore[type-arg]
        if isinstance(node, pikepdf.Array):
            for kid in node:
                yield from walk(kid, parent)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            yield node, parent
            yield from walk(node.get("/K"), node)

    yield from walk(pdf.Root.StructTreeRoot.K, None)


def kids(element: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    found = element.get("/K")
    found = found if isinstance(found, pikepdf.Array) else [found]
    return [k for k in found if isinstance(k, pikepdf.Dictionary) and "/S" in k]


def tagged_content(pdf: pikepdf.Pdf) -> set[tuple[int, int]]:
    """(page, MCID) of the marked content that the structure tree reaches."""
    pages = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
    found = set()
    for element, _ in elements(pdf):
        page = pages.get(element.Pg.objgen) if "/Pg" in element else None
        content = element.get("/K")
        for kid in content if isinstance(content, pikepdf.Array) else [content]:
            if isinstance(kid, int) and page is not None:
                found.add((page, int(kid)))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                found.add((pages[kid.Pg.objgen], int(kid.MCID)))
    return found


def marked_content(pdf: pikepdf.Pdf) -> Iterator[tuple[int, str, pikepdf.Object]]:
    """(page, tag, property list) of every marked-content sequence, forms included."""

    def operations(holder: object) -> Iterator[tuple]:  # type: ignore[type-arg]
        for operands, operator in pikepdf.parse_content_stream(holder):
            if str(operator) in ("BDC", "BMC"):
                yield str(operands[0]), operands[1] if len(operands) > 1 else None
        resources = getattr(holder, "Resources", None)
        for xobject in (resources.get("/XObject", {}) if resources else {}).values():
            if xobject.get("/Subtype") == "/Form":
                yield from operations(xobject)

    for number, page in enumerate(pdf.pages):
        for tag, properties in operations(page):
            yield number, tag, properties


@pytest.mark.parametrize("index", range(2))
def test_every_marked_content_is_tagged_or_an_artifact(built: Path, index: int) -> None:
    for path in leaflets(built)[index::2]:
        with pikepdf.open(path) as pdf:
            reached = tagged_content(pdf)
            for page, tag, properties in marked_content(pdf):
                if tag == "/Artifact":
                    continue
                assert (page, int(properties.MCID)) in reached, (path, page, tag)


def test_running_header_and_footer_are_pagination_artifacts(built: Path) -> None:
    for path in leaflets(built):
        with pikepdf.open(path) as pdf:
            furniture = Counter(
                (page, str(props.get("/Subtype")))
                for page, tag, props in marked_content(pdf)
                if tag == "/Artifact" and props is not None and props.get("/Type") == "/Pagination"
            )
            for page in range(len(pdf.pages)):
                # The example brand holds no approvals: its "not approved" band heads every page.
                assert furniture[page, "/Footer"] and furniture[page, "/Header"], (path, page)


@pytest.mark.parametrize("lang", ["ar", "hi", "zh_Hans"])
def test_english_band_line_is_marked_english(built: Path, lang: str) -> None:
    with pikepdf.open(built / bcp47(lang) / f"{TOPICS[0]}.pdf") as pdf:
        langs = [
            str(props.get("/Lang"))
            for page, tag, props in marked_content(pdf)
            if page == 0 and tag == "/Artifact" and props is not None and "/Lang" in props
        ]
    assert langs == ["en"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_lang_on_the_english_references_of_a_translation(built: Path, lang: str) -> None:
    with pikepdf.open(built / bcp47(lang) / f"{TOPICS[0]}.pdf") as pdf:
        marked = [(str(e.S), str(e.Lang)) for e, _ in elements(pdf) if "/Lang" in e]
        assert str(pdf.Root.Lang) == bcp47(lang)
    # The reference list is the only part in English; an English leaflet has none.
    assert marked == ([] if lang == "en" else [("/L", "en")])


class _Counts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags[tag] += 1


@pytest.mark.parametrize("lang", ["en", "ar", "hi"])
@pytest.mark.parametrize("topic", TOPICS)
def test_sections_and_lists_are_one_element_each(built: Path, topic: str, lang: str) -> None:
    html = _Counts()
    html.feed(leaflet_html(prepare(Job(topic, lang))))
    with pikepdf.open(built / bcp47(lang) / f"{topic}.pdf") as pdf:
        tags = Counter(str(element.S) for element, _ in elements(pdf))
    assert tags["/Part"] == html.tags["main"] == 1
    assert tags["/Sect"] == html.tags["section"]
    assert tags["/L"] == html.tags["ul"] + html.tags["ol"]
    assert tags["/H3"] == len(load_topic(topic).faq)


class _Bullets(HTMLParser):
    """Counts the items of the bulleted lists (not the references, not the inline "See also")."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, str]] = []
        self.count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "li" and [t for t, _ in self.open if t in ("ul", "ol")][-1:] == ["ul"]:
            self.count += not any("see-also" in classes for _, classes in self.open)
        if tag not in ("meta", "img", "br"):
            self.open.append((tag, dict(attrs).get("class") or ""))

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop()[0] != tag:
            pass


@pytest.mark.parametrize("lang", ["en", "ar", "zh_Hans"])
def test_each_bulleted_item_is_a_label_and_a_body(built: Path, lang: str) -> None:
    # Bullets are drawn inside their item (ar keeps outside markers): either way a screen
    # reader finds the bullet as the item's Lbl and all of its text in one LBody after it.
    bullets = _Bullets()
    bullets.feed(leaflet_html(prepare(Job(TOPICS[0], lang))))
    with pikepdf.open(built / bcp47(lang) / f"{TOPICS[0]}.pdf") as pdf:
        items = [e for e, _ in elements(pdf) if e.S == "/LI"]
        shapes = Counter(tuple(str(kid.S) for kid in kids(item)) for item in items)
        loose = [
            i
            for i in items
            if isinstance(i.K, pikepdf.Array) and any(isinstance(k, int) for k in i.K)
        ]
    assert bullets.count > 10
    assert shapes[("/Lbl", "/LBody")] == bullets.count
    assert set(shapes) == {("/Lbl", "/LBody"), ("/LBody",)} and not loose


def _pages_below(element: pikepdf.Dictionary, pages: dict[tuple[int, int], int]) -> set[int]:
    found = {pages[element.Pg.objgen]} if "/Pg" in element else set()
    for kid in kids(element):
        found |= _pages_below(kid, pages)
    return found


def test_some_section_runs_over_a_page_break_as_one_element(built: Path) -> None:
    # Without this, the test above could pass because nothing happens to be split.
    split = 0
    for path in leaflets(built):
        with pikepdf.open(path) as pdf:
            pages = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
            split += sum(
                len(_pages_below(element, pages)) > 1
                for element, _ in elements(pdf)
                if element.S in ("/Sect", "/L")
            )
    assert split


@pytest.mark.parametrize("topic", [t for t in TOPICS if load_topic(t).faq])
def test_common_questions_are_headings_with_answers(built: Path, topic: str) -> None:
    with pikepdf.open(built / "en" / f"{topic}.pdf") as pdf:
        faq = next(e for e, _ in elements(pdf) if any(k.S == "/H3" for k in kids(e)))
        tags = [str(kid.S) for kid in kids(faq)]
    assert tags == ["/H2"] + ["/H3", "/P"] * len(load_topic(topic).faq)


def test_logo_beside_the_printed_name_is_an_artifact(built: Path) -> None:
    for path in leaflets(built):
        with pikepdf.open(path) as pdf:
            figures = [e for e, _ in elements(pdf) if e.S == "/Figure"]
            assert all(str(f.get("/Alt", "")) != DEFAULT_BRAND.name for f in figures), path
            layout = [
                page
                for page, tag, props in marked_content(pdf)
                if tag == "/Artifact" and props is not None and props.get("/Type") == "/Layout"
            ]
            assert layout == [0], path


def test_pdfua_finds_nothing(built: Path) -> None:
    files = [str(path) for path in leaflets(built)]
    result = subprocess.run(
        [sys.executable, "-m", "pdfua", "check", "--quiet", *files],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-2000:]


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")
def test_qpdf_finds_no_errors(built: Path) -> None:
    for path in leaflets(built):
        result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert result.returncode == 0 and "No syntax or stream encoding errors" in result.stdout, (
            path,
            result.stdout[-500:],
        )


def test_tables_have_one_head_and_cells_name_existing_headers(built: Path) -> None:
    for path in leaflets(built):
        with pikepdf.open(path) as pdf:
            ids = {str(e.ID) for e, _ in elements(pdf) if e.S == "/TH" and "/ID" in e}
            for element, _ in elements(pdf):
                if element.S == "/Table":
                    # A table that runs over a page break repeats its head as furniture.
                    assert [str(k.S) for k in kids(element)].count("/THead") <= 1, path
                if element.S == "/TD" and "/Headers" in element.get("/A", {}):
                    assert {str(h) for h in element.A.Headers} <= ids, path
