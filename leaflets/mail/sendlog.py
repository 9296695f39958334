"""A batch's send log: what went where, kept beside the batch so every rerun finds it."""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
from pathlib import Path
from types import TracebackType

from leaflets.errors import MailError
from leaflets.files import NotRegularFileError, TooLargeError, open_regular
from leaflets.mail.addresses import Recipient

#: Where messages went: e-mailed through any SMTP server, or written to one outbox folder.
SMTP = "smtp"
#: Statuses that mean delivered to the entry's destination.
DELIVERED = ("sent", "written")
#: About 200,000 entries: far more than any batch writes.
MAX_LOG_BYTES = 50 * 2**20


def outbox_destination(folder: Path) -> str:
    """The destination name of an outbox folder (its absolute path)."""
    return f"outbox:{folder.resolve()}"


def default_log_path(batch: Path) -> Path:
    """``patients.csv`` -> ``patients.send-log.jsonl`` in the same folder, from any folder."""
    batch = batch.absolute()
    return batch.with_name(f"{batch.stem}.send-log.jsonl")


def delivery_key(recipient: Recipient) -> str:
    """What was sent to whom: address, language, topics and follow-up date.

    Not the name and not the rest of the CSV: correcting a name, or another row, does not make
    a delivered row look new. The log keeps only this hash, never the address.
    """
    fields = [
        recipient.email.lower(),
        recipient.lang,
        sorted(recipient.topics),
        recipient.follow_up.isoformat() if recipient.follow_up else "",
    ]
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


class SendLog:
    """JSON lines, one per outcome; held under an exclusive lock while a run uses it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = -1
        #: Keys delivered, per destination.
        self.delivered: dict[str, set[str]] = {}
        #: Lines that could not be read (an interrupted run, or an edit), as messages.
        self.notes: list[str] = []

    def __enter__(self) -> SendLog:
        flags = os.O_RDWR | os.O_CREAT | os.O_APPEND
        try:
            self.fd = open_regular(self.path, flags, max_bytes=MAX_LOG_BYTES)
        except (NotRegularFileError, IsADirectoryError):
            raise MailError(
                f"{self.path}: the send log must be a regular file; move this away "
                "or give --log FILE"
            ) from None
        except TooLargeError:
            raise MailError(
                f"{self.path}: larger than {MAX_LOG_BYTES // 2**20} MB; is this a send log?"
            ) from None
        except OSError as exc:
            raise MailError(
                f"{self.path}: cannot open the send log ({exc.strerror or exc}); "
                "give --log FILE in a folder you can write to"
            ) from None
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(self.fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise MailError(
                    f"{self.path}: another 'leaflets mail' run is using this batch; "
                    "wait until it ends"
                ) from None
            raise MailError(f"{self.path}: cannot lock the send log ({exc.strerror})") from None
        self._read()
        return self

    def _read(self) -> None:
        with os.fdopen(os.dup(self.fd), "rb") as fh:
            fh.seek(0)
            data = fh.read(MAX_LOG_BYTES + 1)
        lines = data.split(b"\n")
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw)
                key, status = entry["key"], entry["status"]
                destination = entry.get("destination", SMTP)
                if not all(isinstance(v, str) for v in (key, status, destination)):
                    raise TypeError
            except (ValueError, TypeError, KeyError, AttributeError):
                cut = number == len(lines)  # no newline after it: the write was interrupted
                self.notes.append(
                    f"{self.path}:{number}: "
                    + ("the last entry was cut off by an interrupted run" if cut else "unreadable")
                    + "; ignored (that row counts as not sent)"
                )
                continue
            if status in DELIVERED:
                self.delivered.setdefault(destination, set()).add(key)
        if data and not data.endswith(b"\n"):
            os.write(self.fd, b"\n")  # the next entry starts on a line of its own

    def write(self, **entry: object) -> None:
        """Append one outcome and flush it to disk before going on."""
        entry["time"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
        try:
            os.write(self.fd, line)
            os.fsync(self.fd)
        except OSError as exc:
            raise MailError(f"{self.path}: cannot write the send log ({exc.strerror})") from None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # releases the lock
            self.fd = -1
