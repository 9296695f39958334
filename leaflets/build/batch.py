"""Batch builds: skip what is up to date, render the rest in a pool of forked workers."""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from leaflets.build.cache import cache_key, is_fresh, save_record
from leaflets.build.matrix import (
    Job,
    Prepared,
    claim_brand_folder,
    leaflet_html,
    output_path,
    prepare_all,
    render_pdf,
    write_atomic,
)
from leaflets.errors import LeafletsError, Terminated
from leaflets.render.pdf import load_renderer, reset_renderer

#: Seconds one leaflet may take before it is reported as failed (a real one takes under 2).
TIME_LIMIT = 120


@dataclass(frozen=True)
class Outcome:
    """What happened to one leaflet."""

    job: Job
    status: str  # "built", "skipped" or "failed"
    path: Path
    seconds: float = 0.0
    error: str = ""
    draft: bool = False
    #: How many processes rendered the batch this leaflet was in (0 when skipped).
    workers: int = 0


@dataclass(frozen=True)
class _Work:
    item: Prepared
    path: Path
    key: str


@dataclass(frozen=True)
class Settings:
    """How a batch runs."""

    out_dir: Path
    allow_incomplete: bool = False
    force: bool = False
    workers: int = 1
    html: bool = False
    time_limit: int = TIME_LIMIT


#: The work of the current batch: set before the pool forks, so workers receive only indexes.
_WORK: list[_Work] = []
_SETTINGS = Settings(Path("output"))


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise TimeoutError


def _on_terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def _terminate_later(unraisable: Any) -> None:
    """``sys.unraisablehook``: a SIGTERM that landed where it cannot unwind is sent again.

    The handler's exception cannot leave a weakref callback or a finaliser: Python prints it
    as ignored, with a traceback, and goes on. Sent again from another thread, once this hook
    has returned, the signal is handled in ordinary code, which unwinds as it should.
    """
    if isinstance(unraisable.exc_value, Terminated):
        again = threading.Timer(0.01, os.kill, (os.getpid(), signal.SIGTERM))
        again.daemon = True
        again.start()
        return
    sys.__unraisablehook__(unraisable)


def _render(index: int) -> tuple[int, str, float, str]:
    """Render, write and record one leaflet; never raises."""
    work, settings = _WORK[index], _SETTINGS
    start = time.perf_counter()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(settings.time_limit)
    try:
        pdf = render_pdf(work.item)
        write_atomic(work.path, pdf)
        if settings.html:
            page = leaflet_html(work.item, standalone=True).encode()
            write_atomic(work.path.with_suffix(".html"), page)
            save_record(settings.out_dir, work.path.with_suffix(".html"), work.key, page)
        save_record(settings.out_dir, work.path, work.key, pdf)
    except TimeoutError:
        error = f"{work.item.job.label}: took longer than {settings.time_limit} s; stopped"
        return index, "failed", time.perf_counter() - start, error
    except LeafletsError as exc:
        return index, "failed", time.perf_counter() - start, exc.message
    except Exception as exc:  # one broken leaflet must not stop the others
        error = f"{work.item.job.label}: internal error: {type(exc).__name__}: {exc}"
        return index, "failed", time.perf_counter() - start, error
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return index, "built", time.perf_counter() - start, ""


def _warm_up(scratch: str) -> None:
    """Start a worker with its own font configuration and stylesheets.

    A forked worker must not reuse fontconfig and Pango objects the parent already used: fonts
    added to them after the fork go missing (seen: Chinese rendered as .notdef). Each worker
    inherits WeasyPrint, imported once by the parent, and keeps its own font configuration,
    reused for every leaflet it renders.
    """
    # WeasyPrint copies font files into a temporary folder and removes it only when its font
    # configuration is garbage-collected, which a pool worker never gets to: keep those
    # folders in the batch's own scratch folder, which the parent removes.
    tempfile.tempdir = scratch
    # Ctrl-C is the parent's to handle: it stops the pool, which ends each worker with SIGTERM,
    # and SIGTERM unwinds a worker quietly (Terminated), removing its temporary files.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_terminate)
    reset_renderer()


