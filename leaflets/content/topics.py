"""Load and validate topic YAML with file:line errors; the Babel extractor for topics."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import yaml
from pydantic import ValidationError

from leaflets.content.models import CITATION_RE, Topic, cited_keys
from leaflets.content.variants import variant_problems
from leaflets.errors import ContentError, validation_problem
from leaflets.files import read_small_file
from leaflets.paths import TOPICS_DIR

Path_ = tuple[str | int, ...]

#: Larger topic files are refused before parsing: a leaflet is a few pages long.
MAX_TOPIC_BYTES = 256 * 1024
UNKNOWN_TOPIC_KEY = "unknown key; check the spelling against the documented keys"


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], seen: set[int]) -> list[str]:
    """Record the line of every node by its key path; return problems as ``line: message``."""
    line = node.start_mark.line + 1
    lines[path] = line
    if id(node) in seen:
        # An alias re-uses a node: refuse it rather than risk an exponential "YAML bomb".
        return [f"{line}: this value is re-used by an alias; anchors and aliases are not allowed"]
    seen.add(id(node))
    problems: list[str] = []
    if isinstance(node, yaml.MappingNode):
        keys: set[object] = set()
        for key_node, value_node in node.value:
            if key_node.value in keys:
                problems.append(f"{key_node.start_mark.line + 1}: duplicate key {key_node.value!r}")
            keys.add(key_node.value)
            problems += _walk(value_node, (*path, key_node.value), lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems += _walk(item, (*path, index), lines, seen)
    return problems


def _line_for(path: Path_, lines: dict[Path_, int]) -> int:
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path, 1)


def _dotted(path: Path_) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def parse_topic(data: bytes, source: str) -> Topic:
    """Parse and validate topic YAML; raise ContentError listing every problem with its line."""
    return _parse(data, source)[0]


def _parse(data: bytes, source: str) -> tuple[Topic, dict[Path_, int]]:
    if len(data) > MAX_TOPIC_BYTES:
        raise ContentError(f"{source}: file is larger than {MAX_TOPIC_BYTES // 1024} KB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(
            f"{source}: not valid UTF-8 (byte {exc.start}); save it as UTF-8"
        ) from None
    composed = _compose_fast(text)
    if composed is not None:
        node, raw = composed
    else:
        node, raw = _compose(text, source)
    if node is None or not isinstance(raw, dict):
        raise ContentError(f"{source}:1: a topic file must be a mapping of keys (id, title, ...)")
    try:
        return _validate(node, raw, source)
    except RecursionError:  # libyaml composes deeper documents than the walk can visit
        raise ContentError(f"{source}: nested too deeply to be a topic file") from None


def _compose_fast(text: str) -> tuple[yaml.Node | None, object] | None:
    """The node tree and data by libyaml, or None when it is missing or finds any problem.

    Parsing with PyYAML's pure-Python loader was most of a no-op build's time. Any document
    libyaml does not take is parsed again by the pure-Python loader, whose errors are the
    ones reported, so a broken topic reads the same with or without libyaml.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is None:
        return None
    loader = None
    try:
        loader = fast(text)
        node = loader.get_single_node()
        return node, loader.construct_document(node) if node is not None else None
    except Exception:  # any problem is reported by the pure-Python loader
        return None
    finally:
        if loader is not None:
            loader.dispose()


