"""Pages before and after: every template variant rendered by the baseline and by this tree.

Run with `.venv/bin/python bench/visual.py [--keep DIR]`. Each leaflet of a small fixed set
(every script, A4, Letter, large print, and a brand with a long name and no logo) is built by
the baseline commit (bench/baseline.py) and by this tree, turned into 50 dpi PNG pages with
`pdftoppm`, and compared pixel by pixel. It prints the share of differing pixels of each page
that differs at all; --keep writes the pages that differ (before, after, and a diff) to look at.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from baseline import ROOT, baseline_tree, leaflets_command  # bench/ is on sys.path
from PIL import Image, ImageChops

TOPIC = "breast"  # the longest topic, with a table, a callout and every box
LANGUAGES = ("en", "ar", "zh-Hans", "hi", "ko", "ru")
VARIANTS = {"a4": [], "letter": ["--paper", "letter"], "large": ["--large-print"]}
#: A brand that stretches the header: a long name over two lines, a department, no logo.
BRAND = """\
name = "Royal Northern Infirmary Breast Screening and Assessment Service"
department = "Department of Radiology, Level 2, East Wing"
address = "Infirmary Road 1200, Northtown NT1 2AB, United Kingdom"
phone = "+44 20 7946 0000"
email = "breast.screening.appointments@infirmary.example"
primary_color = "#5a2a82"
accent_color = "#f3eef8"
"""
DPI = 50
#: A pixel differs when a colour channel differs by more than this (of 255): anti-aliasing
#: of the same drawing does not, a moved glyph or line does.
THRESHOLD = 16


def build_all(command: list[str], env: dict[str, str], cwd: Path, out: Path, brand: Path) -> None:
    """Build the fixed set with one tree's CLI into ``out``."""
    for args in VARIANTS.values():
        langs = [arg for lang in LANGUAGES for arg in ("-l", lang)]
        run = [*command, "build", TOPIC, *langs, *args, "-j", "2", "-o", str(out)]
        subprocess.run(run, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    brand_run = [*command, "build", TOPIC, "-l", "en", "-l", "ar", "--brand", str(brand)]
    subprocess.run(
        [*brand_run, "-o", str(out)], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL
    )


def pages(pdf: Path, folder: Path) -> list[Path]:
    """The PDF's pages as PNG files."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", str(DPI), str(pdf), str(folder / "p")], check=True)
    return sorted(folder.glob("p-*.png"))


def differing_share(before: Path, after: Path) -> tuple[float, Image.Image]:
    """The share of pixels that differ, and an image of where."""
    a, b = Image.open(before).convert("RGB"), Image.open(after).convert("RGB")
    if a.size != b.size:
        b = b.resize(a.size)
    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > THRESHOLD else 0)
    changed = diff.histogram()[255]
    return changed / (a.size[0] * a.size[1]), diff


def compare(before_dir: Path, after_dir: Path, keep: Path | None) -> Iterator[str]:
    """One line per leaflet: its pages and the largest differing share."""
    for pdf in sorted(before_dir.rglob("*.pdf")):
        rel = pdf.relative_to(before_dir)
        other = after_dir / rel
        work = Path(tempfile.mkdtemp(prefix="visual-"))
        try:
            old, new = pages(pdf, work / "before"), pages(other, work / "after")
            shares = []
            for number, (a, b) in enumerate(zip(old, new, strict=False), 1):
                share, diff = differing_share(a, b)
                shares.append(share)
                if share and keep:
                    stem = keep / f"{str(rel.with_suffix('')).replace('/', '_')}-p{number}"
                    stem.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(a, f"{stem}-before.png")
                    shutil.copy(b, f"{stem}-after.png")
                    diff.save(f"{stem}-diff.png")
            detail = ", ".join(f"p{n} {s:.2%}" for n, s in enumerate(shares, 1) if s)
            count = f"{len(old)} pages"
            if len(old) != len(new):
                count = f"{len(old)} -> {len(new)} pages"
            yield f"{rel}: {count}, max {max(shares):.2%} differing" + (
                f" ({detail})" if detail else ""
            )
        finally:
            shutil.rmtree(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write differing pages here")
    parser.add_argument("--rev", default=None, help="baseline commit (default: bench/baseline.py)")
    options = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        baseline_tree(*([options.rev] if options.rev else [])) as tree,
    ):
        brand = Path(tmp) / "northern" / "brand.toml"
        brand.parent.mkdir()
        brand.write_text(BRAND)
        before, after = Path(tmp) / "before", Path(tmp) / "after"
        build_all(*leaflets_command(tree), tree, before, brand)
        build_all(*leaflets_command(ROOT), ROOT, after, brand)
        worst = 0.0
        for line in compare(before, after, options.keep):
            print(line)
            worst = max(worst, float(line.rsplit("max ", 1)[1].split("%")[0]) / 100)
        print(f"largest share of differing pixels on any page: {worst:.2%}")


if __name__ == "__main__":
    main()
