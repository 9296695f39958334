"""Bad and hostile input: every case gets a clear error naming the file, a non-zero exit,
no traceback and no partial output (see SECURITY.md for the guard each case proves)."""

from __future__ import annotations

import errno
import os
import re
import struct
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import ROOT, edit_po
from leaflets.cli import main
from leaflets.content.topics import load_topic
from leaflets.i18n.languages import load_po, po_path

BRAND = ROOT / "docs" / "examples" / "riverside"


@dataclass
class Case:
    """One bad input: how to make it, what to run, what the error must say."""

    make: Callable[[Path], list[str]]  # edits the scratch project; returns extra CLI args
    expect: str  # a regex the error must match
    code: int = 1
    env: dict[str, str] = field(default_factory=dict)  # over MAIL_ENV, for mail commands


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def topic(old: str, new: str, name: str = "breast") -> Callable[[Path], list[str]]:
    def make(project: Path) -> list[str]:
        _replace(project / "leaflets" / "topics" / f"{name}.yaml", old, new)
        return ["build", "-l", "en", name]

    return make


def topic_bytes(data: bytes) -> Callable[[Path], list[str]]:
    def make(project: Path) -> list[str]:
        (project / "leaflets" / "topics" / "breast.yaml").write_bytes(data)
        return ["build", "-l", "en", "breast"]

    return make


def catalog(msgid: str, msgstr: str, command: str = "build") -> Callable[[Path], list[str]]:
    def make(project: Path) -> list[str]:
        edit_po(po_path("es"), msgid, msgstr=msgstr)
        return [command] if command == "check" else ["build", "-l", "es", "breast"]

    return make


def po_text(old: str, new: str) -> Callable[[Path], list[str]]:
    def make(project: Path) -> list[str]:
        _replace(po_path("es"), old, new)
        return ["build", "-l", "es", "breast"]

    return make


def po_bytes(data: bytes) -> Callable[[Path], list[str]]:
    def make(project: Path) -> list[str]:
        po_path("es").write_bytes(data)
        return ["build", "-l", "es", "breast"]

    return make


def brand(old: str, new: str) -> Callable[[Path], list[str]]:
    def make(project: Path) -> list[str]:
        folder = project / "brand"
        if not folder.exists():
            folder.mkdir()
            for item in BRAND.iterdir():
                (folder / item.name).write_bytes(item.read_bytes())
        _replace(folder / "riverside.toml", old, new)
        return ["build", "-l", "en", "breast", "--brand", str(folder / "riverside.toml")]

    return make


def aliased(project: Path) -> list[str]:
    path = project / "leaflets" / "topics" / "breast.yaml"
    _replace(path, "questions:\n  - ", "questions:\n  - &a ")
    _replace(path, "contact_doctor:\n", "contact_doctor:\n  - *a\n")
    return ["build", "-l", "en", "breast"]


def symlinked_logo(project: Path) -> list[str]:
    args = brand('logo = "logo.svg"', 'logo = "link.svg"')(project)
    (project / "outside.svg").write_text((BRAND / "logo.svg").read_text())
    (project / "brand" / "link.svg").symlink_to(project / "outside.svg")
    return args


def output_is_a_file(project: Path) -> list[str]:
    (project / "blocker").write_text("a file where the output folder should be")
    return ["build", "-l", "en", "breast", "-o", str(project / "blocker" / "out")]


def huge_topic(project: Path) -> list[str]:
    body = "\n".join(
        f"  - heading: Part {i}\n    blocks:\n      - bullets:\n"
        + "".join(
            f"          - {'Calcifications are common [@macmillan]. ' * 45}\n" for _ in range(10)
        )
        for i in range(12)
    )
    _replace(project / "leaflets" / "topics" / "breast.yaml", "sections:\n", f"sections:\n{body}\n")
    return ["build", "-l", "en", "breast", "--time-limit", "1", "-j", "1"]


