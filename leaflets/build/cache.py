"""Incremental builds: a key per leaflet over everything that can change its bytes."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import json
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from leaflets import __version__
from leaflets.content.topics import load_topic, topic_path
from leaflets.files import read_small_file, replace_file
from leaflets.i18n.languages import SOURCE_LANGUAGE, po_path
from leaflets.paths import PACKAGE_DIR, TEMPLATES_DIR

if TYPE_CHECKING:
    from leaflets.build.matrix import Job

#: Records live beside the PDFs, one small JSON file per leaflet (no shared file to race on).
CACHE_DIR = ".leaflets-cache"


#: Larger than any topic, catalog or logo that loading accepts.
_MAX_INPUT_BYTES = 16 * 1024 * 1024


def _file_hash(path: Path) -> str:
    """A hash of an input file; a file that cannot be read is left for loading to report."""
    try:
        return hashlib.sha256(read_small_file(path, _MAX_INPUT_BYTES)).hexdigest()
    except (OSError, ValueError) as exc:
        return f"unreadable: {exc}"


#: Hashes of input files by path, with the size and modification time they were read at.
_INPUT_HASHES: dict[Path, tuple[int, int, str]] = {}


def _input_hash(path: Path) -> str:
    """``_file_hash`` of a topic, catalog or logo, read again only when its size or time change.

    A build keys every leaflet on the topic files and catalogs it uses: without this, a
    no-op build of the matrix read and hashed the same few files hundreds of times.
    """
    try:
        stat = path.stat()
    except OSError:
        return _file_hash(path)
    seen = _INPUT_HASHES.get(path)
    if seen is not None and seen[:2] == (stat.st_size, stat.st_mtime_ns):
        return seen[2]
    digest = _file_hash(path)
    _INPUT_HASHES[path] = (stat.st_size, stat.st_mtime_ns, digest)
    return digest


#: Code that never changes a PDF's bytes: the web app only asks the build for leaflets.
_NOT_IN_PDFS = ("__pycache__", "web")


@functools.cache
def _tree_hash(root: Path, pattern: str) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob(pattern)):
        if path.is_file() and not set(_NOT_IN_PDFS) & set(path.relative_to(root).parts):
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def _environment() -> dict[str, str]:
    """What every leaflet depends on: code, templates, fonts and renderer versions."""
    return {
        "leaflets": __version__,
        "code": _tree_hash(PACKAGE_DIR, "*.py"),
        "templates": _tree_hash(TEMPLATES_DIR, "*"),
        "weasyprint": version("weasyprint"),
        "fonts": version("weblate-fonts"),
        "babel": version("babel"),
    }


def _topic_files(topic: str) -> list[str]:
    """Hashes of a topic's file and of its related topics' files (their titles are printed)."""
    names = [topic, *load_topic(topic).related]
    return [_input_hash(topic_path(name)) for name in names]


def _catalog_hash(lang: str) -> str:
    """``_input_hash`` of a language's catalog; the source language has none."""
    return "" if lang == SOURCE_LANGUAGE else _input_hash(po_path(lang))


def printed_approval(job: Job) -> list[object]:
    """What the leaflet will print about its approvals today (approving or lapsing rebuilds)."""
    from leaflets.approvals.state import leaflet_approval, signoff

    state = leaflet_approval(job.variant.brand, job.topic, job.lang, dt.date.today())
    return [
        [str(value) for value in dataclasses.astuple(printed)] if printed else None
        for printed in (signoff(state.content), signoff(state.translation))
    ]


def cache_key(job: Job, allow_incomplete: bool) -> str:
    """A hash of every input of one leaflet."""
    topic, lang, variant = job.topic, job.lang, job.variant
    brand = variant.brand
    parts = {
        **_environment(),
        "topic": _topic_files(topic),
        "catalog": _catalog_hash(lang),
        "lang": lang,
        "brand": brand.model_dump_json(),
        "logo": _input_hash(brand.logo_file) if brand.logo_file else "",
        "style": repr(variant.style),
        "allow_incomplete": str(allow_incomplete),
        "approval": printed_approval(job),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def completeness_key(lang: str, topics: list[str]) -> str:
    """A hash of what decides whether a language is complete for ``topics``."""
    parts = {
        **_environment(),
        "catalog": _catalog_hash(lang),
        "topics": [_topic_files(topic) for topic in topics],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def recall(out_dir: Path, name: str, key: str) -> float | None:
    """A remembered number, if it was remembered under the same key."""
    try:
        saved = json.loads((out_dir / CACHE_DIR / f"{name}.json").read_text())
        return float(saved["value"]) if saved["key"] == key else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(out_dir: Path, name: str, key: str, value: float) -> None:
    """Remember a number under a key (atomically), if the folder can be written.

    Only a shortcut for the next run: an output folder that cannot be written is reported
    when a PDF is written, or not at all when every PDF is up to date.
    """
    with contextlib.suppress(OSError):
        _write_json(out_dir / CACHE_DIR / f"{name}.json", {"key": key, "value": value})


def _write_json(path: Path, data: dict[str, object]) -> None:
    replace_file(path, json.dumps(data).encode())


def record_path(out_dir: Path, pdf: Path) -> Path:
    """Where the record of a PDF (or of the HTML page beside it) lives."""
    suffix = ".json" if pdf.suffix == ".pdf" else pdf.suffix + ".json"
    return out_dir / CACHE_DIR / pdf.relative_to(out_dir).with_suffix(suffix)


def _output_stamp(path: Path) -> list[int]:
    """What changes whenever a file is written or replaced: size, times and inode.

    The change time (ctime) cannot be set back by a program, unlike the modification time, so
    a PDF changed in place, even to the same size with its old time restored, never matches.
    """
    info = path.stat()
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def is_fresh(out_dir: Path, pdf: Path, key: str) -> bool:
    """True when the PDF was built from the same inputs and is still intact.

    Intact: untouched since it was recorded (its stamp), or else the same bytes (its hash).
    Hashing every PDF was a quarter of a no-op build's time.
    """
    try:
        saved = json.loads(record_path(out_dir, pdf).read_text())
        if saved["key"] != key:
            return False
        return bool(saved.get("stamp") == _output_stamp(pdf) or _file_hash(pdf) == saved["sha256"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def save_record(out_dir: Path, pdf: Path, key: str, data: bytes) -> None:
    """Record a PDF's key, hash and stamp, atomically (after the PDF itself is in place)."""
    record: dict[str, object] = {
        "key": key,
        "sha256": hashlib.sha256(data).hexdigest(),
        "stamp": _output_stamp(pdf),
    }
    _write_json(record_path(out_dir, pdf), record)
