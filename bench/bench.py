"""Benchmark: prints, measured in one run on this machine, the ratios of issues 7 and 18.

Run with `make bench` (about 8 minutes on an idle 2-CPU machine). Nothing here is asserted;
each line gives the figure, what it is made of, the target and whether it is met.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import peer_typst
import weasyprint
from baseline import BASELINE, ROOT, baseline_tree, leaflets_command
from measure import Run, median_time, run

from leaflets.build.matrix import Job, Variant, leaflet_html, prepare, render_pdf
from leaflets.content import topics
from leaflets.i18n import languages
from leaflets.paths import TEMPLATES_DIR
from leaflets.render.pdf import language_css, style_css, write_pdf

WEASYPRINT = str(Path(sys.executable).with_name("weasyprint"))
SYNTHETIC = Path(__file__).with_name("synthetic.py")


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def line(label: str, value: str, detail: str, target: str, met: bool) -> None:
    print(f"{label:<46} {value:>8}  ({detail}; target {target}: {verdict(met)})")


def self_contained_html(job: Job) -> str:
    """The leaflet's HTML with all its CSS inlined, for plain WeasyPrint runs."""
    css = "\n".join(
        [
            (TEMPLATES_DIR / "leaflet.css").read_text(),
            language_css(job.lang),
            style_css(job.variant.style),
        ]
    )
    html = leaflet_html(prepare(job))
    return html.replace("</head>", f"<style>{css}</style></head>", 1)


def build(tree: Path, *args: str) -> Run:
    """`leaflets build ARGS` with the code of ``tree``."""
    command, env = leaflets_command(tree)
    return run([*command, "build", *args], cwd=tree, env=env)


def cpu_against_baseline(out: Path) -> Run:
    """1. CPU of the full matrix at -j 1: this tree against the baseline commit, same content."""
    ours: list[Run] = []
    theirs: list[Run] = []
    with baseline_tree() as tree:
        for _ in range(2):  # alternated, so that a busy neighbour slows both alike
            theirs.append(build(tree, "--force", "-j", "1", "-o", str(out / "baseline")))
            ours.append(build(ROOT, "--force", "-j", "1", "-o", str(out / "ours")))
    mine, base = min(r.cpu for r in ours), min(r.cpu for r in theirs)
    count = len(topics.available_topics()) * len(languages.available_languages())
    line(
        f"1. CPU, full matrix -j 1, ours / {BASELINE}",
        f"{mine / base:.2f}",
        f"{mine:.1f} s vs {base:.1f} s for {count} leaflets, "
        f"{mine / count:.3f} vs {base / count:.3f} s each",
        "<= 0.70",
        mine / base <= 0.70,
    )
    return min(ours, key=lambda r: r.cpu)


#: What a leaflet draws besides its text: the header, the running footer, the "not approved"
#: band and the list bullets.
DECORATION = (
    re.compile(r'<header class="brand".*?</header>', re.S),
    re.compile(r'<footer class="page-footer".*?</footer>', re.S),
    re.compile(r'<div class="approval-band">.*?</div>', re.S),
)


def undecorated(html: str) -> str:
    """``html`` without the header, footer, band and bullets: text and boxes only."""
    for part in DECORATION:
        html = part.sub("", html, count=1)
    return html.replace("</head>", "<style>ul { list-style: none }</style></head>", 1)


def template_floor() -> None:
    """1b. What template and stylesheet work could save at most: leaflets without decoration.

    Layout and drawing of the text itself stay WeasyPrint's. If the undecorated leaflets are
    still above target 1, no simpler page layout can reach it.
    """
    items = [
        prepare(Job(topic, lang, Variant()))
        for lang in ("en", "es", "ru", "zh_Hans")
        for topic in topics.available_topics()
    ]
    pages = [(item, leaflet_html(item)) for item in items]

    def render(strip: bool) -> float:
        start = time.process_time()
        for item, html in pages:
            job = item.job
            page = undecorated(html) if strip else html
            write_pdf(page, lang=job.lang, label=job.label, style=job.variant.style)
        return (time.process_time() - start) / len(pages)

    render(False)  # warm: fonts, stylesheets
    whole, bare = [], []
    for _ in range(3):  # alternated: a busy neighbour slows both alike
        whole.append(render(False))
        bare.append(render(True))
    print(
        f"   floor: undecorated / as printed{min(bare) / min(whole):>21.2f}  ({min(bare):.3f} s vs "
        f"{min(whole):.3f} s CPU per leaflet; no header, footer, band or bullets)"
    )


def against_bare_weasyprint() -> None:
    """2. One leaflet: our render against bare WeasyPrint on the same HTML."""
    job = Job("breast", "es", Variant())
    html = self_contained_html(job)
    item = prepare(job)
    base_url = str(TEMPLATES_DIR) + "/"
    render_pdf(item)  # warm: fonts, stylesheets
    weasyprint.HTML(string=html, base_url=base_url).write_pdf()
    ours, bare = [], []
    for _ in range(9):  # interleaved, so that a noisy neighbour slows both sides alike
        ours.append(median_time(lambda: render_pdf(item), runs=1))
        bare.append(
            median_time(lambda: weasyprint.HTML(string=html, base_url=base_url).write_pdf(), 1)
        )
    mine, theirs = statistics.median(ours), statistics.median(bare)
    line(
        "2. one leaflet, ours / bare WeasyPrint",
        f"{mine / theirs:.2f}",
        f"{mine:.3f} s vs {theirs:.3f} s",
        "<= 1.05",
        mine / theirs <= 1.05,
    )


