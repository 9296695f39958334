"""Where a render's time goes: cProfile over every topic in en, es, zh-Hans, ar and hi.

Run `.venv/bin/python bench/render_profile.py` for this tree; with `PYTHONPATH=<tree>` it profiles
another checkout (the baseline's old module names are found too). Prints the stages of a
render by cumulative share of the render time, largest first. cProfile slows Python code more
than C code, so shares of our own Python steps read somewhat high.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time

try:
    from leaflets.build.matrix import Job, Variant, prepare, render_pdf
    from leaflets.content.topics import available_topics
except ImportError:  # the layout before the move into subpackages
    from leaflets.build import Job, Variant, prepare, render_pdf  # type: ignore[no-redef]
    from leaflets.content import available_topics  # type: ignore[no-redef]

LANGUAGES = ("en", "es", "zh_Hans", "ar", "hi")
#: Stages of a render: a label, and the file and function that run it.
STAGES = {
    "layout: pagination (page boxes, text, tables)": ("layout/page.py", "make_all_pages"),
    "layout: flex containers (header, footer)": ("layout/flex.py", "flex_layout"),
    "layout: running header and footer (margin boxes)": ("layout/page.py", "make_margin_boxes"),
    "layout: list markers (absolutely positioned)": ("layout/absolute.py", "absolute_layout"),
    "layout: table column widths": ("layout/table.py", "table_wrapper_width"),
    "styles: cascade and computed values": ("css/__init__.py", "get_all_computed_styles"),
    "drawing pages (including our glyph record)": ("document.py", "paint"),
    "our glyph record (pdf_hooks, pdf_letters)": ("pdf_letters.py", "line_glyphs"),
    "fonts: subsetting and embedding": ("pdf/fonts.py", "build_fonts_dictionary"),
    "our finisher (pdf_text, pdf_structure)": ("pdf.py", "_finish"),
    "PDF serialisation and compression (pydyf)": ("pydyf/__init__.py", "write"),
    "tagging (structure tree)": ("pdf/tags.py", "add_tags"),
    "our overflow check": ("overflow.py", "find_overflows"),
    "our missing-glyph check": ("pdf.py", "missing_glyphs"),
    "HTML (Jinja2)": ("", "leaflet_html"),
}


def main() -> None:
    items = [prepare(Job(t, lang, Variant())) for lang in LANGUAGES for t in available_topics()]
    render_pdf(items[0])  # warm: fonts, stylesheets
    profile = cProfile.Profile()
    start = time.process_time()
    profile.enable()
    for item in items:
        render_pdf(item)
    profile.disable()
    cpu = time.process_time() - start
    stats = pstats.Stats(profile)
    totals = dict.fromkeys(STAGES, 0.0)
    whole = 0.0
    for (path, _, name), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        if name == "render_pdf" and "leaflets" in path:
            whole = max(whole, cumulative)
        for label, (file, function) in STAGES.items():
            if name == function and path.endswith(file):
                totals[label] += cumulative
    print(f"{len(items)} leaflets, {cpu / len(items):.3f} s CPU each under cProfile")
    for label, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        if seconds:
            print(f"  {100 * seconds / whole:5.1f}%  {label}")


if __name__ == "__main__":
    sys.exit(main())
