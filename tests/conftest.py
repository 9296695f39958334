"""Shared fixtures: built PDFs, scratch copies of catalogs and topics, PDF readers."""

from __future__ import annotations

import email
import io
import json
import shutil
import ssl
from collections.abc import Iterator
from email import policy
from email.message import Message
from email.utils import collapse_rfc2231_value
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from babel.messages.pofile import write_po
from click.testing import CliRunner
from pypdf import PdfReader

from leaflets.cli import cli
from leaflets.content import topics
from leaflets.i18n import languages
from mail_server import Inbox, free_port

ROOT = Path(__file__).resolve().parents[1]
#: A synthetic topic (tests/data) with a results table per scale, emergency signs and related
#: topics: the real topics do not use every feature yet.
DEMO = "scale-demo"
DATA = Path(__file__).parent / "data"


def pdf_text(path: Path | bytes) -> str:
    """All text of a PDF, page after page."""
    reader = PdfReader(path if isinstance(path, Path) else io.BytesIO(path))
    return "\n".join(page.extract_text() for page in reader.pages)


def squash(text: str) -> str:
    """Text without any whitespace, so line breaks in the PDF do not matter."""
    return "".join(text.split())


def file_names(part: Message) -> list[str]:
    """Every filename parameter of a compat32 part's Content-Disposition, in order, decoded.

    The compat32 parser keeps both forms; the default one keeps only the first.
    """
    params = part.get_params(header="content-disposition") or []
    return [collapse_rfc2231_value(value) for key, value in params if key == "filename"]


def attachments(message: Message) -> list[tuple[str, bytes]]:
    """(file name as an RFC 2231 reader shows it, content) of each attachment of a message."""
    legacy = email.message_from_bytes(message.as_bytes(), policy=policy.compat32)
    return [
        (file_names(part)[-1], part.get_payload(decode=True))
        for part in legacy.walk()
        if part.get_content_disposition() == "attachment"
    ]


def edit_po(po: Path, msgid: str, msgstr: str | None = None, fuzzy: bool | None = None) -> None:
    """Change one entry of a PO file in place."""
    catalog = languages.read_catalog(po)  # keeps the X- provenance header fields
    entry = catalog[msgid]
    assert entry is not None, msgid
    if msgstr is not None:
        entry.string = msgstr
    if fuzzy is not None:
        if fuzzy:
            entry.flags.add("fuzzy")
        else:
            entry.flags.discard("fuzzy")
    with po.open("wb") as fh:
        write_po(fh, catalog)


def run(*args: str) -> object:
    """Invoke the CLI in-process."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def mail_args(to: str, lang: str, out: Path, *rest: str) -> list[str]:
    """`leaflets mail` to one patient with built leaflets in ``out``; ``rest``: options, topics.

    Unapproved leaflets are allowed: the example brand holds no approvals.
    """
    return ["mail", "--allow-unapproved", "--to", to, "-l", lang, "-o", str(out), *rest]


def use_smtp_server(monkeypatch: pytest.MonkeyPatch, port: int, security: str) -> None:
    """Point `leaflets mail` at an SMTP server on loopback ``port``."""
    monkeypatch.setenv("LEAFLETS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LEAFLETS_SMTP_PORT", str(port))
    monkeypatch.setenv("LEAFLETS_SMTP_SECURITY", security)
    monkeypatch.setenv("LEAFLETS_MAIL_FROM", "leaflets@clinic.example")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every leaflet (all topics, all complete languages), built once per test session."""
    out = tmp_path_factory.mktemp("output")
    result = CliRunner().invoke(cli, ["build", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "translation" not in result.output  # no language skipped as incomplete
    assert ", 0 failed" in result.output
    return out


@pytest.fixture
def catalogs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch copy of translations/ that tests may break."""
    root = tmp_path / "translations"
    shutil.copytree(languages.TRANSLATIONS_DIR, root, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(languages, "TRANSLATIONS_DIR", root)
    return root


def copy_project(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Copy the topics, templates, catalogs and babel.cfg to ``root`` and use them from there."""
    shutil.copytree(
        ROOT / "translations", root / "translations", ignore=shutil.ignore_patterns("*.mo")
    )
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copytree(topics.TOPICS_DIR, root / "leaflets" / "topics")
    for name in ("babel.cfg", "pyproject.toml"):
        shutil.copy(ROOT / name, root / name)
    monkeypatch.setattr(languages, "TRANSLATIONS_DIR", root / "translations")
    monkeypatch.setattr(topics, "TOPICS_DIR", root / "leaflets" / "topics")
    topics.load_topic.cache_clear()
    languages.topic_messages.cache_clear()
    return root


def add_demo_topic(root: Path, langs: tuple[str, ...] | None = None) -> None:
    """Put the synthetic topic into a project copy, translated in ``langs`` (default: all).

    es, ar and zh_Hans have real translations; other languages get the Spanish text, which is
    enough for checks that do not read the language.
    """
    shutil.copy(DATA / f"{DEMO}.yaml", root / "leaflets" / "topics" / f"{DEMO}.yaml")
    translations = json.loads((DATA / f"{DEMO}-translations.json").read_text(encoding="utf-8"))
    for lang in languages.available_languages()[1:] if langs is None else langs:
        po = languages.po_path(lang)
        catalog = languages.read_catalog(po)
        for msgid, msgstr in translations.get(lang, translations["es"]).items():
            catalog.add(msgid, msgstr)
        with po.open("wb") as fh:
            write_po(fh, catalog)
    topics.load_topic.cache_clear()
    languages.topic_messages.cache_clear()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A scratch copy of the project's topics, templates, catalogs and babel.cfg."""
    yield copy_project(tmp_path / "project", monkeypatch)
    topics.load_topic.cache_clear()
    languages.topic_messages.cache_clear()


@pytest.fixture
def topics_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A scratch copy of the packaged topics that tests may break."""
    folder = tmp_path / "topics"
    shutil.copytree(topics.TOPICS_DIR, folder)
    monkeypatch.setattr(topics, "TOPICS_DIR", folder)
    topics.load_topic.cache_clear()
    languages.topic_messages.cache_clear()
    yield folder
    topics.load_topic.cache_clear()
    languages.topic_messages.cache_clear()


@pytest.fixture
def riverside(tmp_path: Path) -> Path:
    """A scratch copy of the example clinic's folder; returns its brand file."""
    folder = tmp_path / "riverside"
    shutil.copytree(ROOT / "docs" / "examples" / "riverside", folder)
    return folder / "riverside.toml"


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A plain SMTP server on loopback (LEAFLETS_SMTP_SECURITY=none)."""
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    use_smtp_server(monkeypatch, port, "none")
    yield handler
    controller.stop()


@pytest.fixture
def tls_inbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Inbox]:
    """An SMTP server that requires STARTTLS, with a certificate from a test CA."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    handler = Inbox()
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
    )
    controller.start()
    use_smtp_server(monkeypatch, port, "starttls")
    monkeypatch.setenv("LEAFLETS_SMTP_CAFILE", str(cafile))
    yield handler
    controller.stop()
