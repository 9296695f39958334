"""Text never runs off the page: long words wrap, and what cannot fit is a build error."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import ROOT, edit_po, pdf_text, run, squash
from leaflets.content.models import CITATION_RE
from leaflets.content.topics import load_topic
from leaflets.i18n.languages import po_path

#: A printed breast paragraph with the numbers 2 and 24 (the translation must keep them).
AFTERCARE = next(
    text for _, text in load_topic("breast").texts() if "2 weeks" in text and "24 hours" in text
)
#: A 180-letter "word", as a compound or a pasted code can be: longer than any line.
LONG_WORD = (
    "Mikroverkalkungsbrustuntersuchungsergebnismitteilungsvorsorgeprogrammteilnehmerinnenbrief" * 2
)


def test_a_long_word_in_a_translation_wraps(project: Path, tmp_path: Path) -> None:
    spanish = f"Los moretones duran unas 2 semanas; {LONG_WORD}; evite cargar peso 24 horas."
    citations = " ".join(m.group(0) for m in CITATION_RE.finditer(AFTERCARE))
    edit_po(po_path("es"), AFTERCARE, msgstr=f"{spanish} {citations}")
    result = run("build", "-l", "es", "breast", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    text = pdf_text(tmp_path / "es" / "breast.pdf")
    assert LONG_WORD in squash(text)  # all of it is printed...
    assert LONG_WORD not in text  # ...over more than one line, not clipped at the page edge


def test_a_long_address_and_qr_url_wrap(tmp_path: Path) -> None:
    brand = tmp_path / "clinic"
    shutil.copytree(ROOT / "docs" / "examples" / "riverside", brand)
    toml = brand / "riverside.toml"
    qr = "riverside.example/leaflets/" + "calcifications-breast-" * 2 + "01234"
    assert len("https://" + qr) == 84  # the longest allowed
    text = toml.read_text()
    text = text.replace('"12 Mill Lane, Riverside"', f'"12 Mill Lane, {LONG_WORD}"')
    text = text.replace('"https://riverside.example/leaflets"', f'"https://{qr}"')
    toml.write_text(text)
    result = run("build", "-l", "en", "breast", "--brand", str(toml), "-o", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    printed = pdf_text(tmp_path / "o" / "riverside" / "en" / "breast-letter.pdf")
    for long_text in (LONG_WORD, qr):
        assert long_text in squash(printed) and long_text not in printed
