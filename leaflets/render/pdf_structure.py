"""Fixes to WeasyPrint's PDF structure tree, applied just before the PDF is written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydyf

# WeasyPrint 70 tags each page on its own: a section or list that runs over a page break becomes
# two elements, the running header and footer are tagged but hung nowhere in the tree, a logo
# beside the clinic's printed name is a Figure that repeats it, and no element below the
# document says that its text is in another language. These finisher steps mend that, using the
# HTML element behind each structure element (recorded by pdf_hooks).


def _object(pdf: Any, reference: bytes) -> Any:
    """The object a reference such as ``b"12 0 R"`` points at (pydyf numbers objects in order)."""
    return pdf.objects[int(reference.split()[0])]


def _is_reference(value: Any) -> bool:
    return isinstance(value, bytes) and value.endswith(b" R")


def add_table_header_scope(document: Any, pdf: Any) -> None:
    """Give every TH structure element a /Scope: /Column in the table head, /Row in its body.

    WeasyPrint 70 tags header cells as TH and links each TD to its headers (/Headers and
    /ID), but writes no /Scope, which some screen readers use instead. Our template puts
    ``scope="col"`` on every head cell and ``scope="row"`` on the first cell of each body row,
    so the cell's table section says which it is.
    """
    for element in pdf.objects:
        if not isinstance(element, dict) or element.get("S") != "/TH":
            continue
        row = _object(pdf, element["P"])
        section = _object(pdf, row["P"])
        scope = "/Column" if section.get("S") == "/THead" else "/Row"
        element["A"]["Scope"] = scope  # WeasyPrint gives every TH an /A dictionary


class _Tree:
    """The structure tree of a PDF being written, with the page and MCID of marked content."""

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        root = _object(pdf, pdf.catalog["StructTreeRoot"])
        self.document = _object(pdf, root["K"][0])
        self.nums = _object(pdf, root["ParentTree"])["Nums"]
        self.pages = list(pdf.page_references)
        #: The box each structure element was made from (pdf_hooks).
        self.sources: dict[int, Any] = pdf.__dict__.get("leaflets_boxes", {})
        self.lang = str(pdf.catalog["Lang"].string)

    def kids(self, element: Any) -> Iterator[Any]:
        """The structure elements directly below ``element``."""
        for kid in element.get("K", ()):
            if _is_reference(kid):
                child = _object(self.pdf, kid)
                if "S" in child:
                    yield child

    def walk(self, element: Any) -> Iterator[Any]:
        yield element
        for kid in self.kids(element):
            yield from self.walk(kid)

    def page_mcids(self, page: int) -> Any:
        """The page's MCID -> structure element array in the parent tree."""
        return self.nums[self.nums.index(page) + 1]

    def html(self, element: Any) -> Any:
        box = self.sources.get(element.number)
        return None if box is None else box.element

    def lang_of(self, element: Any) -> str:
        """The language of an element's text: that of the nearest element made from a box."""
        while element is not None:
            box = self.sources.get(element.number)
            if box is not None and box.style["lang"]:
                return str(box.style["lang"])
            parent = element.get("P")
            element = _object(self.pdf, parent) if _is_reference(parent) else None
        return self.lang


def mark_artifacts(pdf: Any) -> None:
    """Make the running header and footer, and a logo beside the printed name, Artifacts.

    WeasyPrint tags margin-box content with MCIDs whose elements hang nowhere in the tree;
    PDF/UA wants page furniture marked as /Artifact instead (with its /Lang where the text is
    in another language, as the English line of the approval band). The logo repeats the
    clinic name printed as text beside it, so its Figure would only say the name twice. The
    head a table repeats on its next page is page furniture too.
    """
    tree = _Tree(pdf)
    reachable = {element.number for element in tree.walk(tree.document)}
    artifacts: dict[tuple[int, int], Any] = {}
    for page in range(len(tree.pages)):
        mcids = tree.page_mcids(page)
        for mcid, reference in enumerate(mcids):
            if _is_reference(reference) and int(reference.split()[0]) not in reachable:
                artifacts[page, mcid] = _furniture(tree, _object(pdf, reference))
                mcids[mcid] = "null"
    heads: dict[int, Any] = {}
    for element in list(tree.walk(tree.document)):
        html = tree.html(element)
        if element["S"] == "/THead" and html is not None:
            if id(html) in heads:
                # A table that runs over a page break repeats its head: the repeat is furniture.
                _object(pdf, element["P"])["K"].remove(element.reference)
                for page, mcid in _content_below(tree, element):
                    artifacts[page, mcid] = pydyf.Dictionary({"Type": "/Pagination"})
                    tree.page_mcids(page)[mcid] = "null"
                _point_cells_at(tree, heads[id(html)], element)
            heads.setdefault(id(html), element)
        if element["S"] == "/Figure" and html is not None and "logo" in html.get("class", ""):
            _object(pdf, element["P"])["K"].remove(element.reference)
            page = tree.pages.index(element["Pg"])
            for mcid in (kid for kid in element["K"] if isinstance(kid, int)):
                artifacts[page, mcid] = pydyf.Dictionary({"Type": "/Layout"})
                tree.page_mcids(page)[mcid] = "null"
            element.free = "f"
    _rewrite_marked_content(tree, artifacts)