def run_batch(
    jobs: list[Job], settings: Settings, report: Callable[[Outcome], None]
) -> list[Outcome]:
    """Build ``jobs``; report each outcome as it happens; return them all.

    Up-to-date leaflets are skipped without importing WeasyPrint. Inputs of the others are
    checked first (a bad topic or catalog stops the batch before anything is written); a
    leaflet that then fails to render is reported and the rest still build. SIGTERM unwinds
    the batch (Terminated): the workers stop and temporary files and folders are removed.
    """
    if threading.current_thread() is not threading.main_thread():
        return _run(jobs, settings, report)  # only the main thread may set signal handlers
    previous, previous_hook = signal.signal(signal.SIGTERM, _on_terminate), sys.unraisablehook
    sys.unraisablehook = _terminate_later
    try:
        return _run(jobs, settings, report)
    finally:
        signal.signal(signal.SIGTERM, previous)
        sys.unraisablehook = previous_hook


def _run(jobs: list[Job], settings: Settings, report: Callable[[Outcome], None]) -> list[Outcome]:
    global _WORK, _SETTINGS
    outcomes: list[Outcome] = []
    todo: list[tuple[Job, Path, str]] = []
    for job in jobs:
        path = output_path(settings.out_dir, job)
        key = cache_key(job, settings.allow_incomplete)
        # With --html, a leaflet whose page is missing or out of date is built again too.
        pages = [path, path.with_suffix(".html")] if settings.html else [path]
        if not settings.force and all(is_fresh(settings.out_dir, page, key) for page in pages):
            outcomes.append(Outcome(job, "skipped", path))
            report(outcomes[-1])
        else:
            todo.append((job, path, key))
    if not todo:
        return outcomes
    prepared = prepare_all([job for job, _, _ in todo], settings.allow_incomplete)
    for brand in {job.variant.brand.source_file: job.variant.brand for job, _, _ in todo}.values():
        claim_brand_folder(settings.out_dir, brand)
    _WORK = [_Work(item, path, key) for item, (_, path, key) in zip(prepared, todo, strict=True)]
    _WORK.sort(key=lambda work: (work.item.job.lang, work.item.job.topic))
    _SETTINGS = settings
    # Leaflets of one language go to the same worker, so each compiles only some languages'
    # font stylesheets: the work is ordered by language and handed out a language at a time.
    chunk = max(1, len(_WORK) // max(1, len({w.item.job.lang for w in _WORK})))
    # No more workers than pieces of work: an idle worker costs a fork and its memory.
    workers = max(1, min(settings.workers, -(-len(_WORK) // chunk)))
    if workers == 1:
        for index, status, seconds, error in map(_render, range(len(_WORK))):
            outcomes.append(_outcome(index, status, seconds, error, workers))
            report(outcomes[-1])
        return outcomes
    import multiprocessing  # only when there is more than one leaflet to render

    # Imported (and its objects frozen) once here, shared by every forked worker.
    load_renderer()

    context = multiprocessing.get_context("fork")
    with (
        tempfile.TemporaryDirectory(prefix="leaflets-workers-") as scratch,
        context.Pool(workers, initializer=_warm_up, initargs=(scratch,)) as pool,
    ):
        results = pool.imap_unordered(_render, range(len(_WORK)), chunksize=chunk)
        for index, status, seconds, error in results:
            outcomes.append(_outcome(index, status, seconds, error, workers))
            report(outcomes[-1])
        # Let idle workers take the stop sentinel and exit. Leaving the block would otherwise
        # terminate them with SIGTERM, whose handler unwinds them: one could be stopped while
        # holding the task queue's lock, and the next one then waited for it for ever (seen).
        pool.close()
        pool.join()
    return outcomes


def _outcome(index: int, status: str, seconds: float, error: str, workers: int) -> Outcome:
    work = _WORK[index]
    return Outcome(work.item.job, status, work.path, seconds, error, work.item.draft, workers)


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` (1 <= K <= N) as a pair of ints."""
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard must look like K/N, e.g. 2/8 (got {text!r})") from None
    if not 1 <= k <= n:
        raise ValueError(f"--shard {text}: K must be between 1 and N")
    return k, n


def shard(jobs: list[Job], k: int, n: int) -> list[Job]:
    """The K-th of N deterministic slices of the matrix (sorted, every N-th leaflet)."""
    ordered = sorted(jobs, key=lambda job: (job.lang, job.topic))
    return ordered[k - 1 :: n]
