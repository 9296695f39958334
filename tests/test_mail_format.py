"""The raw e-mail, as a mail server sees it: headers, line lengths, file names, SpamAssassin."""

from __future__ import annotations

import datetime as dt
import email
import mailbox
import os
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import file_names
from leaflets.cli import cli
from leaflets.content.topics import load_topic
from leaflets.i18n.languages import available_languages, bcp47, translations_for

SENDER = "leaflets@riverside.example"
#: The patient's language, topics and follow-up date, one message each.
ROWS = [(bcp47(lang), "breast prostate", "") for lang in available_languages()]
ROWS[1] = (ROWS[1][0], "breast", "2037-05-21")  # one personal leaflet


@dataclass(frozen=True)
class Sent:
    """One message written by `leaflets mail --outbox`: its bytes and the row it came from."""

    raw: bytes
    lang: str
    topics: list[str]

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]

    @property
    def legacy(self) -> Message:
        """The compat32 parser's view, which keeps every parameter as it was written."""
        return email.message_from_bytes(self.raw, policy=policy.compat32)


@dataclass(frozen=True)
class Outbox:
    messages: list[Sent]
    started: dt.datetime
    finished: dt.datetime


@pytest.fixture(scope="module")
def outbox(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outbox]:
    """Every language's message, written through the real CLI (leaflets reused from `built`)."""
    folder = tmp_path_factory.mktemp("outbox")
    batch = folder / "patients.csv"
    lines = [
        f"p{n}@example.org,{lang},{topics},{date},Jane"
        for n, (lang, topics, date) in enumerate(ROWS)
    ]
    batch.write_text("email,lang,topics,follow_up,name\n" + "\n".join(lines) + "\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEAFLETS_MAIL_FROM", SENDER)
        started = dt.datetime.now(dt.UTC).replace(microsecond=0)
        result = CliRunner().invoke(
            cli,
            [
                "mail",
                "--allow-unapproved",
                "--batch",
                str(batch),
                "--outbox",
                str(folder / "box"),
                "-o",
                str(built),
            ],
        )
        finished = dt.datetime.now(dt.UTC)
    assert result.exit_code == 0, result.output
    files = sorted((folder / "box").glob("*.eml"))
    assert len(files) == len(ROWS)
    sent = [
        Sent(f.read_bytes(), lang, t.split()) for f, (lang, t, _) in zip(files, ROWS, strict=True)
    ]
    yield Outbox(sent, started, finished)


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n", "", value)


def test_every_line_is_short_and_base64_lines_are_76(outbox: Outbox) -> None:
    for sent in outbox.messages:
        lines = sent.raw.split(b"\n")
        assert max(len(line) for line in lines) <= 78, sent.lang  # RFC 5322
        assert sent.raw.isascii(), sent.lang  # 7-bit: no 8BITMIME needed
        parts = [p for p in sent.message.walk() if p["Content-Transfer-Encoding"] == "base64"]
        assert len(parts) >= len(sent.topics)
        for part in parts:
            encoded = str(part.get_payload()).splitlines()
            assert max(len(line) for line in encoded) == 76, sent.lang  # RFC 2045


def test_headers_mail_servers_expect(outbox: Outbox) -> None:
    ids = set()
    for sent in outbox.messages:
        message = sent.message
        date = parsedate_to_datetime(message["Date"])
        assert outbox.started <= date <= outbox.finished
        assert message["Message-ID"].endswith("@riverside.example>")
        ids.add(message["Message-ID"])
        assert message["MIME-Version"] == "1.0"
        assert message["Content-Language"] == sent.lang
        assert message["From"].addresses[0].addr_spec == SENDER
    assert len(ids) == len(outbox.messages)


def test_translated_subjects_arrive_intact(outbox: Outbox) -> None:
    """Decoded by both of the standard library's parsers: not a space lost or added."""
    for sent in outbox.messages:
        translations = translations_for(sent.lang.replace("-", "_"))
        subject = translations.gettext("Your information leaflets from %(clinic)s") % {
            "clinic": "Example Community Clinic"
        }
        assert sent.message["Subject"] == subject
        assert str(make_header(decode_header(_unfold(sent.legacy["Subject"])))) == subject
        name, address = parseaddr(_unfold(sent.legacy["From"]))
        assert (name, address) == ("Example Community Clinic", SENDER)


def test_file_names_have_an_ascii_fallback_beside_rfc_2231(outbox: Outbox) -> None:
    fallbacks = {}
    for sent in outbox.messages:
        translations = translations_for(sent.lang.replace("-", "_"))
        attachments = [p for p in sent.legacy.walk() if p.get_content_type() == "application/pdf"]
        for topic, part in zip(sent.topics, attachments, strict=True):
            title = translations.gettext(load_topic(topic).title)
            names = file_names(part)
            assert names[0].isascii() and names[0].endswith(".pdf")
            assert names[-1] == f"{title}.pdf"  # the RFC 2231 form, or the only one
            assert len(names) == (1 if title.isascii() else 2)
            fallbacks[(sent.lang, topic)] = names[0]
    spanish = translations_for("es").gettext(load_topic("prostate").title)
    plain = unicodedata.normalize("NFKD", spanish).encode("ascii", "ignore").decode()
    assert plain != spanish  # the Spanish title has accents to drop
    assert fallbacks[("es", "prostate")] == f"{plain}.pdf"
    assert fallbacks[("ar", "breast")] == "breast-ar.pdf"
    assert fallbacks[("zh-Hans", "prostate")] == "prostate-zh-Hans.pdf"
    assert fallbacks[("en", "breast")] == "Breast calcifications.pdf"


def _spamassassin() -> str:
    """The spamassassin program; a skip only where it is missing and `make` could not install it."""
    found = shutil.which("spamassassin")
    if found:
        return found
    if os.environ.get("CI") or os.geteuid() == 0:
        pytest.fail("spamassassin is missing although make installs it as root (make sysdeps)")
    pytest.skip("spamassassin is not installed: sudo apt-get install spamassassin")


def test_spamassassin_scores_every_message_at_most_1(outbox: Outbox, tmp_path: Path) -> None:
    program = _spamassassin()
    box = mailbox.mbox(tmp_path / "sent.mbox")
    for sent in outbox.messages:
        box.add(sent.raw)
    box.flush()
    # Local rules only (-L), test mode (-t), one run for all messages; no Bayes database and
    # no preferences file in the user's home.
    result = subprocess.run(
        [program, "-L", "-t", "-x", "--cf=use_bayes 0", "--mbox", str(tmp_path / "sent.mbox")],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    scores = [
        float(s) for s in re.findall(r"^X-Spam-Status: \w+, score=(-?[\d.]+)", result.stdout, re.M)
    ]
    assert len(scores) == len(outbox.messages)
    report = re.findall(r"^X-Spam-Status:.*(?:\n\s.*)*", result.stdout, re.M)
    assert max(scores) <= 1.0, "\n".join(report)
