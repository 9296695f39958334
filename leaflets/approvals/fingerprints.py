"""SHA-256 fingerprints of exactly what an approver signs: canonical JSON, never file bytes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from babel.messages.catalog import Catalog

from leaflets.content.models import Topic
from leaflets.i18n.languages import Message, bcp47, needed_entries

#: Bumped only if the canonical form itself changes (every record would then lapse).
SCHEME = 1


def _digest(data: object) -> str:
    """SHA-256 of the canonical JSON of ``data``: sorted keys, no spaces, UTF-8."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_fingerprint(topic: Topic) -> str:
    """The fingerprint of a topic's English content: every string and every reference.

    Strings come with their place in the topic (all variants), so moving a sentence or changing
    which brands see a block changes it too; YAML layout, comments and dates do not.
    """
    variants = [
        [["sections", s], section.only_for.model_dump(exclude_none=True)]
        for s, section in enumerate(topic.sections)
        if section.only_for
    ] + [
        [["sections", s, "blocks", b], block.only_for.model_dump(exclude_none=True)]
        for s, section in enumerate(topic.sections)
        for b, block in enumerate(section.blocks)
        if block.only_for
    ]
    return _digest(
        {
            "scheme": SCHEME,
            "topic": topic.id,
            "texts": [[list(path), text] for path, text in topic.texts()],
            "variants": variants,
            "references": [[r.key, r.citation, r.url] for r in topic.references],
        }
    )


def translation_pairs(catalog: Catalog, messages: Iterable[Message]) -> list[tuple[str, str]]:
    """(msgid, msgstr) for each needed string once, in order; missing ones have an empty msgstr."""
    pairs: list[tuple[str, str]] = []
    for message, entry in needed_entries(catalog, messages):
        string = entry.string if entry is not None and not entry.fuzzy else ""
        if not isinstance(string, str):
            # A plural entry holds a tuple of forms; join them so every form counts.
            string = "\0".join(string or ())
        pairs.append((message.msgid, string))
    return pairs


def translation_fingerprint(
    content: str, lang: str, catalog: Catalog, messages: Iterable[Message]
) -> str:
    """The fingerprint of a leaflet's translation: its msgid/msgstr pairs and the English's.

    ``content`` is the content fingerprint the strings were translated from; ``messages`` are
    the strings the leaflet uses (its topic's and the templates').
    """
    pairs = translation_pairs(catalog, messages)
    return _digest(
        {
            "scheme": SCHEME,
            "content": content,
            "lang": bcp47(lang),
            "pairs": [list(pair) for pair in pairs],
        }
    )
