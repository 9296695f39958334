"""Document control: each recorded version of a topic and the fingerprint of its content."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from pydantic import Field

from leaflets.approvals.fingerprints import content_fingerprint
from leaflets.approvals.records import Fingerprint
from leaflets.approvals.tomlfile import (
    RecordFileError,
    appended,
    parse_records,
    toml_table,
    write_records,
)
from leaflets.content import topics
from leaflets.content.models import Key, LeafletCode, Strict, Topic
from leaflets.errors import ContentError

FIX = "correct it by hand or restore it from version control"
HEADER = (
    "# Document control: the content fingerprint of every recorded version of each topic.\n"
    "# `leaflets check` reports a topic whose content changed without a new `version`.\n"
    "# After bumping `version:` in a topic, run `leaflets record-version TOPIC`.\n"
)


class VersionRecord(Strict):
    """One released version of a topic."""

    topic: Key
    code: LeafletCode
    version: Annotated[int, Field(ge=1, le=999)]
    content_date: dt.date
    fingerprint: Fingerprint


class Versions(Strict):
    """The whole of versions.toml."""

    version: list[VersionRecord] = Field(default_factory=list)


def versions_path() -> Path:
    """leaflets/topics/versions.toml, committed beside the topic files."""
    return topics.topic_path("versions").with_suffix(".toml")


def load_versions() -> tuple[Versions, bytes]:
    """The recorded versions (none when the file does not exist yet) and the file's bytes."""
    path = versions_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Versions(), b""
    except OSError as exc:
        raise RecordFileError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_records(path, data, Versions, FIX), data


def version_problem(topic: Topic, versions: Versions) -> tuple[str, str] | None:
    """``(level, text)`` when a topic's code, version and content disagree with the record."""
    recorded = [v for v in versions.version if v.topic == topic.id]
    name = topic.id
    if not recorded:
        return "warning", (
            f"version {topic.version} is not recorded yet; "
            f"run `leaflets record-version {name}` when this content is final"
        )
    first = recorded[0]
    if topic.code != first.code:
        return "error", f"code changed from {first.code} to {topic.code}; a leaflet keeps its code"
    latest = max(v.version for v in recorded)
    if topic.version < latest:
        return "error", f"version {topic.version} is older than recorded version {latest}"
    same = [v for v in recorded if v.version == topic.version]
    if not same:
        return "warning", (
            f"version {topic.version} is not recorded yet; "
            f"run `leaflets record-version {name}` when this content is final"
        )
    if same[-1].fingerprint != content_fingerprint(topic):
        return "error", (
            f"the content changed since version {topic.version} was recorded; set "
            f"`version: {latest + 1}`, then run `leaflets record-version {name}`"
        )
    return None


def record_version(topic: Topic) -> bool:
    """Record the topic's current version; False when it is already recorded as it is.

    A version number already recorded with other content is refused: bump it first.
    """
    versions, old = load_versions()
    path = versions_path()
    problem = version_problem(topic, versions)
    if problem is None:
        return False
    level, text = problem
    if level == "error":
        raise ContentError(f"{topics.topic_path(topic.id)}: {text}")
    record = VersionRecord(
        topic=topic.id,
        code=topic.code,
        version=topic.version,
        content_date=topic.content_date,
        fingerprint=content_fingerprint(topic),
    )
    data = appended(old, HEADER, toml_table("version", record.model_dump()))
    parse_records(path, data, Versions, FIX)  # what is written must load again
    write_records(path, data)
    return True
