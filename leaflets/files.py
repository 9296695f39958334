"""Safe file access: atomic replacement, and reading only regular files of bounded size."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def replace_file(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``.

    The temporary file is created owner-only and gets ``mode`` just before the rename, so a
    file with personal data (``mode=0o600``) is never readable by others, not even while it is
    written. Raises OSError; the temporary file is removed if anything fails.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class NotRegularFileError(OSError):
    """A path names a folder, a device, a FIFO or a socket where a file was expected."""


class TooLargeError(OSError):
    """A file is larger than its limit."""


def open_regular(path: Path, flags: int = os.O_RDONLY, max_bytes: int | None = None) -> int:
    """Open ``path`` and return its descriptor, only if it is a regular file within the limit.

    O_NONBLOCK keeps a FIFO from blocking the open; the checks are made on the opened file
    (fstat), so a path swapped after a check cannot slip through.
    """
    fd = os.open(path, flags | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFileError(f"{path}: not a regular file")
        if max_bytes is not None and info.st_size > max_bytes:
            raise TooLargeError(f"{path}: larger than {max_bytes} bytes")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; OSError (or a subclass) otherwise."""
    with os.fdopen(open_regular(path, max_bytes=max_bytes), "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # grew after the check
        raise TooLargeError(f"{path}: larger than {max_bytes} bytes")
    return data


def read_small_file(path: Path, limit: int) -> bytes:
    """``read_regular``, with the reason as a ValueError ("not a regular file", "larger than 1 MB").

    A FIFO, a device such as /dev/zero, or a folder is refused before anything is read, so it
    can neither hang a build nor fill the memory. Other problems raise OSError.
    """
    try:
        return read_regular(path, limit)
    except NotRegularFileError:
        raise ValueError("not a regular file") from None
    except TooLargeError:
        raise ValueError(f"larger than {_size(limit)}") from None


def _size(limit: int) -> str:
    return f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit // 1024} KB"


def file_stamp(path: Path | None) -> tuple[int, int]:
    """A file's (modification time in ns, size); (0, 0) when there is none. A cache key that
    changes when the file does, for a cost of one stat."""
    try:
        info = path.stat() if path else None
    except OSError:
        return (0, 0)
    return (info.st_mtime_ns, info.st_size) if info else (0, 0)