#: Mail settings for the mail cases: a loopback port where nobody listens, so a case that
#: wrongly got as far as connecting fails with "cannot connect" instead of its own message.
MAIL_ENV = {
    "LEAFLETS_SMTP_HOST": "127.0.0.1",
    "LEAFLETS_SMTP_PORT": "9",
    "LEAFLETS_SMTP_SECURITY": "none",
    "LEAFLETS_MAIL_FROM": "leaflets@clinic.example",
}
LATER = "2099-05-21"
CSV_HEADER = "email,lang,topics,follow_up,name\n"


def mail_to(*extra: str, address: str = "a@example.org") -> Callable[[Path], list[str]]:
    def make(project: Path) -> list[str]:
        return ["mail", "--allow-unapproved", "--to", address, "-l", "es", *extra, "breast"]

    return make


def batch_file(
    data: bytes | None, log: str | None = None, log_size: int = 0
) -> Callable[[Path], list[str]]:
    """A batch CSV (a device when ``data`` is None); ``log`` makes a folder where its log goes,
    or with ``log_size`` a (sparse) log file of that size."""

    def make(project: Path) -> list[str]:
        path = project / "patients.csv"
        if data is None:
            path.symlink_to("/dev/null")
        else:
            path.write_bytes(data)
        if log and log_size:
            with (project / log).open("wb") as fh:
                fh.truncate(log_size)
        elif log:
            (project / log).mkdir()
        return ["mail", "--allow-unapproved", "--batch", str(path)]

    return make


def subject_line_break(command: str) -> Callable[[Path], list[str]]:
    def make(project: Path) -> list[str]:
        msgid = "Your information leaflets from %(clinic)s"
        edit_po(po_path("es"), msgid, msgstr="Sus folletos\nBcc: x@example.net %(clinic)s")
        mail = ["mail", "--allow-unapproved", "--to", "a@example.org", "-l", "es", "breast"]
        return ["check"] if command == "check" else mail

    return make


def cafile(data: bytes | None) -> Callable[[Path], list[str]]:
    def make(project: Path) -> list[str]:
        if data is not None:
            (project / "ca.pem").write_bytes(data)
        return ["mail", "--allow-unapproved", "--to", "a@example.org", "-l", "en", "breast"]

    return make


def po_append(text: str) -> Callable[[Path], list[str]]:
    def make(project: Path) -> list[str]:
        with po_path("es").open("a", encoding="utf-8") as fh:
            fh.write(text)
        return ["build", "-l", "es", "breast"]

    return make