def _point_cells_at(tree: _Tree, head: Any, repeat: Any) -> None:
    """Make cells that name the headers of a repeated table head name the first head's."""
    first = {id(tree.html(th)): th for th in tree.walk(head) if th.get("S") == "/TH"}
    renamed = {}
    for th in tree.walk(repeat):
        if th.get("S") == "/TH" and "ID" in th and id(tree.html(th)) in first:
            renamed[th["ID"].string] = first[id(tree.html(th))]["ID"]
    for cell in tree.walk(tree.document):
        headers = cell.get("A", {}).get("Headers") if cell.get("S") == "/TD" else None
        if headers:
            headers[:] = [renamed.get(name.string, name) for name in headers]


def _content_below(tree: _Tree, element: Any) -> Iterator[tuple[int, int]]:
    """(page, MCID) of the marked content an element and its descendants hold."""
    for kid in element.get("K", ()):
        if isinstance(kid, int):
            yield tree.pages.index(element["Pg"]), kid
        elif _is_reference(kid):
            child = _object(tree.pdf, kid)
            if "S" in child:
                yield from _content_below(tree, child)


def _furniture(tree: _Tree, element: Any) -> Any:
    """The artifact property list for content of a running header or footer."""
    top = element
    while _object(tree.pdf, top["P"]) is not tree.document:
        top = _object(tree.pdf, top["P"])
    properties = pydyf.Dictionary({"Type": "/Pagination"})
    properties["Subtype"] = "/Footer" if _in_footer(tree, top) else "/Header"
    lang = tree.lang_of(element)
    if lang.lower() != tree.lang.lower():
        properties["Lang"] = pydyf.String(lang)
    return properties


def _in_footer(tree: _Tree, top: Any) -> bool:
    """Whether page furniture is the page footer: a <footer>, or page-margin content that lies
    in the lower half of its page (text from CSS has no element; leaflet.css puts the footer
    there, the "not approved" band is an element)."""
    html = tree.html(top)
    if html is not None:
        return bool(html.tag == "footer")
    box = tree.sources.get(top.number)
    page_height = float(_object(tree.pdf, top["Pg"])["MediaBox"][3])  # points
    return box is not None and box.position_y * 0.75 > page_height / 2  # CSS px to points


def _rewrite_marked_content(tree: _Tree, artifacts: dict[tuple[int, int], Any]) -> None:
    """Turn the listed marked-content sequences into /Artifact ones, in every content stream."""
    # A page's content and the forms drawn on it share one MCID dictionary (WeasyPrint).
    page_of_tags: dict[int, int] = {}
    for number, reference in enumerate(tree.pages):
        contents = _object(tree.pdf, _object(tree.pdf, reference)["Contents"])
        page_of_tags[id(contents._tags)] = number
    for stream in tree.pdf.objects:
        page = page_of_tags.get(id(getattr(stream, "_tags", None)))
        if page is None:
            continue
        chunks = stream.stream
        for k, chunk in enumerate(chunks):
            if isinstance(chunk, dict) and (page, chunk.get("MCID")) in artifacts:
                chunks[k - 1] = "/Artifact"
                chunks[k] = artifacts[page, chunk["MCID"]]


def mark_languages(pdf: Any) -> None:
    """Give /Lang to each element whose HTML language differs from that around it."""
    tree = _Tree(pdf)

    def visit(element: Any, around: str) -> None:
        lang = tree.lang_of(element) if element.number in tree.sources else around
        if lang.lower() != around.lower():
            element["Lang"] = pydyf.String(lang)
        for kid in tree.kids(element):
            visit(kid, lang)

    visit(tree.document, tree.lang)


