"""Mail batches: a validated CSV of patients and a send log that makes reruns resume."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

from leaflets.mail import MailError, Recipient, make_recipient

REQUIRED_COLUMNS = ("email", "lang", "topics")
OPTIONAL_COLUMNS = ("follow_up", "name")


def read_batch(path: Path) -> list[tuple[int, Recipient]]:
    """Every row of a batch CSV, validated; MailError lists all problems with their lines."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MailError(f"{path}: cannot read the batch file ({exc})") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        raise MailError(
            f"{path}:1: columns must be {', '.join(REQUIRED_COLUMNS)} and optionally "
            f"{', '.join(OPTIONAL_COLUMNS)} "
            f"(missing: {missing or 'none'}, unknown: {unknown or 'none'})"
        )
    rows, problems = [], []
    for row in reader:
        line = reader.line_num
        try:
            recipient = make_recipient(
                (row.get("email") or "").strip(),
                (row.get("lang") or "").strip(),
                (row.get("topics") or "").split(),
                (row.get("follow_up") or "").strip() or None,
                (row.get("name") or "").strip() or None,
            )
        except MailError as exc:
            problems.append(f"{path}:{line}: {exc.message}")
            continue
        rows.append((line, recipient))
    if problems:
        raise MailError("\n".join(problems) + "\nnothing was sent")
    if not rows:
        raise MailError(f"{path}: no rows to send")
    return rows


def row_key(recipient: Recipient) -> str:
    """Identifies a row's content, so a rerun knows what was already sent."""
    fields = dataclasses.asdict(recipient)
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


class SendLog:
    """A JSON-lines log per batch file; a rerun sends only rows not logged as sent."""

    def __init__(self, log_dir: Path, batch: Path) -> None:
        digest = hashlib.sha256(batch.read_bytes()).hexdigest()[:12]
        self.path = log_dir / f"{batch.stem}-{digest}.jsonl"

    def sent(self) -> set[str]:
        """Keys of the rows already delivered."""
        if not self.path.exists():
            return set()
        done = set()
        for line in self.path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry.get("status") == "sent":
                done.add(entry["key"])
        return done

    def write(self, **entry: object) -> None:
        """Append one outcome and flush it to disk before going on."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        entry["time"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())


def iter_pending(
    rows: list[tuple[int, Recipient]], log: SendLog
) -> Iterator[tuple[int, Recipient, str]]:
    """The rows still to send, with their keys."""
    done = log.sent()
    for line, recipient in rows:
        key = row_key(recipient)
        if key not in done:
            yield line, recipient, key
