"""Renders and mail in a pool of worker processes, so one slow leaflet blocks nobody."""

from __future__ import annotations

import io
import multiprocessing
import os
import tempfile
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from leaflets.build.batch import Settings, _warm_up, run_batch
from leaflets.build.matrix import Job, Variant
from leaflets.content import topics
from leaflets.errors import CatalogError, LeafletsError
from leaflets.i18n import languages
from leaflets.mail.addresses import Recipient
from leaflets.mail.batch import Row
from leaflets.mail.run import MailRun, run_mail
from leaflets.web.settings import mail_environment

#: Pixels across a page-1 preview (about 100 dpi on A4: legible, and a few hundred KB at most).
PREVIEW_WIDTH = 800


class PoolError(LeafletsError):
    """The render pool broke (a worker died); the request may be tried again."""


def _start_worker(scratch: str) -> None:
    """A worker of its own: fonts and stylesheets (as `leaflets build` starts its workers)."""
    _warm_up(scratch)
    import weasyprint  # noqa: F401  (imported once per worker, before the first render)


def _fresh_inputs() -> None:
    """Topics and catalogs may change while the server runs: read them again for each task."""
    topics.load_topic.cache_clear()
    languages.topic_messages.cache_clear()


def _build(job: Job, out_dir: Path) -> tuple[str, str]:
    """Build one leaflet through the code `leaflets build` uses: ("built"/"skipped", "") or
    ("failed"/"refused", the one-line reason)."""
    _fresh_inputs()
    try:
        outcome = run_batch([job], Settings(out_dir), lambda outcome: None)[0]
    except CatalogError as exc:  # a string not ready in this language: nothing was written
        return "refused", exc.message
    except LeafletsError as exc:  # a broken topic, an output folder of another brand...
        return "failed", exc.message
    return outcome.status, outcome.error


def _preview(pdf: Path, width: int) -> bytes:
    """Page 1 of a PDF as a PNG, rasterised by PDFium (no system tool)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=width / page.get_width()).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()
    finally:
        document.close()


def _font(family: str, text: str) -> bytes:
    from leaflets.web.fonts import subset_font

    return subset_font(family, text)


@dataclass(frozen=True)
class MailRequest:
    """One patient's leaflet to e-mail, as `leaflets mail --to` would send it."""

    recipient: Recipient
    variant: Variant
    out_dir: Path
    allow_unapproved: bool
    #: The mail settings the server read at start (a worker's own environment is that of the
    #: process it was started from, which may be older).
    mail_env: dict[str, str]


def _mail(request: MailRequest) -> str:
    """Send one patient's leaflet; "" or the one-line reason."""
    _fresh_inputs()
    for name in mail_environment(os.environ):
        del os.environ[name]
    os.environ.update(request.mail_env)
    run = MailRun(
        [Row(0, request.recipient)],
        request.variant,
        request.out_dir,
        allow_unapproved=request.allow_unapproved,
    )
    try:
        run_mail(run, lambda line: None)
    except LeafletsError as exc:
        return exc.message
    return ""


class RenderPool:
    """Worker processes shared by every request; the same leaflet is built once at a time."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._scratch = tempfile.TemporaryDirectory(prefix="leaflets-web-")
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._building: dict[tuple[Job, Path], Future[tuple[str, str]]] = {}

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                # spawn: each worker starts from a clean interpreter, never a fork of this
                # process with its server threads (and whatever locks they hold). Not
                # forkserver: Python 3.11 puts its socket in TMPDIR and dies ("AF_UNIX path
                # too long") when that path passes 107 bytes; spawn talks over pipes only.
                # Workers live as long as the server, so spawn's slower start costs little.
                self._executor = ProcessPoolExecutor(
                    self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(self._scratch.name,),
                )
            return self._executor

    def worker_ids(self) -> list[int]:
        """The process ids of the running workers."""
        with self._lock:
            processes = getattr(self._executor, "_processes", None) or {}
            return [int(pid) for pid in processes]

    def warm_up(self) -> None:
        """Start the workers now, so the first leaflet waits for no import."""
        pool = self._pool()
        for _ in range(self.workers):
            pool.submit(_fresh_inputs)

    def _run(self, function: object, *args: object, retry: bool = True) -> object:
        """Run in a worker. A pool broken by a worker that died (killed, out of memory) is
        replaced, and the task tried once more, unless it may have had an effect (mail)."""
        for attempt in (1, 2):
            try:
                return self._pool().submit(function, *args).result()  # type: ignore[arg-type]
            except BrokenProcessPool:
                self._reset()
                if not retry or attempt == 2:
                    raise PoolError("a render worker stopped unexpectedly; try again") from None
        raise AssertionError("unreachable")

    def _reset(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None

    def build(self, job: Job, out_dir: Path) -> tuple[str, str]:
        """Build (or find up to date) one leaflet in ``out_dir``; see ``_build``."""
        key = (job, out_dir)
        with self._lock:
            future = self._building.get(key)
            owner = future is None
            if future is None:
                future = self._building[key] = Future()
        if not owner:
            return future.result()
        try:
            result = self._run(_build, job, out_dir)
            future.set_result(result)  # type: ignore[arg-type]
            return result  # type: ignore[return-value]
        except BaseException as exc:
            future.set_exception(exc)
            raise
        finally:
            with self._lock:
                self._building.pop(key, None)

    def preview(self, pdf: Path, width: int = PREVIEW_WIDTH) -> bytes:
        """Page 1 of ``pdf`` as a PNG (PDFium is not thread-safe: it runs in a worker)."""
        return self._run(_preview, pdf, width)  # type: ignore[return-value]

    def font(self, family: str, text: str) -> bytes:
        """A font of the page cut down to ``text`` (fontTools reads 5-10 MB: done in a worker)."""
        return self._run(_font, family, text)  # type: ignore[return-value]

    def mail(self, request: MailRequest) -> str:
        """E-mail one patient; "" when sent, else the reason."""
        # Never tried twice: the first try may have reached the mail server.
        return self._run(_mail, request, retry=False)  # type: ignore[return-value]

    def close(self) -> None:
        """Stop the workers and remove their temporary folder."""
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None
        self._scratch.cleanup()
