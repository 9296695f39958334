"""Benchmark: prints, measured in one run on this machine, the ratios issue 7 asks for.

Run with `make bench`. Timings are wall-clock medians; nothing here is asserted.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import weasyprint

from leaflets.build import batch
from leaflets.build.matrix import Job, Variant, leaflet_html, prepare, render_pdf
from leaflets.content import topics
from leaflets.i18n import languages
from leaflets.paths import TEMPLATES_DIR
from leaflets.render.pdf import language_css, style_css

ROOT = Path(__file__).resolve().parents[1]
LEAFLETS = [str(Path(sys.executable).with_name("leaflets"))]
WEASYPRINT = str(Path(sys.executable).with_name("weasyprint"))


def median_time(action: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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


def peak_rss_of_children(pid: int, stop: threading.Event, peaks: dict[int, int]) -> None:
    """Poll /proc for the peak resident memory (VmHWM, kB) of every child of ``pid``."""
    while not stop.is_set():
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        for child in children:
            try:
                for line in Path(f"/proc/{child}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[int(child)] = max(peaks.get(int(child), 0), int(line.split()[1]))
            except OSError:
                pass
        time.sleep(0.02)


def timed_build(args: list[str]) -> tuple[float, dict[int, int]]:
    """Run `leaflets build ARGS`; return wall time and peak memory (kB) per worker."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [*LEAFLETS, "build", *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    stop, peaks = threading.Event(), {}
    watcher = threading.Thread(target=peak_rss_of_children, args=(process.pid, stop, peaks))
    watcher.start()
    _, err = process.communicate()
    stop.set()
    watcher.join()
    if process.returncode:
        raise SystemExit(err.decode())
    return time.perf_counter() - start, peaks


def main() -> None:
    print(
        f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"WeasyPrint {weasyprint.__version__}"
    )
    job = Job("breast", "es", Variant())
    html = self_contained_html(job)
    item = prepare(job)
    render_pdf(item)  # warm: fonts, stylesheets
    weasyprint.HTML(string=html, base_url=str(TEMPLATES_DIR) + "/").write_pdf()
    # Interleaved, so that a noisy neighbour slows both sides alike.
    ours_runs, bare_runs = [], []
    for _ in range(9):
        ours_runs.append(median_time(lambda: render_pdf(item), runs=1))
        bare_runs.append(
            median_time(
                lambda: weasyprint.HTML(string=html, base_url=str(TEMPLATES_DIR) + "/").write_pdf(),
                runs=1,
            )
        )
    ours, bare = statistics.median(ours_runs), statistics.median(bare_runs)
    print(
        f"1. one leaflet, ours / bare WeasyPrint:        {ours / bare:.2f}  "
        f"({ours:.3f} s vs {bare:.3f} s; target <= 1.10)"
    )

    matrix = len(topics.available_topics()) * len(languages.available_languages())
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        one, _ = timed_build(["--force", "-j", "1", "-o", str(out)])
        two, peaks = timed_build(["--force", "-j", "2", "-o", str(out)])
        print(
            f"2. full matrix ({matrix}), -j 1 / -j 2:              {one / two:.2f}  "
            f"({one:.1f} s vs {two:.1f} s; target >= 1.7)"
        )
        noop, _ = timed_build(["-o", str(out)])
        print(f"3. no-op rebuild:                              {noop:.2f} s  (target <= 0.3 s)")
        worker_peak = max(peaks.values()) / 1024 if peaks else float("nan")
        print(
            f"5. peak memory per worker (-j 2):              {worker_peak:.0f} MB  "
            "(target <= 250 MB)"
        )

        # 4. A shell loop running the weasyprint command once per leaflet, same HTML.
        pages = Path(tmp) / "html"
        pages.mkdir()
        for lang in languages.available_languages():
            for topic in topics.available_topics():
                text = self_contained_html(Job(topic, lang, Variant()))
                (pages / f"{lang}-{topic}.html").write_text(text, encoding="utf-8")
        start = time.perf_counter()
        subprocess.run(
            ["sh", "-c", f'for f in "{pages}"/*.html; do "{WEASYPRINT}" -q "$f" "$f.pdf"; done'],
            check=True,
            cwd=TEMPLATES_DIR,
        )
        loop = time.perf_counter() - start
        print(
            f"4. shell loop of `weasyprint` / full matrix:   {loop / two:.1f}  "
            f"({loop:.1f} s vs {two:.1f} s; target >= 5)"
        )

    scaling()


def scaling() -> None:
    """6. A synthetic corpus: N topics x every language, built in full with -j 2."""
    print("6. scaling (synthetic topics x 11 languages, -j 2):")
    sources = {
        name: (topics.TOPICS_DIR / f"{name}.yaml").read_text() for name in ("breast", "prostate")
    }
    for count in (10, 50):
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "topics"
            corpus.mkdir()
            for n in range(count):
                source = ("breast", "prostate")[n % 2]
                text = sources[source]
                # The copies name no related topics: those ids do not exist in this corpus.
                text = re.sub(r"(?m)^related: .*$", "related: []", text, count=1)
                (corpus / f"t{n:03d}.yaml").write_text(
                    text.replace(f"id: {source}", f"id: t{n:03d}", 1)
                )
            topics.TOPICS_DIR = corpus  # this process only
            topics.load_topic.cache_clear()
            languages.topic_messages.cache_clear()
            jobs = [
                Job(t, lang)
                for lang in languages.available_languages()
                for t in topics.available_topics()
            ]
            settings = batch.Settings(Path(tmp) / "out", workers=2, force=True)
            stop, peaks = threading.Event(), {}
            watcher = threading.Thread(target=peak_rss_of_children, args=(os.getpid(), stop, peaks))
            watcher.start()
            start = time.perf_counter()
            outcomes = batch.run_batch(jobs, settings, lambda outcome: None)
            seconds = time.perf_counter() - start
            stop.set()
            watcher.join()
            failed = sum(o.status == "failed" for o in outcomes)
            peak = max(peaks.values()) / 1024 if peaks else float("nan")
            print(
                f"   {len(jobs):4d} leaflets: {seconds:6.1f} s, {len(jobs) / seconds:5.1f} "
                f"leaflets/s, peak worker memory {peak:.0f} MB, {failed} failed"
            )


if __name__ == "__main__":
    main()
