"""The peer row: one leaflet typeset by Typst (the `typst` package) from the project's own HTML.

For the benchmark only, never a second renderer. The Typst source is generated from the
leaflet HTML that leaflets renders (the same words, headings, lists, table, boxes and
references), with a similar A4 layout and the same font files. Run it alone to write the
source and the PDF: `.venv/bin/python bench/peer_typst.py /tmp/typst-breast`.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from leaflets.build.matrix import Job, leaflet_html, prepare
from leaflets.content.topics import available_topics
from leaflets.paths import ASSETS_DIR
from leaflets.render.pdf import FONTS_DIR

FONT_PATHS = [str(FONTS_DIR / "source-sans" / "ttf")]
VOID = {"img", "br", "meta", "link", "hr", "input"}


@dataclass
class Node:
    """An HTML element with its attributes and children (strings or nodes)."""

    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def elements(self) -> list[Node]:
        return [child for child in self.children if isinstance(child, Node)]

    def text(self) -> str:
        """The text inside, with white space collapsed as a browser shows it."""
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join("".join(parts).split())

    def find(self, tag: str, cls: str | None = None) -> Node | None:
        for child in self.elements():
            if child.tag == tag and (cls is None or cls in child.classes):
                return child
            found = child.find(tag, cls)
            if found is not None:
                return found
        return None


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and len(self.stack) > 1:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    return builder.root


def _str(text: str) -> str:
    """A Typst string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


PREAMBLE = """\
#let primary = rgb("#0a5c7a")
#let tint = rgb("#e8f1f5")
#let warn = rgb("#8a4b00")
#set text(font: "Source Sans 3", size: 11pt, fill: rgb("#1b1b1b"), lang: "en")
#set par(leading: 0.45em, spacing: 0.7em)
#show heading.where(level: 1): set text(size: 24pt, fill: primary)
#show heading.where(level: 2): set text(size: 13.5pt, fill: primary)
#show heading.where(level: 3): set text(size: 11.5pt)
#set table(stroke: (x: none, y: 0.5pt + rgb("#8c8c8c")), inset: (x: 1.5mm, y: 1mm))
"""


def typst_source(html: str, page_label: str) -> str:
    """Typst markup for one leaflet, every word taken from its HTML and its translated
    "Page %(page)s of %(pages)s" (the HTML page has no page label: browsers cannot count pages).
    """
    root = parse_html(html)
    body = root.find("body")
    assert body is not None
    title = root.find("title")
    out = [f"#set document(title: {_str(title.text() if title else '')})", PREAMBLE]
    band = body.find("div", "approval-band")
    footer = body.find("footer", "page-footer")
    info = footer.find("span", "footer-info") if footer else None
    # "Page <n> of <total>" in the leaflet's own words, the two numbers from Typst's counter.
    counters = {"%(page)s": "#n", "%(pages)s": "#total"}
    pieces = re.split(r"(%\(pages?\)s)", page_label)
    words = [counters.get(piece) or f"#{_str(piece)}" for piece in pieces if piece]
    header = (
        'block(width: 100%, stroke: 1.5pt + rgb("#a3151a"), fill: rgb("#fdeceb"), '
        f'inset: (x: 4mm, y: 1.2mm), align(center, text(weight: 700, fill: rgb("#7a1014"), '
        f"size: 12pt, {_str(band.text())})))"
        if band
        else "none"
    )
    out.append(
        '#set page(paper: "a4", margin: (top: 16mm, bottom: 20mm, x: 14mm),\n'
        f"  header: {header}, header-ascent: 2mm,\n"
        "  footer: context { line(length: 100%, stroke: 0.5pt + primary)\n"
        f'    set text(size: 8.5pt, fill: rgb("#444"))\n'
        f"    grid(columns: (1fr, auto), {_str(info.text() if info else '')},\n"
        f"      counter(page).display((n, total) => [{''.join(words)}], both: true)) }})\n"
    )
    brand = body.find("header", "brand")
    if brand is not None:
        logo = brand.find("img", "logo")
        clinic = brand.find("p", "clinic")
        name = clinic.text() if clinic else ""
        contact = brand.find("address", "contact")
        lines = [e.text() for e in contact.elements()] if contact else []
        out.append(
            "#block(width: 100%, stroke: (bottom: 2pt + primary), inset: (bottom: 3mm))[\n"
            "#grid(columns: (14mm, 1fr, auto), column-gutter: 4mm, align: horizon,\n"
            f"  image({_str(logo.attrs['src'])}, alt: {_str(logo.attrs.get('alt', ''))}, "
            "width: 14mm),\n"
            * bool(logo)
            + f"  text(size: 14pt, weight: 700, fill: primary, {_str(name)}),\n"
            + '  align(right, text(size: 9pt, fill: rgb("#333"), ['
            + " \\ ".join(f"#{_str(line)}" for line in lines)
            + "])))]\n"
        )
    main = body.find("main")
    assert main is not None
    for node in main.elements():
        out.extend(_block(node))
    return "\n".join(out)


