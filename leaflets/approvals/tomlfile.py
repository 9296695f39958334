"""Record files in TOML: strict loading with file:line errors, appending atomically."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from leaflets.errors import LeafletsError, validation_problem
from leaflets.files import replace_file

#: A record file holds a few lines per approval; anything this large is a mistake.
MAX_BYTES = 2 * 1024 * 1024
_SYNTAX_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_-]+)\s*\]\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")

Model = TypeVar("Model", bound=BaseModel)


class RecordFileError(LeafletsError):
    """A record file (approvals.toml, versions.toml) is unreadable or breaks its schema."""


def line_of(text: str, loc: Sequence[int | str]) -> int:
    """The line of a pydantic error location such as ``("content", 2, "by")``."""
    lines = text.splitlines()
    if len(loc) >= 2 and isinstance(loc[1], int):
        table, index = str(loc[0]), loc[1]
        seen = -1
        for number, line in enumerate(lines, 1):
            header = _HEADER.match(line)
            if header and header[1] == table:
                seen += 1
                if seen == index:
                    return _key_line(lines, number, str(loc[2])) if len(loc) > 2 else number
    if loc:
        for number, line in enumerate(lines, 1):
            key = _KEY.match(line)
            if (key and key[1] == str(loc[0])) or line.strip().strip("[]").strip() == loc[0]:
                return number
    return 1


def _key_line(lines: list[str], header: int, key: str) -> int:
    """The line of ``key`` in the table that starts at line ``header``."""
    for number in range(header + 1, len(lines) + 1):
        line = lines[number - 1]
        if line.lstrip().startswith("["):
            break
        match = _KEY.match(line)
        if match and match[1] == key:
            return number
    return header


def parse_records(path: Path, data: bytes, model: type[Model], fix: str) -> Model:
    """Validate a record file's bytes into ``model``; errors name the file and line.

    ``fix`` ends every message: what the user should do about it.
    """
    if len(data) > MAX_BYTES:
        raise RecordFileError(f"{path}: larger than {MAX_BYTES // 2**20} MB; {fix}")
    try:
        text = data.decode("utf-8")
        raw = tomllib.loads(text)
    except UnicodeDecodeError:
        raise RecordFileError(f"{path}: not valid UTF-8; {fix}") from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = _SYNTAX_AT.search(message)
        where = f":{at[1]}" if at else ""
        problem = _SYNTAX_AT.sub("", message)
        raise RecordFileError(f"{path}{where}: TOML syntax error: {problem}; {fix}") from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            dotted = ".".join(str(p) for p in loc) or "(file)"
            problem = validation_problem(err, "unknown key")
            problems.append(f"{path}:{line_of(text, loc)}: {dotted}: {problem}; {fix}")
        raise RecordFileError("\n".join(problems)) from None


def toml_value(value: object) -> str:
    """One value as TOML: a basic string, a date or an integer."""
    if isinstance(value, bool) or not isinstance(value, str | int | dt.date):
        raise TypeError(f"cannot write {value!r} as a record value")
    if isinstance(value, str):
        # JSON's escapes are all valid TOML escapes; TOML also refuses a raw DEL.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def toml_table(name: str, values: dict[str, object]) -> str:
    """An ``[[name]]`` table of an array of tables; ``None`` values are left out."""
    lines = [f"[[{name}]]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in values.items() if value is not None]
    return "\n".join(lines) + "\n"


def appended(old: bytes, header: str, table: str) -> bytes:
    """``old`` (or ``header`` for a new file) with ``table`` added at the end.

    Appending keeps the file's comments and history: a record is never rewritten.
    """
    text = old.decode("utf-8") if old else header
    if text and not text.endswith("\n"):
        text += "\n"
    return (text + "\n" + table).encode("utf-8")


def write_records(path: Path, data: bytes) -> None:
    """Replace a record file atomically; a failure leaves the old file as it was."""
    try:
        replace_file(path, data)
    except OSError as exc:
        raise RecordFileError(f"{path}: cannot write ({exc.strerror}); nothing recorded") from None
