"""Leaflet PDFs for the web: the build's own files and cache, checked cheaply per request."""

from __future__ import annotations

import datetime as dt
import functools
import threading
from pathlib import Path
from urllib.parse import quote

from leaflets.approvals.records import approvals_path
from leaflets.build.cache import cache_key, is_fresh, record_path
from leaflets.build.matrix import Job, output_path
from leaflets.content.topics import load_topic, topic_path
from leaflets.errors import LeafletsError
from leaflets.i18n.languages import SOURCE_LANGUAGE, po_path
from leaflets.mail.compose import attachment
from leaflets.web.renders import RenderPool

Stamp = tuple[object, ...]


def _stat(path: Path | None) -> tuple[int, int, int] | None:
    if path is None:
        return None
    try:
        info = path.stat()
    except OSError:
        return (0, 0, 0)
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def input_stamp(job: Job) -> Stamp:
    """Cheap evidence that a leaflet's inputs are unchanged: the stat of each input file, and
    today's date (approvals expire). The full cache key is computed only when it changes."""
    brand = job.variant.brand
    files: list[Path | None] = [topic_path(job.topic)]
    files += [topic_path(t) for t in load_topic(job.topic).related]
    if job.lang != SOURCE_LANGUAGE:
        files.append(po_path(job.lang))
    files += [brand.source_file, brand.logo_file, approvals_path(brand)]
    return (dt.date.today(), *(_stat(path) for path in files))


class NotAvailable(LeafletsError):
    """The leaflet cannot be printed in this language (its translation is not complete)."""


class LeafletFiles:
    """Up-to-date PDFs in ``out_dir``, built on demand in the render pool."""

    def __init__(self, out_dir: Path, pool: RenderPool) -> None:
        self.out_dir = out_dir
        self.pool = pool
        self._lock = threading.Lock()
        #: Per leaflet, the stamp of its inputs and its PDF when it was last found fresh.
        self._fresh: dict[Job, Stamp] = {}
        #: Page-1 previews by PDF, with the stat of the PDF they were made from.
        self._previews: dict[Path, tuple[object, bytes]] = {}

    def _stamp(self, job: Job) -> Stamp:
        path = output_path(self.out_dir, job)
        return (*input_stamp(job), _stat(path), _stat(record_path(self.out_dir, path)))

    def pdf(self, job: Job) -> Path:
        """The leaflet's PDF, built first if missing or stale; NotAvailable or LeafletsError."""
        path = output_path(self.out_dir, job)
        stamp = self._stamp(job)
        with self._lock:
            if self._fresh.get(job) == stamp:
                return path
        if not is_fresh(self.out_dir, path, cache_key(job, False)):
            status, error = self.pool.build(job, self.out_dir)
            if status == "refused":
                raise NotAvailable(error)
            if status == "failed":
                raise LeafletsError(error)
            stamp = self._stamp(job)
        with self._lock:
            self._fresh[job] = stamp
        return path

    def preview(self, pdf: Path) -> bytes:
        """Page 1 of a PDF as a PNG, kept while the PDF is unchanged."""
        stamp = _stat(pdf)
        with self._lock:
            found = self._previews.get(pdf)
        if found is not None and found[0] == stamp:
            return found[1]
        image = self.pool.preview(pdf)
        with self._lock:
            if len(self._previews) >= 64:  # a few hundred KB each: bounded memory
                self._previews.clear()
            self._previews[pdf] = (stamp, image)
        return image


def file_names(lang: str, topic: str) -> tuple[str, str]:
    """The PDF's file name in the patient's language, and a plain ASCII one for old clients:
    the names `leaflets mail` gives its attachments."""
    catalog = _stat(po_path(lang)) if lang != SOURCE_LANGUAGE else None
    return _file_names(lang, topic, catalog, _stat(topic_path(topic)))


@functools.lru_cache(maxsize=256)
def _file_names(lang: str, topic: str, *stamps: object) -> tuple[str, str]:
    # The stamps of the catalog and topic file are part of the key: an edit is seen at once.
    named = attachment(lang, topic, b"")
    return named.name, named.ascii_name


def content_disposition(lang: str, topic: str, download: bool) -> str:
    """RFC 6266: ``inline`` or ``attachment``, the ASCII name, and the real one (RFC 5987)."""
    name, ascii_name = file_names(lang, topic)
    kind = "attachment" if download else "inline"
    header = f'{kind}; filename="{ascii_name}"'
    if name != ascii_name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header