def po_latin1(project: Path) -> list[str]:
    po = po_path("es")
    po.write_bytes(po.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    return ["build", "-l", "es", "breast"]


def po_fifo(project: Path) -> list[str]:
    po_path("es").unlink()
    os.mkfifo(po_path("es"))
    return ["build", "-l", "es", "breast"]


def brand_path(target: str | Callable[[Path], Path]) -> Callable[[Path], list[str]]:
    def make(project: Path) -> list[str]:
        path = target(project) if callable(target) else target
        return ["build", "-l", "en", "breast", "--brand", str(path)]

    return make


def fifo(project: Path) -> Path:
    path = project / "clinic.toml"
    os.mkfifo(path)
    return path


def big_brand(project: Path) -> Path:
    path = project / "clinic.toml"
    path.write_text('name = "Clinic"\n' + "# padding\n" * 20_000)
    return path


def logo_file(name: str, data: bytes) -> Callable[[Path], list[str]]:
    def make(project: Path) -> list[str]:
        args = brand('logo = "logo.svg"', f'logo = "{name}"')(project)
        (project / "brand" / name).write_bytes(data)
        return args

    return make


def png(width: int, height: int) -> bytes:
    """A valid, tiny PNG file that claims ``width`` x ``height`` pixels (one grey row each)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * (1 + (width + 7) // 8) * height, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def no_lang_into_a_file(project: Path) -> list[str]:
    (project / "blocker").write_text("a file where the output folder should be")
    return ["build", "breast", "-o", str(project / "blocker" / "out")]


# The cases below edit the current breast topic and Spanish catalog, read from the files
# rather than copied here, so that a content change does not leave them editing nothing.
BREAST_YAML = (ROOT / "leaflets" / "topics" / "breast.yaml").read_text(encoding="utf-8")
TOPICS = sorted(path.stem for path in (ROOT / "leaflets" / "topics").glob("*.yaml"))


def _key_line(key: str) -> str:
    """The breast topic's ``key: value`` line as it is now."""
    found = re.search(rf"^{key}: .*$", BREAST_YAML, re.M)
    assert found, key
    return found.group()


def _cited_once() -> str:
    """A citation of a breast reference that is cited in this one place only."""
    for reference in load_topic("breast").references:
        cited = re.findall(rf"@{re.escape(reference.key)}(?=[;\]])", BREAST_YAML)
        if len(cited) == 1 and f"[@{reference.key}]" in BREAST_YAML:
            return f"[@{reference.key}]"
    raise AssertionError("no breast reference is cited once, alone in its brackets")


def _numbered_text() -> tuple[str, str, str]:
    """A cited breast section text with a number of two digits or more, its Spanish, the number."""
    spanish = load_po("es")
    for path, text in load_topic("breast").texts():
        number = re.search(r"(?<![\w@])\d{2,}(?!\w)", re.sub(r"\[@[^\]]*\]", "", text))
        if path[0] != "sections" or not number or "[@" not in text:
            continue
        entry = spanish.get(text)
        translation = str(entry.string) if entry and entry.string else ""
        if re.search(rf"(?<!\d){number.group()}(?!\d)", translation):
            return text, translation, number.group()
    raise AssertionError("no cited breast text with a number of two digits or more")


def _latin1_error() -> tuple[int, str]:
    """Line and first bad byte of the Spanish catalog saved as Latin-1 (see po_latin1)."""
    data = po_path("es").read_text(encoding="utf-8").encode("latin-1", errors="replace")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return data[: exc.start].count(b"\n") + 1, f"0x{data[exc.start]:02x}"
    raise AssertionError("the Spanish catalog is ASCII; saving it as Latin-1 changes nothing")


CITED_ONCE = _cited_once()
NUMBERED, SPANISH_NUMBERED, NUMBER = _numbered_text()


def _with_number(text: str, shown: str) -> str:
    """``text`` with its first stand-alone NUMBER written as ``shown``."""
    return re.sub(rf"(?<!\d){NUMBER}(?!\d)", shown, text, count=1)


#: The number wrapped in a right-to-left override, so that it is displayed reversed.
REVERSED = _with_number(SPANISH_NUMBERED, f"\u202e{NUMBER}\u202c")
#: Where the number stands in the topic file, with the words either side of it.
NUMBER_IN_TOPIC = re.search(rf"\S+ {NUMBER} \S+", NUMBERED)
assert NUMBER_IN_TOPIC and NUMBER_IN_TOPIC.group() in BREAST_YAML, NUMBERED
LATIN1_LINE, LATIN1_BYTE = _latin1_error()
HOSTILE_LINK = '<link rel="attachment" href="file:///etc/hostname">'
TOPIC = r"topics/breast\.yaml"
PO = r"es/LC_MESSAGES/messages\.po"
TOML = r"riverside\.toml"

CASES: dict[str, Case] = {
    # Topic files: YAML, schema, references.
    "yaml syntax": Case(topic("sections:\n", "sections: [\n"), TOPIC + r":\d+: YAML syntax error"),
    "yaml tab indent": Case(
        topic("  - heading: What are", "\t- heading: What are"), TOPIC + r":\d+: YAML syntax"
    ),
    "wrong type": Case(
        topic("title: Breast calcifications", "title: 42"),
        TOPIC + r":\d+: title: Input should be a valid string",
    ),
    "date as text": Case(
        topic(_key_line("content_date"), "content_date: soon"), TOPIC + r":\d+: content_date"
    ),
    "unknown key": Case(topic("title:", "titel:"), TOPIC + r":\d+: titel: unknown key"),
    "missing key": Case(
        topic("summary: >-", "summery: >-"), TOPIC + r":\d+: summary: required key is missing"
    ),
    "duplicate key": Case(
        topic("id: breast\n", "id: breast\nid: breast\n"), TOPIC + r":\d+: duplicate key 'id'"
    ),
    "duplicate topic id": Case(
        topic("id: breast", "id: prostate"), TOPIC + r":1: id 'prostate' must match"
    ),
    "undefined reference": Case(topic(CITED_ONCE, "[@nobody]"), TOPIC + r":\d+: cites \[@nobody\]"),
    "unused reference": Case(
        topic(CITED_ONCE, ""),
        TOPIC + rf":\d+: reference '{re.escape(CITED_ONCE[2:-1])}' is never cited",
    ),
    "malformed citation": Case(
        topic(CITED_ONCE, "[@NOBODY here]"), TOPIC + r":\d+: malformed citation"
    ),
    "review dates reversed": Case(
        topic(_key_line("next_review"), "next_review: 2020-01-01"),
        TOPIC + r":\d+: next_review: must be after content_date",
    ),
    "invalid utf-8": Case(
        topic_bytes(b"id: breast\ntitle: Br\xe9ast\n"), TOPIC + r": not valid UTF-8"
    ),
    "10 MB string": Case(
        topic_bytes(b"id: breast\ntitle: " + b"x" * 10_000_000), TOPIC + r": file is larger than"
    ),
    "yaml alias": Case(aliased, TOPIC + r":\d+: this value is re-used by an alias"),
    "deep nesting": Case(
        topic_bytes(b"id: breast\ntitle: " + b"[" * 5000 + b"]" * 5000),
        TOPIC + r": nested too deeply",
    ),
    "not a mapping": Case(
        topic_bytes(b"- just\n- a list\n"), TOPIC + r":1: a topic file must be a mapping"
    ),
    "NUL byte in a topic": Case(
        topic("title: Breast calcifications", "title: Breast\x00calcifications"),
        TOPIC + r":\d+: .*U\+0000",
    ),
    "control character in a topic": Case(
        topic("title: Breast calcifications", 'title: "Breast\\acalcifications"'),
        TOPIC + r":\d+: title: contains the invisible character U\+0007",
    ),
    "bidi override in a topic": Case(
        topic(
            NUMBER_IN_TOPIC.group(),
            _with_number(NUMBER_IN_TOPIC.group(), f"\u202e{NUMBER}\u202c"),
        ),
        TOPIC + r":\d+: sections.*contains the invisible character U\+202E",
    ),
    # Catalogs: syntax, header, plurals, what a translation must keep, markup.
    "po syntax error": Case(
        po_text('msgid "References"', 'msgidd "References"'),
        PO + r":\d+: Unknown or misformatted keyword: 'msgidd \"References\"'",
    ),
    "po missing header": Case(
        po_text('msgid ""\nmsgstr ""\n"Project-Id', 'msgid "x"\nmsgstr "y"\n"Project-Id'), PO
    ),
    "po bad review status": Case(
        po_text("X-Review-Status: unreviewed", "X-Review-Status: looks fine"),
        PO + r": header X-Review-Status",
    ),
    "po invalid utf-8": Case(
        po_bytes(
            b'msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\nmsgid "a"\nmsgstr "\xff"\n'
        ),
        PO,
    ),
    "po 10 MB": Case(po_bytes(b"# " + b"x" * 6_000_000), PO + r": larger than 5 MB"),
    "wrong plural count": Case(
        po_text(
            'msgid "References"\nmsgstr "Referencias"',
            'msgid "References"\nmsgid_plural "Referencess"\nmsgstr[0] "Referencias"',
        ),
        PO,
    ),
    "dropped placeholder": Case(
        catalog("Approved %(date)s", "Aprobado"),
        PO + r":\d+: es/breast: placeholder %\(date\)s is missing",
    ),
    "dropped citation": Case(
        catalog(NUMBERED, re.sub(r"\s*\[@[^\]]*\]", "", SPANISH_NUMBERED)),
        PO + r":\d+: es/breast: citation markers differ",
    ),
    "changed number": Case(
        catalog(
            NUMBERED,
            _with_number(SPANISH_NUMBERED, str(int(NUMBER) + 10)),
        ),
        PO + r":\d+: es/breast: numbers differ",
    ),
    "translation far too long": Case(
        catalog("References", "R" * 20_000),
        PO + r":\d+: es/breast: translation has 20000 characters",
    ),
    "img file:///etc/passwd": Case(
        catalog("References", 'Referencias<img src="file:///etc/passwd">'),
        PO + r":\d+: es/breast: markup differs",
    ),
    "attachment /etc/hostname": Case(
        catalog("References", "Referencias" + HOSTILE_LINK), PO + r":\d+: es/breast: markup differs"
    ),
    "style @import network": Case(
        catalog("References", "<style>@import url(http://127.0.0.1/);</style>Referencias"),
        PO + r":\d+: es/breast: markup differs",
    ),
    # Catalogs: invisible characters that change what is displayed (bidi controls, Cf).
    "bidi override shows 50 as 05": Case(
        catalog(NUMBERED, REVERSED),
        PO + r":\d+: es/breast: bidi control U\+202E RIGHT-TO-LEFT OVERRIDE is not in the English",
    ),
    "bidi override (check)": Case(
        catalog(NUMBERED, REVERSED, command="check"),
        r"error +\d+  bidi control U\+202E RIGHT-TO-LEFT OVERRIDE is not in the English",
    ),
    "bidi isolate": Case(
        catalog("References", "\u2067Referencias\u2069"),
        PO + r":\d+: es/breast: bidi control U\+2067",
    ),
    "left-to-right mark": Case(
        catalog("References", "Referencias\u200e"), PO + r":\d+: es/breast: bidi control U\+200E"
    ),
    "arabic letter mark": Case(
        catalog("References", "\u061cReferencias"), PO + r":\d+: es/breast: bidi control U\+061C"
    ),
    "zero width space in a number": Case(
        catalog(NUMBERED, _with_number(SPANISH_NUMBERED, f"{NUMBER[0]}\u200b{NUMBER[1:]}")),
        PO + r":\d+: es/breast: invisible character U\+200B ZERO WIDTH SPACE",
    ),
    "word joiner": Case(
        catalog("References", "Refe\u2060rencias"),
        PO + r":\d+: es/breast: invisible character U\+2060",
    ),
    "soft hyphen (check)": Case(
        catalog("References", "Refe\u00adrencias", command="check"),
        r"invisible character U\+00AD SOFT HYPHEN is not in the English",
    ),
    "byte order mark in a string": Case(
        catalog("References", "\ufeffReferencias"),
        PO + r":\d+: es/breast: invisible character U\+FEFF",
    ),
    "zero width joiner in Spanish": Case(
        catalog("References", "Refe\u200drencias"),
        PO + r":\d+: es/breast: invisible character U\+200D",
    ),
    "escape character in a translation": Case(
        catalog("References", "\x1b[2JReferencias"),
        PO + r":\d+: es/breast: .*invisible character U\+001B",
    ),
    # Layout: text that cannot wrap must not run off the page.
    "footer translation runs off the page": Case(
        catalog("Page %(page)s of %(pages)s", "Página %(page)s de %(pages)s" + " siempre" * 30),
        r"(?m)FAILED es/breast: text does not fit: 'Página 1 de 4 siempre siempre .*' runs past "
        r"the edge of the page on page 1; shorten the text or break the long word$",
    ),
    # Catalogs: charset, duplicates, header, what the file is.
    "po declares ISO-8859-1": Case(
        po_text("charset=UTF-8", "charset=ISO-8859-1"),
        PO + r":15: the header declares charset 'iso-8859-1'; catalogs must be UTF-8",
    ),
    "po unknown charset": Case(
        po_text("charset=UTF-8", "charset=klingon"),
        PO + r":15: the header declares charset 'klingon'",
    ),
    "po saved as Latin-1": Case(
        po_latin1, PO + rf":{LATIN1_LINE}: not valid UTF-8 \(byte {LATIN1_BYTE}\); save"
    ),
    "po duplicate msgid": Case(
        po_append('\nmsgid "References"\nmsgstr "Otras referencias"\n'),
        PO + r":\d+: duplicate message definition \(first defined on line \d+\)",
    ),
    "po bad plural forms": Case(
        po_text("nplurals=2; plural=(n != 1);", "nplurals=x; plural=0;"),
        PO + r":\d+: invalid header",
    ),
    "po is a FIFO": Case(po_fifo, PO + r": not a regular file; not a catalog"),
    # Template translations are %-formatted when rendered.
    "unknown placeholder in a template string": Case(
        catalog("Approved %(date)s", "Aprobado %(date)s %(x)s"),
        PO + r":\d+: es/breast: .*placeholder %\(x\)s is not in the English",
    ),
    "bare % in a template string": Case(
        catalog("References", "Referencias (%)"),
        PO + r":\d+: es/breast: a % sign that is not a placeholder; write %% for a percent sign",
    ),
    "bare % in a template string (check)": Case(
        catalog("References", "Referencias (%)", command="check"),
        r"a % sign that is not a placeholder",
    ),
    # Brand files.
    "brand css url() in colour": Case(
        brand(
            'accent_color = "#f7ede6"', 'accent_color = "#fff;background:url(http://127.0.0.1/x)"'
        ),
        TOML + r": accent_color: String should match",
    ),
    "brand low contrast": Case(
        brand('primary_color = "#7a2e0a"', 'primary_color = "#dddddd"'),
        TOML + r": primary_color: text #dddddd on white #ffffff has contrast 1\.36:1",
    ),
    "brand logo ..": Case(
        brand('logo = "logo.svg"', 'logo = "../../etc/logo.svg"'),
        TOML + r": logo: must be a relative path inside",
    ),
    "brand logo absolute": Case(
        brand('logo = "logo.svg"', 'logo = "/etc/hostname"'),
        TOML + r": logo: must be a relative path inside",
    ),
    "brand logo url": Case(
        brand('logo = "logo.svg"', 'logo = "file:///etc/passwd"'),
        TOML + r": logo: must be a file next to the brand file, not a URL",
    ),
    "brand logo symlink out": Case(
        symlinked_logo, TOML + r": logo: points outside the brand file's folder"
    ),
    "brand unknown key": Case(
        brand('paper = "letter"', 'paper = "letter"\nscript = "x"'), TOML + r": script: unknown key"
    ),
    "brand toml syntax": Case(
        brand('paper = "letter"', 'paper = "letter'), TOML + r": TOML syntax error"
    ),
    "brand name line break": Case(
        brand('name = "Riverside Breast Imaging"', 'name = "Riverside\\nBcc: x"'),
        TOML + r": name: String should match",
    ),
    "brand /dev/zero": Case(brand_path("/dev/zero"), r"/dev/zero: not a regular file"),
    "brand FIFO": Case(brand_path(fifo), r"clinic\.toml: not a regular file"),
    "brand file 200 KB": Case(brand_path(big_brand), r"clinic\.toml: larger than 64 KB"),
    "brand logo 3 MB": Case(
        logo_file(
            "big.svg", b"<svg xmlns='http://www.w3.org/2000/svg'>" + b" " * 3_000_000 + b"</svg>"
        ),
        TOML + r": logo: big\.svg is larger than 1 MB",
    ),
    "brand logo 30000 pixels wide": Case(
        logo_file("wide.png", png(30_000, 10)),
        TOML + r": logo: wide\.png is 30000 x 10 pixels; at most 3000 x 3000",
    ),
    "brand logo not a PNG": Case(
        logo_file("fake.png", b"GIF89a not a png"), TOML + r": logo: fake\.png is not a PNG image"
    ),
    "brand qr_url too long": Case(
        brand(
            'qr_url = "https://riverside.example/leaflets"',
            f'qr_url = "https://riverside.example/{"x" * 100}"',
        ),
        TOML
        + r": qr_url: 126 characters is more than a 22 mm QR code prints legibly \(at most 84\)",
    ),
    "brand phone with bidi override": Case(
        brand('phone = "+1 555 0100"', 'phone = "+1 555 \u202e0100"'),
        TOML + r": phone: contains the invisible character U\+202E",
    ),
    # Mail: batches, send logs, settings, recipients, mail strings.
    "batch csv is a device": Case(batch_file(None), r"patients\.csv: not a regular file"),
    "batch csv over 5 MB": Case(
        batch_file(CSV_HEADER.encode() + b"x" * 6_000_000), r"patients\.csv: larger than 5 MB"
    ),
    "batch csv not utf-8": Case(
        batch_file(CSV_HEADER.encode() + b"a@example.org,es,breast,,Jos\xe9\n"),
        r"patients\.csv: not UTF-8 \(byte \d+\); save the CSV as UTF-8",
    ),
    "batch csv field over the csv limit": Case(
        batch_file(CSV_HEADER.encode() + b'a@example.org,es,breast,,"' + b"x" * 200_000 + b'"\n'),
        r"patients\.csv:\d+: not valid CSV \(field larger than field limit",
    ),
    "batch follow-up in the past": Case(
        batch_file((CSV_HEADER + "a@example.org,es,breast,2020-01-01,\n").encode()),
        r"patients\.csv:2: follow-up 2020-01-01 is in the past",
    ),
    "batch control character in name": Case(
        batch_file((CSV_HEADER + "a@example.org,es,breast,,Ana\x1b[2J\n").encode()),
        r"patients\.csv:2: name: control characters are not allowed",
    ),
    "send log is a folder": Case(
        batch_file(
            (CSV_HEADER + "a@example.org,es,breast,,\n").encode(), "patients.send-log.jsonl"
        ),
        r"patients\.send-log\.jsonl: the send log must be a regular file",
    ),
    "send log over 50 MB": Case(
        batch_file(
            (CSV_HEADER + "a@example.org,es,breast,,\n").encode(),
            "patients.send-log.jsonl",
            log_size=51 * 2**20,
        ),
        r"patients\.send-log\.jsonl: larger than 50 MB; is this a send log\?",
    ),
    "follow-up in the past": Case(
        mail_to("--follow-up", "2020-01-01"), r"follow-up 2020-01-01 is in the past"
    ),
    "smtp port 99999": Case(
        mail_to(),
        r"LEAFLETS_SMTP_PORT must be a number from 1 to 65535, not '99999'",
        env={"LEAFLETS_SMTP_PORT": "99999"},
    ),
    "smtp port 0": Case(
        mail_to(), r"LEAFLETS_SMTP_PORT must be a number from 1", env={"LEAFLETS_SMTP_PORT": "0"}
    ),
    "smtp port negative": Case(
        mail_to(), r"LEAFLETS_SMTP_PORT must be a number from 1", env={"LEAFLETS_SMTP_PORT": "-25"}
    ),
    "cafile missing": Case(
        cafile(None),
        r"LEAFLETS_SMTP_CAFILE=.*ca\.pem: cannot load CA certificates \(No such file",
        env={"LEAFLETS_SMTP_SECURITY": "starttls", "LEAFLETS_SMTP_CAFILE": "{project}/ca.pem"},
    ),
    "cafile not a certificate": Case(
        cafile(b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"),
        r"LEAFLETS_SMTP_CAFILE=.*ca\.pem: cannot load CA certificates",
        env={"LEAFLETS_SMTP_SECURITY": "tls", "LEAFLETS_SMTP_CAFILE": "{project}/ca.pem"},
    ),
    "cafile is a device": Case(
        cafile(None),
        r"LEAFLETS_SMTP_CAFILE=/dev/zero: cannot load CA certificates \(.*not a regular file",
        env={"LEAFLETS_SMTP_SECURITY": "starttls", "LEAFLETS_SMTP_CAFILE": "/dev/zero"},
    ),
    "address with non-ascii local part": Case(
        mail_to(address="josé@example.org"), r"'josé@example.org' is not a valid e-mail address"
    ),
    "address with invalid idna domain": Case(
        mail_to(address="a@-clínica.example"), r"has an invalid domain"
    ),
    "mail from with a line break": Case(
        mail_to(),
        r"LEAFLETS_MAIL_FROM: line breaks are not allowed",
        env={"LEAFLETS_MAIL_FROM": "a@example.org\nBcc: x@example.net"},
    ),
    "mail subject with a line break": Case(
        subject_line_break("mail"),
        PO + r":\d+: es: not ready for mail: the mail subject must be one line",
    ),
    "check: mail subject with a line break": Case(
        subject_line_break("check"), PO + r"\n\s+error\s+\d+\s+the mail subject must be one line"
    ),
    # Command line and environment.
    "unknown language": Case(
        lambda p: ["build", "-l", "tlh"],
        r"unknown language 'tlh'; choose one of: .*es \(Español\)",
        code=2,
    ),
    "unknown topic": Case(
        lambda p: ["build", "knee"],
        r"unknown topic 'knee'; choose from: " + re.escape(", ".join(TOPICS)),
        code=2,
    ),
    "output folder not writable": Case(output_is_a_file, r"blocker/out/en: cannot write output"),
    "output folder not writable, no --lang": Case(
        no_lang_into_a_file, r"blocker/out/en: cannot write output"
    ),
    "i18n init ES makes no second Spanish": Case(
        lambda p: ["i18n", "init", "ES"], PO + r": already exists; use `leaflets i18n update es`"
    ),
    "pathological document times out": Case(
        huge_topic, r"FAILED en/breast: took longer than 1 s; stopped"
    ),
}


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the real entry point (with its traceback guard); return exit code and all output."""
    old = sys.argv
    sys.argv = ["leaflets", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = old
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_there_are_at_least_ninety_distinct_bad_inputs() -> None:
    assert len(CASES) >= 90


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_refused_cleanly(
    name: str,
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = CASES[name]
    args = case.make(project)
    out = tmp_path / "out"
    if args[0] in ("build", "mail") and "-o" not in args:
        args += ["-o", str(out)]
    if args[0] == "mail":
        for key, value in {**MAIL_ENV, **case.env}.items():
            monkeypatch.setenv(key, value.format(project=project))
    code, output = run_main(args, capsys)
    assert code == case.code, output
    assert "Traceback" not in output
    assert re.search(case.expect, output), output
    assert not list(out.rglob("*.pdf")) or name == "pathological document times out"
    assert not list(out.rglob("breast.pdf"))  # never the leaflet with the bad input
    assert not list(tmp_path.rglob("*.tmp")) and not list(project.rglob("*.tmp"))


def test_a_full_disk_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)  # the disk fills up as the PDF is flushed
    code, output = run_main(["build", "-l", "en", "breast", "-o", str(tmp_path), "-j", "1"], capsys)
    assert code == 1 and "Traceback" not in output
    assert "breast.pdf: cannot write output (No space left on device)" in output
    assert list(tmp_path.rglob("*.pdf")) == [] and list(tmp_path.rglob("*.tmp")) == []


def test_an_empty_catalog_does_not_stop_list_or_status(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = project / "translations" / "it" / "LC_MESSAGES" / "messages.po"
    empty.parent.mkdir(parents=True)
    empty.write_bytes(b"")
    for command in ("list", "status"):
        code, output = run_main([command], capsys)
        assert code == 1 and "Traceback" not in output
        assert f"{empty}: header X-Review-Status must be one of" in output
        assert re.search(r"^(  zh-Hans |prostate +zh-Hans )", output, re.M), output  # after "it"


def test_init_normalises_the_language_code(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_main(["i18n", "init", "IT"], capsys)[0] == 0
    assert run_main(["i18n", "init", "pt-pt"], capsys)[0] == 0
    folders = sorted(p.name for p in (project / "translations").iterdir() if p.is_dir())
    assert "it" in folders and "pt_PT" in folders and "IT" not in folders


def test_hindi_may_use_joiners_for_shaping(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # ZERO WIDTH JOINER after a virama asks for the half form: Devanagari needs it (TRANSLATING.md).
    edit_po(po_path("hi"), "References", msgstr="संदर्\u200dभ")
    code, output = run_main(["build", "-l", "hi", "breast", "-o", str(tmp_path)], capsys)
    assert code == 0, output
