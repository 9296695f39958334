"""Mailing handouts, against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import email
import io
from email import policy
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import attachments, mail_args, pdf_text, run, squash, use_smtp_server
from leaflets.content.topics import load_topic
from leaflets.i18n.languages import compile_catalog
from mail_server import Inbox, free_port


def test_mail_in_the_patients_language_over_loopback(inbox: Inbox, tmp_path: Path) -> None:
    personal = ["--name", "Jane", "--follow-up", "2037-05-21", "breast", "prostate"]
    result = run(*mail_args("jane@example.org", "es", tmp_path / "out", *personal))
    assert result.exit_code == 0, result.output
    assert "j***@example.org" in result.output and "jane@example.org" not in result.output
    (message,) = inbox.messages
    spanish = compile_catalog("es")
    assert message["To"] == "jane@example.org"
    expected = spanish.gettext("Your information leaflets from %(clinic)s")
    assert message["Subject"] == expected % {"clinic": "Example Community Clinic"}
    english = [load_topic(topic).title for topic in ("breast", "prostate")]
    titles = [spanish.gettext(title) for title in english]
    assert not set(titles) & set(english)  # both in Spanish
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "21 de mayo de 2037" in body and all(title in body for title in titles)
    files = attachments(message)
    assert [name for name, _ in files] == [f"{title}.pdf" for title in titles]
    for _, data in files:
        reader = PdfReader(io.BytesIO(data))
        assert reader.trailer["/Root"]["/Lang"] == "es"
        assert "21demayode2037" in squash(pdf_text(data))  # the personal next step
    assert not (tmp_path / "out").exists()  # a personal PDF is never kept


def test_impersonal_mail_reuses_the_built_leaflet(inbox: Inbox, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run("build", "-l", "fr", "breast", "-o", str(out))
    built = (out / "fr" / "breast.pdf").read_bytes()
    assert run(*mail_args("a@example.org", "fr", out, "breast")).exit_code == 0
    assert attachments(inbox.messages[0])[0][1] == built


def _page_size(data: bytes) -> tuple[int, int]:
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    return round(box.width), round(box.height)


def test_mail_attaches_exactly_the_variant_asked_for(inbox: Inbox, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", "-l", "fr", "--paper", "letter", "-o", str(out), "breast").exit_code == 0
    letter = (out / "fr" / "breast-letter.pdf").read_bytes()
    mail = mail_args("a@example.org", "fr", out, "breast")
    assert run(*mail).exit_code == 0  # A4, the default
    a4 = attachments(inbox.messages[-1])[0][1]
    assert _page_size(a4) == (595, 842) and a4 == (out / "fr" / "breast.pdf").read_bytes()
    assert (out / "fr" / "breast-letter.pdf").read_bytes() == letter  # never rebuilt over
    assert run(*mail, "--paper", "letter").exit_code == 0
    assert attachments(inbox.messages[-1])[0][1] == letter
    assert run(*mail, "--paper", "letter", "--large-print").exit_code == 0
    large = attachments(inbox.messages[-1])[0][1]
    assert large == (out / "fr" / "breast-letter-large.pdf").read_bytes()
    assert _page_size(large) == (612, 792) and large != letter
    assert (out / "fr" / "breast-letter.pdf").read_bytes() == letter


def test_starttls_with_a_verified_certificate(tls_inbox: Inbox, tmp_path: Path) -> None:
    result = run(*mail_args("b@example.org", "ar", tmp_path, "prostate"))
    assert result.exit_code == 0, result.output
    (message,) = tls_inbox.messages
    assert message["Content-Language"] == "ar"


def test_an_untrusted_certificate_is_refused(
    tls_inbox: Inbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEAFLETS_SMTP_CAFILE")
    result = run(*mail_args("b@example.org", "en", tmp_path, "breast"))
    assert result.exit_code == 1
    assert "CERTIFICATE_VERIFY_FAILED" in result.output
    assert tls_inbox.messages == []


def test_no_encryption_only_on_loopback(inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAFLETS_SMTP_HOST", "mail.example.org")
    result = run("mail", "--allow-unapproved", "--to", "b@example.org", "-l", "en", "breast")
    assert result.exit_code == 1
    assert "only allowed for a loopback host" in result.output


def test_missing_settings_and_passwords_stay_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("LEAFLETS_SMTP_HOST", "LEAFLETS_MAIL_FROM"):
        monkeypatch.delenv(name, raising=False)
    result = run("mail", "--allow-unapproved", "--to", "b@example.org", "-l", "en", "breast")
    assert (
        result.exit_code == 1 and "set LEAFLETS_SMTP_HOST and LEAFLETS_MAIL_FROM" in result.output
    )
    use_smtp_server(monkeypatch, free_port(), "none")  # nobody listens there
    monkeypatch.setenv("LEAFLETS_SMTP_USER", "clinic")
    monkeypatch.setenv("LEAFLETS_SMTP_PASSWORD", "s3cr3t-Pa55")
    result = run(*mail_args("b@example.org", "en", tmp_path, "breast"))
    assert result.exit_code == 1 and "cannot connect" in result.output
    assert "s3cr3t" not in result.output


def test_outbox_files_parse_back(tmp_path: Path) -> None:
    outbox = ["--outbox", str(tmp_path / "box"), "breast"]
    result = run(*mail_args("c@example.org", "ko", tmp_path / "out", *outbox))
    assert result.exit_code == 0, result.output
    (eml,) = (tmp_path / "box").glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["To"] == "c@example.org"
    assert message["Subject"].startswith("Example Community Clinic")  # Korean word order
    name, data = attachments(message)[0]  # type: ignore[arg-type]
    assert name == "유방 석회화.pdf" and data.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--to", "jane@example.org\r\nBcc: evil@example.net"], "line breaks are not allowed"),
        (["--to", "not-an-address"], "not a valid e-mail address"),
        (["--to", "a@example.org", "--name", "Jane\nBcc: x@example.net"], "name: line breaks"),
        (["--to", "a@example.org", "--follow-up", "21/05/2027"], "not a date like 2027-05-21"),
    ],
)
def test_bad_recipients_are_refused(inbox: Inbox, args: list[str], expected: str) -> None:
    result = run("mail", "--allow-unapproved", *args, "-l", "en", "breast")
    assert result.exit_code == 1
    assert expected in result.output
    assert inbox.messages == []


def _batch(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "patients.csv"
    path.write_text("email,lang,topics,follow_up,name\n" + "\n".join(rows) + "\n")
    return path


ROWS = [
    "ana@example.org,es,breast,2037-05-21,Ana",
    "li@example.org,zh-Hans,breast prostate,,",
    "omar@example.org,ar,prostate,2037-01-10,Omar",
]


def test_batch_resumes_without_sending_twice(inbox: Inbox, tmp_path: Path) -> None:
    batch = _batch(tmp_path, ROWS)
    inbox.fail_after = 2
    first = run("mail", "--allow-unapproved", "--batch", str(batch), "-o", str(tmp_path / "out"))
    assert first.exit_code == 1 and "Run the same command again to resume" in first.output
    assert len(inbox.messages) == 2
    inbox.fail_after = None
    second = run("mail", "--allow-unapproved", "--batch", str(batch), "-o", str(tmp_path / "out"))
    assert second.exit_code == 0, second.output
    assert "2 row(s) already sent" in second.output
    assert sorted(m["To"] for m in inbox.messages) == sorted(r.split(",")[0] for r in ROWS)
    third = run("mail", "--allow-unapproved", "--batch", str(batch), "-o", str(tmp_path / "out"))
    assert third.exit_code == 0 and len(inbox.messages) == 3  # nothing sent twice
    text = (tmp_path / "patients.send-log.jsonl").read_text()
    assert "ana@example.org" not in text and "a***@example.org" in text


def test_an_invalid_batch_sends_nothing(inbox: Inbox, tmp_path: Path) -> None:
    batch = _batch(
        tmp_path,
        [
            ROWS[0],
            "bad-address,es,breast,,",
            "x@example.org,xx,breast,,",
            "y@example.org,en,knee,,",
            "z@example.org,en,breast,tomorrow,",
        ],
    )
    result = run("mail", "--allow-unapproved", "--batch", str(batch))
    assert result.exit_code == 1
    for line, words in [
        (3, "not a valid e-mail"),
        (4, "unknown language 'xx'"),
        (5, "unknown topic 'knee'"),
        (6, "not a date"),
    ]:
        assert f"patients.csv:{line}: " in result.output and words in result.output
    assert "nothing was sent" in result.output
    assert inbox.messages == []


def test_a_half_translated_mail_is_never_sent(inbox: Inbox, catalogs: Path) -> None:
    from conftest import edit_po
    from leaflets.i18n.languages import po_path

    edit_po(po_path("es"), "Hello,", msgstr="")
    result = run("mail", "--allow-unapproved", "--to", "a@example.org", "-l", "es", "breast")
    assert result.exit_code == 1
    assert "es/LC_MESSAGES/messages.po:" in result.output
    assert "es: not ready for mail: untranslated: 'Hello,'; fix the translation" in result.output
    assert inbox.messages == []