def against_shell_loop(out: Path, one: Run) -> None:
    """3. The full matrix against a shell loop running the `weasyprint` command per leaflet."""
    both = build(ROOT, "--force", "-o", str(out / "ours"))  # -j: every CPU
    line(
        "   full matrix, -j 1 / -j (CPUs)",
        f"{one.wall / both.wall:.2f}",
        f"{one.wall:.1f} s vs {both.wall:.1f} s wall",
        ">= 1.7",
        one.wall / both.wall >= 1.7,
    )
    pages = out / "html"
    pages.mkdir()
    for lang in languages.available_languages():
        for topic in topics.available_topics():
            text = self_contained_html(Job(topic, lang, Variant()))
            (pages / f"{lang}-{topic}.html").write_text(text, encoding="utf-8")
    loop = f'for f in "{pages}"/*.html; do "{WEASYPRINT}" -q "$f" "$f.pdf"; done'
    shell = run(["sh", "-c", loop], cwd=TEMPLATES_DIR)
    line(
        "3. shell loop of `weasyprint` / full matrix",
        f"{shell.wall / both.wall:.1f}x",
        f"{shell.wall:.1f} s vs {both.wall:.1f} s wall; CPU {shell.cpu:.0f} s vs {both.cpu:.0f} s",
        ">= 5x",
        shell.wall / both.wall >= 5,
    )
    noop = statistics.median(build(ROOT, "-o", str(out / "ours")).wall for _ in range(5))
    line("4. no-op rebuild", f"{noop:.2f} s", "median of 5, wall", "<= 0.3 s", noop <= 0.3)


def every_variant(out: Path) -> None:
    """5. Every topic and language in A4, Letter and large print, -j 2."""
    runs = [
        build(ROOT, "--force", "-j", "2", "-o", str(out / "variants"), *args)
        for args in (["--paper", "a4"], ["--paper", "letter"], ["--large-print"])
    ]
    count = 3 * len(topics.available_topics()) * len(languages.available_languages())
    seconds = sum(r.wall for r in runs)
    peak = max(r.worker_peak for r in runs)
    line(
        "5. every variant (A4, Letter, large), -j 2",
        f"{count / seconds:.1f}/s",
        f"{count} leaflets in {seconds:.1f} s; peak worker memory {peak:.0f} MB",
        "<= 250 MB",
        peak <= 250,
    )


def scaling(out: Path) -> None:
    """6. A synthetic corpus: 10 and 50 topics x every language, -j 2."""
    results = []
    for count in (10, 50):
        done = run([sys.executable, str(SYNTHETIC), str(count), str(out / f"syn{count}")], cwd=ROOT)
        built, failed = (int(n) for n in done.output.split())
        results.append((built, done))
        print(
            f"   synthetic {built:4d} leaflets: {done.wall:6.1f} s, {built / done.wall:4.1f} "
            f"leaflets/s, peak worker memory {done.worker_peak:.0f} MB, {failed} failed"
        )
    (small, first), (large, second) = results
    growth = (second.wall / first.wall) / (large / small)
    memory = second.worker_peak / first.worker_peak
    line(
        "6. synthetic 5x corpus: time per leaflet",
        f"{growth:.2f}",
        f"time x{second.wall / first.wall:.2f} for x{large / small:.0f} leaflets",
        "linear, <= 1.10",
        growth <= 1.10,
    )
    line(
        "   synthetic 5x corpus: worker memory",
        f"{second.worker_peak:.0f} MB",
        f"x{memory:.2f} of {first.worker_peak:.0f} MB at 1x",
        "flat (<= x1.10) and <= 250 MB",
        memory <= 1.10 and second.worker_peak <= 250,
    )


def against_typst(out: Path) -> None:
    """7. The peer row: the English breast leaflet by Typst, fresh and with a reused compiler."""
    seconds = peer_typst.typst_timings()
    fresh = statistics.median(
        build(ROOT, "breast", "-l", "en", "--force", "-j", "1", "-o", str(out / "one")).wall
        for _ in range(3)
    )
    item = prepare(Job("breast", "en"))
    render_pdf(item)
    warm = median_time(lambda: render_pdf(item), runs=5)
    print(
        f"7. Typst (PDF/UA-1), English breast leaflet: fresh process {seconds['fresh']:.3f} s, "
        f"reused compiler {seconds['other']:.3f} s for a new leaflet "
        f"({seconds['again']:.3f} s for the same one again)"
    )
    print(
        f"   ours: fresh process {fresh:.3f} s ({fresh / seconds['fresh']:.1f}x Typst's), "
        f"warm {warm:.3f} s ({warm / seconds['other']:.1f}x Typst's reused compiler)"
    )


def main() -> None:
    started = time.perf_counter()
    print(
        f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, Python "
        f"{sys.version.split()[0]}, WeasyPrint {weasyprint.__version__}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        one = cpu_against_baseline(out)
        template_floor()
        against_bare_weasyprint()
        against_shell_loop(out, one)
        every_variant(out)
        scaling(out)
        against_typst(out)
    print(f"bench took {time.perf_counter() - started:.0f} s; load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