def _compose(text: str, source: str) -> tuple[yaml.Node | None, object]:
    """The node tree and data by the pure-Python loader; a ContentError on any problem."""
    loader = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        raw = loader.construct_document(node) if node is not None else None
    except RecursionError:
        raise ContentError(f"{source}: nested too deeply to be a topic file") from None
    except yaml.reader.ReaderError as exc:  # a NUL byte or another control character
        line = text[: exc.position].count("\n") + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ContentError(
            f"{source}:{line}: the character U+{code:04X} is not allowed in a topic file; delete it"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ContentError(f"{source}{where}: YAML syntax error: {problem}") from None
    finally:
        if loader is not None:
            loader.dispose()
    return node, raw


def _validate(
    node: yaml.Node, raw: dict[str, object], source: str
) -> tuple[Topic, dict[Path_, int]]:
    lines: dict[Path_, int] = {}
    problems = [f"{source}:{p}" for p in _walk(node, (), lines, set())]
    if problems:
        raise ContentError("\n".join(problems))
    try:
        topic = Topic.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            line = _line_for(loc, lines)
            problem = validation_problem(err, UNKNOWN_TOPIC_KEY)
            problems.append(f"{source}:{line}: {_dotted(loc)}: {problem}")
        raise ContentError("\n".join(problems)) from None
    problems.extend(_check_topic(topic, source, lines))
    if problems:
        raise ContentError("\n".join(problems))
    return topic, lines


def _check_topic(topic: Topic, source: str, lines: dict[Path_, int]) -> list[str]:
    """Cross-field checks: review dates, citation integrity, duplicate keys, every variant."""
    problems: list[str] = []
    if topic.next_review <= topic.content_date:
        line = lines.get(("next_review",), 1)
        problems.append(
            f"{source}:{line}: next_review: must be after content_date ({topic.content_date})"
        )
    defined: dict[str, int] = {}
    for i, ref in enumerate(topic.references):
        if ref.key in defined:
            line = lines.get(("references", i, "key"), 1)
            problems.append(f"{source}:{line}: reference key {ref.key!r} is defined twice")
        defined[ref.key] = i
    cited: set[str] = set()
    for path, text in topic.texts():
        for key in cited_keys(text):
            cited.add(key)
            if key not in defined:
                line = _line_for(path, lines)
                problems.append(
                    f"{source}:{line}: cites [@{key}] but no reference has that key; "
                    "add it under references or fix the key"
                )
        if text.count("[@") != len(CITATION_RE.findall(text)):
            line = _line_for(path, lines)
            problems.append(f"{source}:{line}: malformed citation; write it as [@key]")
    for key, i in defined.items():
        if key not in cited:
            line = lines.get(("references", i, "key"), 1)
            problems.append(
                f"{source}:{line}: reference {key!r} is never cited; cite it or remove it"
            )
    for where, problem in variant_problems(topic):
        problems.append(f"{source}:{_line_for(where, lines)}: {problem}")
    return problems


def topic_path(name: str) -> Path:
    """The source file of topic ``name``."""
    return TOPICS_DIR / f"{name}.yaml"


def available_topics() -> list[str]:
    """Names of the packaged topics, sorted."""
    return sorted(p.stem for p in TOPICS_DIR.glob("*.yaml"))


@functools.cache
def load_topic(name: str) -> Topic:
    """Load, validate and cache the packaged topic ``name``."""
    path = topic_path(name)
    try:
        data = read_small_file(path, MAX_TOPIC_BYTES)
    except OSError as exc:
        raise ContentError(f"{path}: cannot read topic file ({exc.strerror})") from None
    except ValueError as exc:
        raise ContentError(f"{path}: file is {exc}") from None
    topic, lines = _parse(data, str(path))
    if topic.id != name:
        raise ContentError(f"{path}:1: id {topic.id!r} must match the file name {name!r}")
    problems = check_related(topic, str(path), lines, available_topics())
    if problems:
        raise ContentError("\n".join(problems))
    return topic


def check_related(
    topic: Topic, source: str, lines: dict[Path_, int], known: list[str]
) -> list[str]:
    """Each related id names another existing topic, once.

    Checked only where every topic id is known (loading a packaged topic), so that a single
    topic file still parses on its own.
    """
    problems: list[str] = []
    for i, other in enumerate(topic.related):
        line = _line_for(("related", i), lines)
        if other == topic.id:
            problems.append(f"{source}:{line}: related: {other!r} is this topic itself; remove it")
        elif other not in known:
            problems.append(
                f"{source}:{line}: related: no topic {other!r}; choose from: {', '.join(known)}"
            )
        elif topic.related.index(other) != i:
            problems.append(f"{source}:{line}: related: {other!r} is listed twice")
    return problems


def _comment(path: Path_, topic: Topic) -> str:
    """Tell the translator where a string sits in the leaflet."""
    head = path[0]
    if head == "sections":
        section = topic.sections[int(path[1])]
        if path[2] == "heading":
            return f"{topic.id}: section heading"
        return f"{topic.id}: {path[4]} in section '{section.heading}'"
    if head == "faq":
        return f"{topic.id}: {path[2]} in the 'common questions' section"
    return {
        "title": f"{topic.id}: leaflet title",
        "summary": f"{topic.id}: short summary under the title",
        "questions": f"{topic.id}: item in the 'questions to ask your doctor' box",
        "contact_doctor": f"{topic.id}: item in the 'when to contact your doctor' box",
        "emergency": f"{topic.id}: sign that needs emergency help now (listed after 'call NUMBER')",
    }[str(head)]


CITATION_NOTE = "Keep every [@key] citation marker exactly as it is."


def extract_topic(
    fileobj: IO[bytes], keywords: object, comment_tags: object, options: dict[str, str]
) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel extractor for topic YAML: yields (line, None, message, comments)."""
    source = getattr(fileobj, "name", "<topic>")
    topic, lines = _parse(fileobj.read(), str(source))
    for path, text in topic.texts():
        comments = [_comment(path, topic)]
        if cited_keys(text):
            comments.append(CITATION_NOTE)
        # A stable key: `leaflets i18n update` uses it to tell a changed sentence from a new one.
        comments.append(f"ref: {topic.id}/{'/'.join(str(p) for p in path)}")
        yield _line_for(path, lines), None, text, comments
