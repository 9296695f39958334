"""Mail batches: a CSV file of patients, every row validated before anything is sent."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from leaflets.errors import MailError
from leaflets.files import NotRegularFileError, TooLargeError, read_regular
from leaflets.mail.addresses import Recipient, make_recipient

REQUIRED_COLUMNS = ("email", "lang", "topics")
OPTIONAL_COLUMNS = ("follow_up", "name")
#: About 50,000 rows; a larger file is not a clinic's batch.
MAX_BATCH_BYTES = 5 * 2**20


@dataclass(frozen=True)
class Row:
    """One patient of a batch, with the CSV line that asked for them (0 for --to)."""

    line: int
    recipient: Recipient


def read_csv_text(path: Path) -> str:
    """The text of a batch file: a regular UTF-8 file of bounded size; MailError otherwise."""
    try:
        return read_regular(path, MAX_BATCH_BYTES).decode("utf-8-sig")
    except NotRegularFileError:
        raise MailError(f"{path}: not a regular file; give a CSV file") from None
    except TooLargeError:
        raise MailError(
            f"{path}: larger than {MAX_BATCH_BYTES // 2**20} MB; split the batch"
        ) from None
    except OSError as exc:
        raise MailError(f"{path}: cannot read the batch file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise MailError(
            f"{path}: not UTF-8 (byte {exc.start}); save the CSV as UTF-8 and try again"
        ) from None


def read_batch(path: Path, today: dt.date | None = None) -> list[Row]:
    """Every row of a batch CSV, validated; MailError lists all problems with their lines."""
    reader = csv.DictReader(io.StringIO(read_csv_text(path), newline=""))
    try:
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
            try:
                recipient = make_recipient(
                    (row.get("email") or "").strip(),
                    (row.get("lang") or "").strip(),
                    (row.get("topics") or "").split(),
                    (row.get("follow_up") or "").strip() or None,
                    (row.get("name") or "").strip() or None,
                    today,
                )
            except MailError as exc:
                problems.append(f"{path}:{reader.line_num}: {exc.message}")
                continue
            rows.append(Row(reader.line_num, recipient))
    except csv.Error as exc:
        raise MailError(f"{path}:{reader.line_num}: not valid CSV ({exc})") from None
    if problems:
        raise MailError("\n".join(problems) + "\nnothing was sent")
    if not rows:
        raise MailError(f"{path}: no rows to send")
    return rows
