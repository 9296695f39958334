"""The PDFs themselves: language, text, references, fonts, pages, safety, determinism."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import unicodedata
import zlib
from pathlib import Path

import pytest
from babel.dates import format_date
from pypdf import PdfReader
from pypdf.generic import EncodedStreamObject

from conftest import ROOT, edit_po, pdf_text, run, squash
from leaflets.build.matrix import Variant
from leaflets.content.models import CITATION_RE, DEFAULT_BRAND, Topic, brand_settings
from leaflets.content.topics import available_topics, load_topic
from leaflets.errors import RenderError
from leaflets.i18n.languages import (
    available_languages,
    bcp47,
    compile_catalog,
    interface_messages,
    po_path,
)
from leaflets.render.pdf import font_families, write_pdf

TOPICS = available_topics()
STYLE = Variant().style


LANGUAGES = available_languages()
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]


def _printed_topic(name: str) -> Topic:
    """The topic as the built leaflets print it: the default brand's variant."""
    return load_topic(name).variant(brand_settings(DEFAULT_BRAND))


def _pdf_fonts(reader: PdfReader) -> set[str]:
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return fonts


def test_build_with_no_arguments_builds_every_leaflet(built: Path) -> None:
    pdfs = sorted(built.rglob("*.pdf"))
    assert len(pdfs) == len(TOPICS) * len(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", TOPICS)
def test_pdf_language_pages_and_fonts(built: Path, lang: str, name: str) -> None:
    reader = PdfReader(built / bcp47(lang) / f"{name}.pdf")
    assert reader.trailer["/Root"]["/Lang"] == bcp47(lang)
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged PDF
    assert 2 <= len(reader.pages) <= 4
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == (595, 842)  # A4
    # Only the language's own font stack is embedded (zh-Hans: the Simplified Chinese face).
    expected = [family.replace(" ", "-") for family in font_families(lang)]
    fonts = _pdf_fonts(reader)
    assert fonts and all(any(f.startswith(e) for e in expected) for f in fonts), fonts
    assert any(f.startswith(expected[0]) for f in fonts)


@pytest.mark.parametrize("lang", TRANSLATED)
@pytest.mark.parametrize("name", TOPICS)
def test_translated_pdf_is_in_its_language_throughout(built: Path, lang: str, name: str) -> None:
    topic = _printed_topic(name)
    catalog = compile_catalog(lang)
    reader = PdfReader(built / bcp47(lang) / f"{name}.pdf")
    text = pdf_text(built / bcp47(lang) / f"{name}.pdf")
    assert "\u2060" not in text  # word joiners (Korean) never reach the text layer

    def tr(message: str) -> str:
        return _comparable(CITATION_RE.sub("", catalog.gettext(message)), lang)

    flat = _comparable(text, lang)
    label = catalog.gettext("Page %(page)s of %(pages)s")
    assert _comparable(label % {"page": 1, "pages": len(reader.pages)}, lang) in flat

    assert tr(topic.title) in flat
    for section in topic.sections:
        assert tr(section.heading) in flat
    # Strings printed only when the topic has what they introduce.
    printed_if = {
        "See also": bool(topic.related),
        "Call your local emergency number now if:": bool(topic.emergency),
    }
    for message in interface_messages():
        if "%(" in message.msgid or "DRAFT" in message.msgid:
            continue
        if printed_if.get(message.msgid, True):
            assert tr(message.msgid) in flat, message.msgid
    # The unreviewed-translation notice, in the leaflet's language.
    notice = next(m.msgid for m in interface_messages() if "not yet been checked" in m.msgid)
    assert _comparable(catalog.gettext(notice).split("%(")[0], lang) in flat
    # No English sentence of the English leaflet (content or template) is left.
    # The "not approved" band repeats its English words on purpose, for staff.
    interface = [m.msgid for m in interface_messages() if m.msgid != "Not approved for patient use"]
    english = [t for _, t in load_topic(name).texts()] + interface
    for source in english:
        for sentence in CITATION_RE.sub("", source).split(". "):
            if len(sentence.split()) >= 4:
                assert squash(sentence) not in flat, sentence


def _comparable(text: str, lang: str) -> str:
    """Text for comparison: no white space, NFC, no invisible format characters.

    Format characters are the bidi isolates of the source and the right-to-left marks the
    PDF puts after the space that follows a number in Arabic (see pdf_text).
    """
    text = unicodedata.normalize("NFC", squash(text))
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def test_arabic_lam_alef_is_copied_as_text() -> None:
    # إلّا has a shadda between lam and alef; the same ligature in ولا then copies as "و".
    html = '<html lang="ar" dir="rtl"><title>t</title><p>إلّا</p><p>ولا تغني</p>'
    text = pdf_text(write_pdf(html, lang="ar", label="ar/test", style=STYLE))
    assert "ولا" in text


def _first_x(path: Path, wanted: str) -> float:
    """The x position where the text ``wanted`` starts on page 1."""
    found: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if wanted in text:
            found.append(tm[4] * cm[0] + cm[4])

    PdfReader(path).pages[0].extract_text(visitor_text=visit)
    assert found, wanted
    return found[0]


def test_arabic_is_laid_out_right_to_left(built: Path) -> None:
    english = load_topic("breast").title
    title = compile_catalog("ar").gettext(english)
    width = float(PdfReader(built / "ar" / "breast.pdf").pages[0].mediabox.width)
    assert _first_x(built / "ar" / "breast.pdf", title) > width / 2
    assert _first_x(built / "en" / "breast.pdf", english) < width / 4


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("name", TOPICS)
def test_references_are_numbered_in_order_of_first_citation(
    built: Path, lang: str, name: str
) -> None:
    topic = _printed_topic(name)  # its own references, numbered in its own order
    flat = squash(pdf_text(built / lang / f"{name}.pdf"))
    refs = flat[
        flat.rindex(
            squash(compile_catalog("es").gettext("References")) if lang == "es" else "References"
        ) :
    ]
    position = -1
    for number, ref in topic.numbered_references():
        entry = f"{number}.{squash(ref.citation)[:30]}"
        assert entry in refs, entry
        assert refs.index(entry) > position
        position = refs.index(entry)
    assert "[1]" in flat and f"[{len(topic.numbered_references())}" in flat.replace(",", "[")


def test_content_date_is_formatted_for_the_locale(built: Path) -> None:
    date = load_topic("breast").content_date
    # In the unreviewed-translation notice: "the English version of 22 November 2026".
    spanish = squash(format_date(date, format="long", locale="es"))
    assert spanish.startswith(str(date.day)) and "de" in spanish  # "22 de noviembre de 2026"
    assert spanish in squash(pdf_text(built / "es" / "breast.pdf"))
    # The English leaflet makes no date claim without an approval (see test_approvals).
    english = squash(format_date(date, format="long", locale="en"))
    assert english.startswith(date.strftime("%B"))  # "November22,2026"
    assert english not in squash(pdf_text(built / "en" / "breast.pdf"))


def test_two_builds_are_byte_identical(built: Path, tmp_path: Path) -> None:
    # A second build in a fresh process, through `python -m leaflets`.
    subprocess.run(
        [sys.executable, "-m", "leaflets", "build", "-l", "es", "breast", "-o", str(tmp_path)],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    assert (tmp_path / "es" / "breast.pdf").read_bytes() == (
        built / "es" / "breast.pdf"
    ).read_bytes()


HOSTILE = [
    '<img src="file:///etc/hostname">',
    '<link rel="attachment" href="file:///etc/hostname">',
    '<link rel="stylesheet" href="file:///etc/hostname">',
    "<style>@import url(file:///etc/hostname);</style>",
    '<img src="http://127.0.0.1:9/x.png">',
]


@pytest.mark.parametrize("markup", HOSTILE)
def test_markup_in_a_template_translation_is_refused(
    catalogs: Path, tmp_path: Path, markup: str
) -> None:
    # Template strings are rendered as HTML, so the catalog gate refuses added markup...
    edit_po(po_path("es"), "References", msgstr=f"Referencias{markup}")
    result = run("build", "-l", "es", "breast", "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "markup differs from the English" in result.output
    assert not list((tmp_path / "out").rglob("*.pdf"))


@pytest.mark.parametrize("markup", HOSTILE)
def test_restricted_fetcher_blocks_local_files_and_network(markup: str) -> None:
    # ...and should any markup get through, the URL fetcher still loads nothing outside.
    html = f'<html lang="en"><title>t</title><body><p>x</p>{markup}</body></html>'
    with pytest.raises(RenderError, match="refused to load"):
        write_pdf(html, lang="en", label="test", style=STYLE)


@pytest.mark.parametrize("markup", HOSTILE[:3])
def test_content_translation_is_text_never_markup(
    catalogs: Path, tmp_path: Path, markup: str
) -> None:
    # The catalog gate refuses it; a DRAFT build goes past the gate and shows it as text.
    title = load_topic("breast").title
    edit_po(po_path("es"), title, msgstr=f"Calcificaciones {markup}")
    assert run("build", "-l", "es", "breast", "-o", str(tmp_path)).exit_code == 1
    result = run("build", "-l", "es", "breast", "-o", str(tmp_path), "--allow-incomplete")
    assert result.exit_code == 0, result.output
    pdf = (tmp_path / "es" / "breast.pdf").read_bytes()
    assert squash(markup) in squash(pdf_text(pdf))  # shown literally
    assert b"/EmbeddedFile" not in pdf


def test_attachment_from_outside_is_refused_and_nothing_embedded() -> None:
    hostname = Path("/etc/hostname").read_text().strip()
    html = '<html lang="en"><title>t</title><link rel="attachment" href="file:///etc/hostname"><p>x'
    with pytest.raises(RenderError, match="refused to load file:///etc/hostname"):
        write_pdf(html, lang="en", label="test", style=STYLE)
    ok = write_pdf('<html lang="en"><title>t</title><p>x', lang="en", label="test", style=STYLE)
    assert b"/EmbeddedFile" not in ok and hostname.encode() not in ok


def test_missing_glyph_is_a_build_error() -> None:
    html = '<html lang="zh"><title>t</title><p>漢字</p>'
    with pytest.raises(RenderError, match=re.escape("U+6F22")):
        write_pdf(html, lang="en", label="zh/test", style=STYLE)


def test_draft_mark_on_every_page_with_allow_incomplete(catalogs: Path, tmp_path: Path) -> None:
    edit_po(po_path("es"), load_topic("breast").title, fuzzy=True)
    result = run("build", "-l", "es", "breast", "-o", str(tmp_path), "--allow-incomplete")
    assert result.exit_code == 0, result.output
    reader = PdfReader(io.BytesIO((tmp_path / "es" / "breast.pdf").read_bytes()))
    for page in reader.pages:
        assert "DRAFT" in page.extract_text()


@pytest.mark.parametrize("lang", ["en", "ru", "zh_Hans", "ko"])
def test_bullet_hangs_before_text_that_lines_up_with_the_next_lines(built: Path, lang: str) -> None:
    # The bullet is drawn inside its item, its first line pulled back by the bullet's width
    # (render.pdf.bullet_css): the text after it must start exactly where the item's
    # following lines do, with the bullet in the margin before it.
    lines: dict[tuple[int, float], list[tuple[float, str]]] = {}
    reader = PdfReader(built / lang.replace("_", "-") / "breast.pdf")
    for number, page in enumerate(reader.pages):

        def visit(
            text: str, cm: list[float], tm: list[float], *_: object, page: int = number
        ) -> None:
            if text.strip():
                line = (page, round(tm[5] * cm[3] + cm[5], 1))
                lines.setdefault(line, []).append((tm[4] * cm[0] + cm[4], text.strip()))

        page.extract_text(visitor_text=visit)
    bulleted = {line: sorted(runs) for line, runs in lines.items() if sorted(runs)[0][1] == "•"}
    assert len(bulleted) > 10
    # Per list indent (the boxes indent theirs further): one place for the text after a bullet.
    text_after: dict[float, set[float]] = {}
    for runs in bulleted.values():
        text_after.setdefault(round(runs[0][0], 1), set()).add(round(runs[1][0], 1))
    for bullet, texts in text_after.items():
        assert len(texts) == 1, (bullet, texts)
        assert 2 < min(texts) - bullet < 8  # the bullet and a space before the text
    # The line after an item's line, starting near the item's text, is that item going on: it
    # starts exactly where the text after the bullet does.
    following = []
    item_text = None
    for line in sorted(lines, key=lambda line: (line[0], -line[1])):
        start = min(lines[line])[0]
        if line in bulleted:
            item_text = bulleted[line][1][0]
        elif item_text is not None and abs(start - item_text) < 1.5:
            following.append((start, item_text))
        else:
            item_text = None
    assert len(following) > 3  # items that run over a line: without them this says nothing
    assert all(abs(start - text) < 0.3 for start, text in following), following


def test_streams_are_deflated_at_zlibs_default_level(built: Path) -> None:
    # Level 9 (pydyf's) cost 3.6 % of a render for 1.3 % smaller leaflets (render/pdf_hooks.py).
    reader = PdfReader(built / "zh-Hans" / "breast.pdf")
    objects = (reader.get_object(number) for number in range(1, reader.trailer["/Size"]))
    streams = [
        obj
        for obj in objects
        if isinstance(obj, EncodedStreamObject) and obj.get("/Filter") == "/FlateDecode"
    ]
    assert len(streams) > 10  # page contents, font files, object streams
    for stream in streams:
        assert stream._data == zlib.compress(stream.get_data(), 6)


#: Run in a fresh interpreter: records every process started while the renderer loads.
LOAD_RENDERER = """
import subprocess, sys
started = []
popen = subprocess.Popen.__init__
def record(self, args, *rest, **options):
    started.append(args)
    popen(self, args, *rest, **options)
subprocess.Popen.__init__ = record
{setup}
from leaflets.render.pdf import load_renderer
load_renderer()
import weasyprint.text.ffi as ffi
print(started, ffi.harfbuzz_subset is not None)
"""

#: Another system: no library loads by its file name, only through ctypes' search.
NO_FILE_NAMES = """
import cffi, ctypes.util
dlopen = cffi.FFI.dlopen
def dlopen_found_names_only(self, name, *rest):
    if ctypes.util.find_library("c") is None:
        raise OSError(name)
    return dlopen(self, name, *rest)
cffi.FFI.dlopen = dlopen_found_names_only
"""


@pytest.mark.parametrize(
    ("setup", "searches"), [("", False), (NO_FILE_NAMES, True)], ids=["linux", "elsewhere"]
)
def test_renderer_loads_its_libraries_without_running_gcc(setup: str, searches: bool) -> None:
    # ctypes' search runs ldconfig and gcc for each name WeasyPrint tries (render/pdf.py).
    code = LOAD_RENDERER.format(setup=setup)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    started, subset = result.stdout.rsplit(" ", 1)
    assert subset == "True\n"  # HarfBuzz's fast subsetter is loaded either way
    assert (started != "[]") == searches, started
    assert "WeasyPrint could not import" not in result.stdout
