"""After layout: find text that runs past its page or out of its box (it would print clipped)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: Rounding in text measurement is far below this (CSS px, 0.26 mm); real overflow is larger.
TOLERANCE = 1.0


@dataclass(frozen=True)
class Overflow:
    """A piece of text outside where it belongs."""

    page: int
    text: str
    where: str  # "the page" or the element whose box it leaves, e.g. "<p>"

    def describe(self) -> str:
        """One line for an error message."""
        shown = " ".join(self.text.split())
        shown = shown if len(shown) <= 50 else shown[:47] + "..."
        return f"{shown!r} runs past {self.where} on page {self.page}"


def find_overflows(document: Any) -> list[Overflow]:
    """Text boxes of a laid-out WeasyPrint document that extend past their page or container.

    A container is the nearest block box (paragraph, list item, table cell, box); text may
    reach into its padding, never past its border. Absolutely positioned boxes (list markers,
    which hang outside their item) are containers of their own text.
    """
    # The pieces of text of one box that overflow, joined: "Page", "1", "of", "4" are one line.
    found: dict[tuple[int, int, str], list[str]] = {}
    for number, page in enumerate(document.pages, 1):
        box = page._page_box
        for text, container in _text_boxes(box, box):
            where = _outside(text, container, page.width, page.height)
            if where:
                found.setdefault((number, id(container), where), []).append(text.text)
    overflows: dict[tuple[str, str], Overflow] = {}
    for (page, _, where), texts in found.items():
        text = " ".join(texts)
        # A running footer repeats on every page with its page number: name it once.
        overflows.setdefault((re.sub(r"\d+", "#", text), where), Overflow(page, text, where))
    return list(overflows.values())


def _text_boxes(box: Any, container: Any) -> Iterator[tuple[Any, Any]]:
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder

    if isinstance(box, AbsolutePlaceholder):
        box = box._box
    if isinstance(box, boxes.TextBox):
        yield box, container
        return
    if isinstance(box, boxes.BlockContainerBox) and not isinstance(box, boxes.LineBox):
        container = box
    for child in getattr(box, "children", ()):
        yield from _text_boxes(child, container)


def _outside(text: Any, container: Any, page_width: float, page_height: float) -> str | None:
    left, right = text.position_x, text.position_x + text.width
    top, bottom = text.position_y, text.position_y + text.height
    if left < -TOLERANCE or right > page_width + TOLERANCE:
        return "the edge of the page"
    if top < -TOLERANCE or bottom > page_height + TOLERANCE:
        return "the edge of the page"
    start = container.padding_box_x()
    if left < start - TOLERANCE or right > start + container.padding_width() + TOLERANCE:
        tag = (container.element_tag or "box").split("::")[0]
        return f"its <{tag}> box"
    return None
