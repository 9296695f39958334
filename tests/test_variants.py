"""Output names of variants: paper, print size and brand never share a file."""

from __future__ import annotations

import shutil
from pathlib import Path

from pypdf import PdfReader

from conftest import ROOT, run

RIVERSIDE = ROOT / "docs" / "examples" / "riverside"


def _page_size(path: Path) -> tuple[int, int]:
    box = PdfReader(path).pages[0].mediabox
    return round(box.width), round(box.height)


def test_each_paper_and_print_size_has_its_own_file(tmp_path: Path) -> None:
    variants = {
        (): "breast.pdf",
        ("--paper", "letter"): "breast-letter.pdf",
        ("--large-print",): "breast-large.pdf",
        ("--paper", "letter", "--large-print"): "breast-letter-large.pdf",
    }
    for options, name in variants.items():
        result = run("build", "-l", "en", "breast", "-o", str(tmp_path), "-j", "1", *options)
        assert result.exit_code == 0, result.output
        assert f"{name}  (" in result.output, result.output
    built = sorted(p.name for p in (tmp_path / "en").glob("*.pdf"))
    assert built == sorted(variants.values())
    assert _page_size(tmp_path / "en" / "breast.pdf") == (595, 842)
    assert _page_size(tmp_path / "en" / "breast-letter.pdf") == (612, 792)
    assert _page_size(tmp_path / "en" / "breast-letter-large.pdf") == (612, 792)
    # A second A4 build finds its own file up to date: the Letter build did not replace it.
    again = run("build", "-l", "en", "breast", "-o", str(tmp_path))
    assert "breast.pdf  (up to date)" in again.output, again.output


def test_a_brand_with_letter_paper_names_its_files_so(tmp_path: Path) -> None:
    brand = str(RIVERSIDE / "riverside.toml")
    assert run("build", "-l", "en", "breast", "--brand", brand, "-o", str(tmp_path)).exit_code == 0
    assert _page_size(tmp_path / "riverside" / "en" / "breast-letter.pdf") == (612, 792)
    assert not (tmp_path / "riverside" / "en" / "breast.pdf").exists()


def test_two_brand_files_with_one_name_do_not_share_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run(
        "build", "-l", "en", "breast", "--brand", str(RIVERSIDE / "riverside.toml"), "-o", str(out)
    )
    assert first.exit_code == 0, first.output
    before = (out / "riverside" / "en" / "breast-letter.pdf").read_bytes()
    other = tmp_path / "south"
    shutil.copytree(RIVERSIDE, other)
    toml = other / "riverside.toml"
    toml.write_text(toml.read_text().replace("Riverside Breast Imaging", "South Clinic"))
    second = run("build", "-l", "en", "breast", "--brand", str(toml), "-o", str(out))
    assert second.exit_code == 1
    assert f"{toml}: {out}/riverside/ holds the leaflets of another brand file" in second.output
    assert (out / "riverside" / "en" / "breast-letter.pdf").read_bytes() == before


def test_a_brand_named_like_a_language_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "clinic"
    shutil.copytree(RIVERSIDE, folder)
    toml = folder / "es.toml"
    (folder / "riverside.toml").rename(toml)
    result = run("build", "-l", "en", "breast", "--brand", str(toml), "-o", str(tmp_path / "o"))
    assert result.exit_code == 1
    assert f"{toml}: its leaflets would go to {tmp_path}/o/es/" in result.output
    assert not list((tmp_path / "o").rglob("*.pdf"))