def _block(node: Node) -> list[str]:
    """Typst for one block-level element of the leaflet's main content."""
    tag, cls = node.tag, node.classes
    if tag == "h1":
        return [f"#heading(level: 1, {_str(node.text())})"]
    if tag in ("h2", "h3"):
        return [f"#heading(level: {tag[1]}, {_str(node.text())})"]
    if tag == "p" and "summary" in cls:
        return [
            "#block(stroke: (left: 3pt + primary), inset: (left: 4mm), "
            f"text(size: 13pt, {_str(node.text())}))"
        ]
    if tag == "p":
        return [f"#par({_str(node.text())})"]
    if tag == "aside":
        return [
            "#block(width: 100%, fill: tint, stroke: (left: 3pt + primary), "
            f"inset: (x: 4mm, y: 2.5mm), text(weight: 600, {_str(node.text())}))"
        ]
    if tag in ("ul", "ol"):
        kind = "enum" if tag == "ol" else "list"
        for li in node.elements():  # the printed reference numbers are the enum's own
            li.children = [
                c
                for c in li.children
                if not (isinstance(c, Node) and c.tag == "span" and "ref-number" in c.classes)
            ]
        items = ", ".join(_str(li.text()) for li in node.elements() if li.tag == "li")
        return [f"#{kind}({items})"]
    if tag == "table":
        return _table(node)
    if tag == "section" and "box" in cls:
        stroke = "2pt + warn" if "contact-doctor" in cls else "1pt + primary"
        fill = 'rgb("#fdf3e6")' if "contact-doctor" in cls else "tint"
        fill = "none" if "disclaimer" in cls else fill
        inner = [line for child in node.elements() for line in _block(child)]
        return [
            f"#block(width: 100%, stroke: {stroke}, radius: 2mm, fill: {fill}, "
            "inset: (x: 4mm, y: 2mm))[",
            *inner,
            "]",
        ]
    if tag == "section" and "references" in cls:
        inner = [line for child in node.elements() for line in _block(child)]
        return ["#[#set text(size: 8.5pt)", *inner, "]"]
    if tag in ("section", "div", "figure"):
        return [line for child in node.elements() for line in _block(child)]
    return [f"#par({_str(node.text())})"] if node.text() else []


def _table(node: Node) -> list[str]:
    caption = node.find("caption")
    rows = [tr for part in node.elements() for tr in part.elements() if tr.tag == "tr"]
    head, *body = rows
    columns = len(head.elements())
    cells = ", ".join(_str(cell.text()) for row in body for cell in row.elements())
    header = ", ".join(f"text(weight: 700, {_str(c.text())})" for c in head.elements())
    return [
        f"#text(weight: 700, {_str(caption.text() if caption else '')})",
        f"#table(columns: {columns}, fill: (x, y) => if y == 0 {{ tint }},",
        f"  table.header({header}), {cells})",
    ]


def leaflet_source(topic: str = "breast", lang: str = "en") -> str:
    item = prepare(Job(topic, lang))
    # The PDF's HTML has no footer element (its footer is page-margin CSS): the HTML page's.
    page = leaflet_html(item, standalone=True)
    footer = re.search(r'<footer class="page-footer".*?</footer>', page, re.S)
    assert footer is not None
    html = leaflet_html(item).replace("</body>", footer.group(0) + "</body>", 1)
    return typst_source(html, item.translations.gettext("Page %(page)s of %(pages)s"))


def _median_seconds(action: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def typst_timings(runs: int = 5) -> dict[str, float]:
    """Seconds per leaflet (PDF/UA-1, as ours): a fresh Python process, a reused typst.Compiler."""
    import typst

    source = leaflet_source().encode()
    fresh = [
        sys.executable,
        "-c",
        "import sys, typst; typst.compile(sys.stdin.buffer.read(), root=sys.argv[1], "
        "font_paths=sys.argv[2:], ignore_system_fonts=True, pdf_standards='ua-1')",
        str(ASSETS_DIR.parent),
        *FONT_PATHS,
    ]
    seconds = {
        "fresh": _median_seconds(lambda: subprocess.run(fresh, input=source, check=True), runs)
    }
    compiler = typst.Compiler(
        root=str(ASSETS_DIR.parent), font_paths=FONT_PATHS, ignore_system_fonts=True
    )
    compiler.compile(input=source, pdf_standards="ua-1")
    # The same source again: Typst's memoised layout makes a repeat nearly free.
    seconds["again"] = _median_seconds(
        lambda: compiler.compile(input=source, pdf_standards="ua-1"), runs
    )
    # Each other English leaflet once: new text for the compiler every time, as in a matrix.
    others = iter([leaflet_source(t).encode() for t in available_topics() if t != "breast"])
    count = len(available_topics()) - 1
    seconds["other"] = _median_seconds(
        lambda: compiler.compile(input=next(others), pdf_standards="ua-1"), count
    )
    return seconds


def main() -> None:
    import typst

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "typst-breast")
    target.mkdir(parents=True, exist_ok=True)
    source = leaflet_source()
    (target / "breast.typ").write_text(source)
    pdf = typst.compile(
        source.encode(),
        root=str(ASSETS_DIR.parent),
        font_paths=FONT_PATHS,
        ignore_system_fonts=True,
        pdf_standards="ua-1",
    )
    assert isinstance(pdf, bytes)
    (target / "breast.pdf").write_bytes(pdf)
    print(f"wrote {target}/breast.typ and breast.pdf")


if __name__ == "__main__":
    main()
