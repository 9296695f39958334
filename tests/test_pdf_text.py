"""True text: poppler's pdftotext and pypdf read the words of the HTML out of every script."""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
import weasyprint
from PIL import Image, ImageChops
from pypdf import PdfReader
from weasyprint.text.fonts import FontConfiguration

from leaflets.build.matrix import Job, leaflet_html, prepare
from leaflets.content.models import DEFAULT_BRAND
from leaflets.content.topics import available_topics
from leaflets.i18n.languages import bcp47
from leaflets.paths import TEMPLATES_DIR
from leaflets.render.pdf import PrintStyle, language_css, style_css, write_pdf

#: Scripts whose text layer needs more than one code per glyph: Devanagari, Arabic, Han, Hangul.
SCRIPTS = ["hi", "ar", "zh_Hans", "ko"]
EXTRACTORS = ["pdftotext", "pypdf"]
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed"
)


class _BodyText(HTMLParser):
    """The text of the HTML body, with a space wherever an element starts or ends.

    Links are left out: their text is a web address, not words, and pdftotext joins an address
    broken after a hyphen without the hyphen.
    """

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.in_body = False
        self.in_link = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.in_body = self.in_body or tag == "body"
        self.in_link = self.in_link or tag == "a"
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.in_link = self.in_link and tag != "a"
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self.in_body and not self.in_link:
            self.parts.append(data)


def words(text: str) -> list[str]:
    """Words: runs of letters, marks and digits; each Han character is a word of its own.

    Format characters (bidi isolates and marks, word joiners) and the private-use page-number
    placeholders are invisible, so they are left out.
    """
    found, word = [], ""
    for char in unicodedata.normalize("NFC", text):
        kind = unicodedata.category(char)
        if kind in ("Cf", "Co"):
            continue
        if unicodedata.name(char, "").startswith("CJK UNIFIED"):
            found += [word, char] if word else [char]
            word = ""
        elif kind[0] in "LMN":
            word += char
        elif word:
            found.append(word)
            word = ""
    return found + ([word] if word else [])


def html_words(lang: str, topic: str) -> list[str]:
    parser = _BodyText()
    parser.feed(leaflet_html(prepare(Job(topic, lang))))
    return words("".join(parser.parts))


def extract(pdf: Path | bytes, extractor: str) -> str:
    if extractor == "pypdf":
        reader = PdfReader(pdf if isinstance(pdf, Path) else io.BytesIO(pdf))
        return "\n".join(page.extract_text() for page in reader.pages)
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    command = ["pdftotext", "-enc", "UTF-8", "-", "-"]
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout.decode()


def share_found(expected: list[str], got: list[str]) -> float:
    """The share of the expected words (counted with repeats) that the extractor gave."""
    return sum((Counter(expected) & Counter(got)).values()) / len(expected)


@pytest.mark.parametrize("extractor", [pytest.param("pdftotext", marks=needs_poppler), "pypdf"])
@pytest.mark.parametrize("lang", SCRIPTS)
@pytest.mark.parametrize("topic", available_topics())
def test_extracted_text_has_the_words_of_the_html(
    built: Path, topic: str, lang: str, extractor: str
) -> None:
    expected = html_words(lang, topic)
    got = words(extract(built / bcp47(lang) / f"{topic}.pdf", extractor))
    missing = Counter(expected) - Counter(got)
    assert share_found(expected, got) >= 0.99, sorted(missing.items())[:20]


def _render(lang: str, text: str, weight: int = 400) -> bytes:
    direction = "rtl" if lang == "ar" else "ltr"
    html = (
        f'<!DOCTYPE html><html lang="{lang}" dir="{direction}"><head><title>t</title></head>'
        f'<body><p style="font-size: 20pt; font-weight: {weight}">{text}</p></body></html>'
    )
    return write_pdf(html, lang=lang, label="test", style=PrintStyle("a4", False, "#000", "#fff"))


#: Text that WeasyPrint's own mapping got wrong: Hindi vowel signs drawn before their
#: consonant, conjuncts and marks placed on other glyphs; Arabic ligatures, vowel marks moved
#: off the baseline, and numbers inside right-to-left text.
HARD_CASES = [
    ("hi", "कैल्सीफिकेशन में कुछ बदलाव किसी स्त्री के लिए"),
    ("hi", "अल्ट्रासाउंड पर्चा रजोनिवृत्ति"),
    ("ar", "للاستخدام على الأشعة إلى الأنماط"),
    ("ar", "لا تُحَسّ الخاصة بكِ مُدرَّب"),
    ("ar", "فنحو نصف النساء فوق سن 50 لديهن تكلسات"),
    ("ko", "유방 석회화는 흔합니다"),
    ("zh_Hans", "乳腺钙化很常见"),
]


@pytest.mark.parametrize("extractor", [pytest.param("pdftotext", marks=needs_poppler), "pypdf"])
@pytest.mark.parametrize(("lang", "text"), HARD_CASES)
@pytest.mark.parametrize("weight", [400, 700])
def test_hard_text_comes_out_as_written(lang: str, text: str, weight: int, extractor: str) -> None:
    got = extract(_render(lang, text, weight), extractor)
    assert words(got) == words(text), got


@pytest.mark.parametrize("extractor", [pytest.param("pdftotext", marks=needs_poppler), "pypdf"])
def test_one_word_in_a_font_without_a_space(extractor: str) -> None:
    # A bold heading of one word: its font draws no space glyph to carry extra letters.
    assert words(extract(_render("ar", "الأشعة", 700), extractor)) == ["الأشعة"]


def _page_images(pdf: bytes, folder: Path) -> list[Image.Image]:
    source = folder / "page.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-png", source, folder / "page"], check=True)
    return [Image.open(png).convert("L") for png in sorted(folder.glob("page-*.png"))]


@needs_poppler
@pytest.mark.parametrize("lang", ["hi", "ar"])
def test_the_new_text_layer_draws_the_same_pages(lang: str, tmp_path: Path) -> None:
    # The same leaflet through WeasyPrint alone (its own text layer) and through leaflets.
    html = leaflet_html(prepare(Job("breast", lang)))
    style = PrintStyle("a4", False, DEFAULT_BRAND.primary_color, DEFAULT_BRAND.accent_color)
    fonts = FontConfiguration()
    sheets = [
        weasyprint.CSS(filename=str(TEMPLATES_DIR / "leaflet.css"), font_config=fonts),
        weasyprint.CSS(string=language_css(lang), font_config=fonts),
        weasyprint.CSS(string=style_css(style), font_config=fonts),
    ]
    plain = weasyprint.HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/").write_pdf(
        stylesheets=sheets, font_config=fonts, pdf_variant="pdf/ua-1"
    )
    ours = write_pdf(html, lang=lang, label="test", style=style)
    (tmp_path / "plain").mkdir()
    (tmp_path / "ours").mkdir()
    before, after = _page_images(plain, tmp_path / "plain"), _page_images(ours, tmp_path / "ours")
    assert len(before) == len(after) > 1
    for old, new in zip(before, after, strict=True):
        # Positions are rewritten to 1/1000 of a point: at most an anti-aliasing shade differs.
        assert max(ImageChops.difference(old, new).get_flattened_data()) < 40