def join_split_elements(pdf: Any) -> None:
    """Make each HTML element one structure element, even where layout cut it in pieces.

    WeasyPrint tags page by page and line by line, so a section or list on two pages, or an
    inline list on two lines, becomes two siblings made from the same HTML element; a list set
    in columns becomes a list of one list per column. The pieces move into the first one,
    recursively.
    """
    tree = _Tree(pdf)
    _join(tree, tree.document)


def _same(tree: _Tree, a: Any, b: Any) -> bool:
    html = tree.html(a)
    return html is not None and html is tree.html(b) and a.get("S") == b.get("S")


def _join(tree: _Tree, element: Any) -> None:
    kids = element.get("K", [])
    i = 0
    while i < len(kids):
        kid = _object(tree.pdf, kids[i]) if _is_reference(kids[i]) else None
        if kid is not None and "S" in kid and _same(tree, element, kid):
            # A piece inside its own element (a column of a list): its content moves up.
            del kids[i]
            kids[i:i] = _absorb(tree, element, kid)
            continue
        if kid is not None and i + 1 < len(kids) and _is_reference(kids[i + 1]):
            after = _object(tree.pdf, kids[i + 1])
            if _same(tree, kid, after):
                # The rest of the element, on the next line or page.
                del kids[i + 1]
                kid["K"].extend(_absorb(tree, kid, after))
                continue
        i += 1
    for kid in tree.kids(element):
        _join(tree, kid)


def _absorb(tree: _Tree, into: Any, piece: Any) -> list[Any]:
    """The content of ``piece``, made content of ``into``; ``piece`` goes."""
    moved = []
    for kid in piece["K"]:
        if _is_reference(kid):
            child = _object(tree.pdf, kid)
            if "S" in child:
                child["P"] = into.reference
        elif isinstance(kid, int) and piece.get("Pg") != into.get("Pg"):
            # Marked content of the piece's page: the new parent's /Pg does not cover it.
            kid = pydyf.Dictionary({"Type": "/MCR", "Pg": piece["Pg"], "MCID": kid})
        moved.append(kid)
    for k, entry in enumerate(tree.nums):
        if isinstance(entry, list):
            entry[:] = [into.reference if ref == piece.reference else ref for ref in entry]
        elif entry == piece.reference:
            tree.nums[k] = into.reference
    piece.free = "f"
    return moved


def wrap_list_bodies(pdf: Any) -> None:
    """Put what follows a list item's label into an LBody, as for a bullet outside the item.

    A bullet drawn inside its item (leaflet.css) is tagged Lbl, but WeasyPrint 70 then leaves
    the item's text directly in the LI, where PDF expects a label and a body. Run after
    ``join_split_elements``, so that an item continued on the next page gets one body.
    """
    tree = _Tree(pdf)
    for item in list(tree.walk(tree.document)):
        if item["S"] != "/LI" or not any(kid["S"] == "/Lbl" for kid in tree.kids(item)):
            continue
        loose = [kid for kid in item["K"] if not _is_label_or_body(tree, kid)]
        if not loose:
            continue
        body = pydyf.Dictionary(
            {"Type": "/StructElem", "S": "/LBody", "K": pydyf.Array(loose), "Pg": item["Pg"]}
        )
        body["P"] = item.reference
        pdf.add_object(body)
        item["K"] = pydyf.Array([kid for kid in item["K"] if kid not in loose] + [body.reference])
        for kid in loose:
            _reparent(tree, kid, item, body)


def _is_label_or_body(tree: _Tree, kid: Any) -> bool:
    return _is_reference(kid) and _object(tree.pdf, kid).get("S") in ("/Lbl", "/LBody")


def _reparent(tree: _Tree, kid: Any, old: Any, new: Any) -> None:
    """Make ``new`` the parent of ``kid`` (an element, an MCID or a marked-content reference)."""
    if _is_reference(kid):
        _object(tree.pdf, kid)["P"] = new.reference
        return
    page, mcid = (
        (tree.pages.index(old["Pg"]), kid)
        if isinstance(kid, int)
        else (tree.pages.index(kid["Pg"]), kid["MCID"])
    )
    tree.page_mcids(page)[mcid] = new.reference
