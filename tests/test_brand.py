"""Brand files, paper sizes and large print."""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import ROOT, pdf_text, run, squash
from leaflets.content.brand import BrandError, load_brand

RIVERSIDE = ROOT / "docs" / "examples" / "riverside"


@pytest.fixture
def brand_dir(tmp_path: Path) -> Path:
    """A copy of the example brand that tests may change."""
    folder = tmp_path / "clinic"
    shutil.copytree(RIVERSIDE, folder)
    return folder


def _write(folder: Path, **changes: str | None) -> Path:
    lines = []
    for line in (folder / "riverside.toml").read_text().splitlines():
        key = line.split("=")[0].strip()
        if key in changes:
            if changes[key] is not None:
                lines.append(f"{key} = {changes.pop(key)}")
            else:
                changes.pop(key)
            continue
        lines.append(line)
    lines += [f"{k} = {v}" for k, v in changes.items() if v is not None]
    path = folder / "riverside.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _char_sizes(path: Path) -> list[float]:
    sizes: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
        sizes.extend([size * scale] * len(text.strip()))

    for page in PdfReader(path).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def _page_size(path: Path) -> tuple[int, int]:
    box = PdfReader(path).pages[0].mediabox
    return round(box.width), round(box.height)


def test_brand_identity_letter_paper_and_output_folder(tmp_path: Path) -> None:
    result = run(
        "build",
        "-l",
        "en",
        "breast",
        "--brand",
        str(RIVERSIDE / "riverside.toml"),
        "-o",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "riverside" / "en" / "breast-letter.pdf"
    text = squash(pdf_text(pdf))
    assert "RiversideBreastImaging" in text and "+15550100" in text
    assert "riverside.example/leaflets" in text  # the QR code's caption
    assert _page_size(pdf) == (612, 792)  # the brand's paper: Letter
    assert not (tmp_path / "en").exists()


def test_paper_option_overrides_the_brand(tmp_path: Path) -> None:
    run(
        "build",
        "-l",
        "en",
        "prostate",
        "--brand",
        str(RIVERSIDE / "riverside.toml"),
        "--paper",
        "a4",
        "-o",
        str(tmp_path),
    )
    assert _page_size(tmp_path / "riverside" / "en" / "prostate.pdf") == (595, 842)
    for paper in ("letter", "a4"):
        result = run("build", "-l", "es", "prostate", "--paper", paper, "-o", str(tmp_path))
        assert result.exit_code == 0, result.output
    letter = tmp_path / "es" / "prostate-letter.pdf"
    assert _page_size(letter) == (612, 792)
    # The 4-page limit is for A4 (README). A Letter page is 18 mm shorter, so a leaflet that
    # fills 4 A4 pages may take one Letter page more (several do); not two more.
    a4_pages = len(PdfReader(tmp_path / "es" / "prostate.pdf").pages)
    assert a4_pages <= 4
    assert 2 <= len(PdfReader(letter).pages) <= a4_pages + 1


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_large_print_sizes(tmp_path: Path, lang: str) -> None:
    result = run("build", "-l", lang, "breast", "--large-print", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    sizes = _char_sizes(tmp_path / lang / "breast-large.pdf")
    assert min(sizes) >= 14 - 0.01
    assert statistics.median(sizes) >= 16 - 0.01


def test_standard_leaflet_is_smaller_print(built: Path) -> None:
    sizes = _char_sizes(built / "en" / "breast.pdf")
    assert statistics.median(sizes) < 14


def test_brand_values_are_text_never_markup(brand_dir: Path, tmp_path: Path) -> None:
    hostile = '<b>Bold</b><link rel="attachment" href="file:///etc/hostname">'
    path = _write(brand_dir, name=f"'{hostile}'")
    result = run("build", "-l", "en", "breast", "--brand", str(path), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    pdf = (tmp_path / "riverside" / "en" / "breast-letter.pdf").read_bytes()
    assert squash(hostile) in squash(pdf_text(pdf))
    assert b"/EmbeddedFile" not in pdf


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": None}, "name: required key is missing"),
        ({"primary_color": '"teal"'}, "primary_color: String should match pattern"),
        ({"accent_color": '"#fff; background: url(http://127.0.0.1/)"'}, "accent_color"),
        ({"primary_color": '"#9fc7d6"'}, "primary_color: text #9fc7d6 on white"),
        ({"accent_color": '"#555555"'}, "on accent_color #555555"),
        ({"logo": '"../logo.svg"'}, "logo: must be a relative path inside"),
        ({"logo": '"/etc/hostname"'}, "logo: must be a relative path inside"),
        ({"logo": '"https://evil.example/logo.png"'}, "logo: must be a file next to the brand"),
        ({"logo": '"missing.svg"'}, "logo: file not found"),
        ({"logo": '"logo.gif"'}, "logo: must be an .svg or .png file"),
        ({"favourite_colour": '"blue"'}, "favourite_colour: unknown key"),
        ({"paper": '"a5"'}, "paper: Input should be 'a4' or 'letter'"),
        ({"website": '"javascript:alert(1)"'}, "website"),
    ],
)
def test_invalid_brand_files_fail_clearly(
    brand_dir: Path, tmp_path: Path, changes: dict[str, str | None], expected: str
) -> None:
    path = _write(brand_dir, **changes)
    with pytest.raises(BrandError) as err:
        load_brand(path)
    assert f"{path}: " in err.value.message
    assert expected in err.value.message
    result = run("build", "-l", "en", "breast", "--brand", str(path), "-o", str(tmp_path / "o"))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_logo_symlink_out_of_the_folder_is_refused(brand_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.svg"
    outside.write_text((brand_dir / "logo.svg").read_text())
    (brand_dir / "link.svg").symlink_to(outside)
    with pytest.raises(BrandError, match="points outside the brand file's folder"):
        load_brand(_write(brand_dir, logo='"link.svg"'))


def test_svg_logo_cannot_pull_in_other_files(brand_dir: Path, tmp_path: Path) -> None:
    (brand_dir / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<image xlink:href="file:///etc/hostname" width="10" height="10"/></svg>'
    )
    path = brand_dir / "riverside.toml"
    result = run("build", "-l", "en", "breast", "--brand", str(path), "-o", str(tmp_path))
    assert result.exit_code == 1
    assert "refused to load file:///etc/hostname" in result.output


def test_missing_brand_file(tmp_path: Path) -> None:
    result = run("build", "--brand", str(tmp_path / "nope.toml"))
    assert result.exit_code == 1
    assert "nope.toml: cannot read brand file" in result.output


def test_clinic_name_with_css_and_html_syntax_prints_as_written(
    brand_dir: Path, tmp_path: Path
) -> None:
    # The PDF's page footer is CSS content made from the clinic's name (render.html): quotes,
    # backslashes, braces and a closing </style> must print as written, never end the string.
    name = 'Clinic "A" \\ B; } @page { x </style><b>C</b>'
    brand = _write(brand_dir, name="'" + name + "'")
    result = run("build", "-l", "en", "breast", "--brand", str(brand), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "riverside" / "en" / "breast-letter.pdf"
    pages = [page.extract_text() for page in PdfReader(pdf).pages]
    for number, text in enumerate(pages, 1):  # page 2 on: the footer is the only place
        assert name in text and f"Page {number} of {len(pages)}" in text, (number, text)
