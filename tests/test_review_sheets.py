"""Review sheets through the real command line: what the approver reads, checks and signs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pypdf import PdfReader

from conftest import edit_po, pdf_text, run, squash
from leaflets.content import topics
from leaflets.content.models import CITATION_RE
from leaflets.content.topics import load_topic, topic_path
from leaflets.i18n import languages
from leaflets.i18n.languages import load_po, po_path


def sheet(tmp_path: Path, *args: str) -> Path:
    result = run("review-sheet", "-o", str(tmp_path / "sheets"), *args)
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip().splitlines()[-1])
    assert path.parent == tmp_path / "sheets"
    return path


def test_clinical_sheet_numbers_every_statement_beside_its_sources(
    project: Path, tmp_path: Path, riverside: Path
) -> None:
    path = topic_path("breast")
    note = "Decide whether the 6-month follow-up matches local practice."
    text = path.read_text("utf-8")
    # One more open point for the approver, first in the list (which may not exist yet).
    if "\napprover_notes:\n" in text:
        text = text.replace("\napprover_notes:\n", f"\napprover_notes:\n  - {note}\n", 1)
    else:
        text = text.replace("\nsections:", f"\napprover_notes:\n  - {note}\nsections:", 1)
    path.write_text(text, "utf-8")
    topics.load_topic.cache_clear()
    topic = load_topic("breast")
    assert note in topic.approver_notes
    pdf = sheet(tmp_path, "breast", "--brand", str(riverside))
    assert pdf.name == "breast-clinical.pdf"
    reader = PdfReader(pdf)
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    flat = squash(pdf_text(pdf))
    # Every string of the English content, with its citations as reference numbers.
    numbers = topic.citation_numbers()
    for _, english in topic.texts():
        shown = CITATION_RE.sub(
            lambda m: (
                "["
                + ",".join(str(numbers[k.strip().lstrip("@")]) for k in m.group(1).split(";"))
                + "]"
            ),
            english,
        )
        assert squash(shown) in flat, english
    # The full text of every reference, the approver's notes, the sign-off box.
    for ref in topic.references:
        assert squash(ref.citation) in flat
    for open_point in topic.approver_notes:
        assert squash(open_point) in flat, open_point
    assert squash("Open points for the approver") in flat
    for field in ("Name", "Role", "Date", "Signature"):
        assert field in flat
    assert "RiversideBreastImaging" in flat
    # The printed fingerprint is the one `leaflets approve` records.
    result = run("approve", "breast", "--brand", str(riverside), "--by", "Dr A", "--role", "GP")
    assert result.exit_code == 0, result.output
    record = tomllib.loads((riverside.parent / "approvals.toml").read_text("utf-8"))
    assert record["content"][0]["fingerprint"] in flat


def test_translation_sheet_pairs_english_and_spanish_strings(
    catalogs: Path, tmp_path: Path
) -> None:
    topic = load_topic("breast")
    title = topic.title
    catalog = languages.read_catalog(po_path("es"))
    catalog[title].user_comments.append("Checked against the RSNA glossary.")
    from babel.messages.pofile import write_po

    with po_path("es").open("wb") as fh:
        write_po(fh, catalog)
    pdf = sheet(tmp_path, "breast", "--lang", "es")
    assert pdf.name == "breast-es-translation.pdf"
    flat = squash(pdf_text(pdf))
    spanish = load_po("es")
    for _, english in topic.texts():
        assert squash(english) in flat, english
        assert squash(str(spanish[english].string)) in flat, english
    assert squash("Translator: Checked against the RSNA glossary.") in flat
    assert f"messages.po:{spanish[title].lineno}" in flat
    assert "Signature" in flat


def test_arabic_translation_sheet_holds_both_scripts(tmp_path: Path) -> None:
    pdf = sheet(tmp_path, "prostate", "--lang", "ar")
    reader = PdfReader(pdf)
    assert reader.trailer["/Root"]["/Lang"] == "en"
    text = pdf_text(pdf)
    assert "Prostate calcifications" in text
    assert re.search("[\u0600-\u06ff]{3}", text)  # Arabic letters in the text layer
    fonts = {
        str(f["/BaseFont"]) for page in reader.pages for f in page["/Resources"]["/Font"].values()
    }  # type: ignore[index, union-attr]
    # Only the pinned fonts: Arabic in the language's own face, never a system fallback.
    assert any("Leaflet-World" in f for f in fonts), fonts
    assert all("Leaflet" in f for f in fonts), fonts


def test_review_sheet_of_an_incomplete_translation_is_refused(
    catalogs: Path, tmp_path: Path
) -> None:
    edit_po(po_path("de"), load_topic("breast").title, msgstr="")
    result = run("review-sheet", "breast", "--lang", "de", "-o", str(tmp_path))
    assert result.exit_code == 1
    assert "de/breast: 1 string(s) not ready (first: untranslated" in result.output
    assert not list(tmp_path.rglob("*.pdf"))


def test_example_brand_sheet_says_it_cannot_be_recorded(tmp_path: Path) -> None:
    flat = squash(pdf_text(sheet(tmp_path, "prostate")))
    assert squash("which cannot hold approvals") in flat
    topics.load_topic.cache_clear()
    languages.topic_messages.cache_clear()
