"""Fixes to WeasyPrint's PDF structure tree, applied just before the PDF is written."""

from __future__ import annotations

from typing import Any


def _object(pdf: Any, reference: bytes) -> Any:
    """The object a reference such as ``b"12 0 R"`` points at (pydyf numbers objects in order)."""
    return pdf.objects[int(reference.split()[0])]


def add_table_header_scope(document: Any, pdf: Any) -> None:
    """Give every TH structure element a /Scope: /Column in the table head, /Row in its body.

    WeasyPrint 70 tags header cells as TH and links each TD to its headers (/Headers and
    /ID), but writes no /Scope, which some screen readers use instead. Our template puts
    ``scope="col"`` on every head cell and ``scope="row"`` on the first cell of each body row,
    so the cell's table section says which it is. Used as WeasyPrint's ``finisher``.
    """
    for element in pdf.objects:
        if not isinstance(element, dict) or element.get("S") != "/TH":
            continue
        row = _object(pdf, element["P"])
        section = _object(pdf, row["P"])
        scope = "/Column" if section.get("S") == "/THead" else "/Row"
        element["A"]["Scope"] = scope  # WeasyPrint gives every TH an /A dictionary
