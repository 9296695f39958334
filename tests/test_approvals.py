"""Clinical approvals through the real command line: records, what leaflets print, gates."""

from __future__ import annotations

import datetime as dt
import email
import json
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import edit_po, pdf_text, run, squash
from leaflets.content import topics
from leaflets.content.topics import load_topic, topic_path
from leaflets.i18n import languages
from leaflets.i18n.languages import compile_catalog, po_path

BAND = "Not approved for patient use"
APPROVER = ("--by", "Dr Jane Smith", "--role", "Consultant breast radiologist")
TRANSLATOR = ("--by", "Ana García", "--role", "Certified medical translator")


def build(out: Path, *args: str) -> object:
    result = run("build", "-o", str(out), *args)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return result


def edit_topic(name: str, old: str, new: str) -> None:
    """Change a scratch topic file, as an editor would between two commands."""
    path = topic_path(name)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    topics.load_topic.cache_clear()  # each real command is a fresh process
    languages.topic_messages.cache_clear()


def a_sentence(name: str) -> str:
    """An English sentence of the topic without citations, as written on one line of its file."""
    text = topic_path(name).read_text(encoding="utf-8")
    return next(
        sentence
        for _, string in load_topic(name).texts()
        for sentence in re.split(r"(?<=\.) ", string)
        if len(sentence.split()) > 5
        and sentence.endswith(".")
        and "[@" not in sentence
        and sentence in text
    )


def pages(pdf: Path) -> list[str]:
    return [squash(page.extract_text()) for page in PdfReader(pdf).pages]


def approve(brand: Path, *args: str) -> None:
    result = run("approve", "--brand", str(brand), *args)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]


def test_example_brand_prints_the_band_on_every_page_and_no_review_claim(tmp_path: Path) -> None:
    build(tmp_path, "--lang", "en", "breast")
    pdf = tmp_path / "en" / "breast.pdf"
    assert all(squash(BAND) in page for page in pages(pdf))
    text = pdf_text(pdf).lower()
    assert "reviewed" not in text and "approved by" not in text
    assert squash("The clinic has not approved this content for patient use.") in squash(
        pdf_text(pdf)
    )


def test_translated_band_has_the_english_words_in_a_second_line(tmp_path: Path) -> None:
    build(tmp_path, "--lang", "es", "breast")
    band = squash(compile_catalog("es").gettext(BAND))
    for page in pages(tmp_path / "es" / "breast.pdf"):
        assert band + squash(BAND) in page


def test_approved_leaflet_names_the_approver_and_has_no_band(
    riverside: Path, tmp_path: Path
) -> None:
    approve(riverside, "breast", *APPROVER, "--date", "2026-11-23")
    result = build(tmp_path, "--brand", str(riverside), "--lang", "en", "breast")
    pdf = tmp_path / "riverside" / "en" / "breast-letter.pdf"
    text = squash(pdf_text(pdf))
    assert squash(BAND) not in text
    assert (
        squash("Approved by Dr Jane Smith, Consultant breast radiologist, on November 23, 2026.")
        in text
    )
    for page in pages(pdf):
        assert "ApprovedNovember23,2026" in page  # the footer
    assert "warning" not in result.output  # type: ignore[attr-defined]
    # The prostate leaflet of the same clinic is still not approved.
    build(tmp_path, "--brand", str(riverside), "--lang", "en", "prostate")
    assert squash(BAND) in squash(pdf_text(tmp_path / "riverside" / "en" / "prostate-letter.pdf"))


def test_one_changed_english_sentence_brings_the_band_back(
    project: Path, riverside: Path, tmp_path: Path
) -> None:
    approve(riverside, "breast", *APPROVER)
    build(tmp_path, "--brand", str(riverside), "--lang", "en", "breast")
    assert squash(BAND) not in squash(pdf_text(tmp_path / "riverside" / "en" / "breast-letter.pdf"))
    sentence = a_sentence("breast")
    edit_topic("breast", sentence, sentence.removesuffix(".") + ", as a rule.")
    result = build(tmp_path, "--brand", str(riverside), "--lang", "en", "breast")
    assert "(up to date)" not in result.output  # type: ignore[attr-defined]
    pdf = tmp_path / "riverside" / "en" / "breast-letter.pdf"
    assert all(squash(BAND) in page for page in pages(pdf))
    assert "Jane Smith" not in pdf_text(pdf)
    status = json.loads(run("status", "--brand", str(riverside), "--format", "json").output)
    row = next(r for r in status if (r["topic"], r["lang"]) == ("breast", "en"))
    assert row["content"]["state"] == "lapsed"


def test_layout_and_comments_do_not_change_the_fingerprint(
    project: Path, riverside: Path, tmp_path: Path
) -> None:
    approve(riverside, "breast", *APPROVER)
    edit_topic("breast", "next_review:", "# A new comment\n\nnext_review:")
    edit_topic("breast", "title: ", "title:    ")
    build(tmp_path, "--brand", str(riverside), "--lang", "en", "breast")
    assert "Jane Smith" in pdf_text(tmp_path / "riverside" / "en" / "breast-letter.pdf")


def test_translation_review_prints_and_lapses_when_a_msgstr_changes(
    project: Path, riverside: Path, tmp_path: Path
) -> None:
    approve(riverside, "breast", *APPROVER)
    approve(riverside, "breast", "--lang", "es", *TRANSLATOR)
    build(tmp_path, "--brand", str(riverside), "--lang", "es", "breast")
    pdf = tmp_path / "riverside" / "es" / "breast-letter.pdf"
    text = squash(pdf_text(pdf))
    assert squash("Traducción revisada por Ana García, Certified medical translator") in text
    assert "Estatraducciónaúnnohasidorevisada" not in text
    assert squash(BAND) not in text
    # One changed msgstr: the review lapses; the content approval still holds.
    title = load_topic("breast").title
    edit_po(po_path("es"), title, msgstr="Calcificaciones de la mama")
    build(tmp_path, "--brand", str(riverside), "--lang", "es", "breast")
    text = squash(pdf_text(pdf))
    assert "Estatraducciónaúnnohasidorevisada" in text
    assert "AnaGarcía" not in text
    assert squash("Aprobado por Dr Jane Smith") in text


def test_an_expired_approval_prints_the_band(
    project: Path, riverside: Path, tmp_path: Path
) -> None:
    approve(riverside, "breast", *APPROVER)
    # The next review falls due: the fingerprint is unchanged, but the approval expires.
    # (The content date moves back a day first: a next review must come after it.)
    topic = load_topic("breast")
    today = dt.date.today().isoformat()
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    edit_topic("breast", f"content_date: {topic.content_date}", f"content_date: {yesterday}")
    edit_topic("breast", f"next_review: {topic.next_review}", f"next_review: {today}")
    result = build(tmp_path, "--brand", str(riverside), "--lang", "en", "breast")
    assert f"next review was due on {today}" in result.output  # type: ignore[attr-defined]
    pdf = tmp_path / "riverside" / "en" / "breast-letter.pdf"
    assert all(squash(BAND) in page for page in pages(pdf))
    status = run("status", "--brand", str(riverside)).output  # type: ignore[attr-defined]
    assert f"expired ({today})" in status


def test_build_warns_about_an_approval_that_expires_soon(
    project: Path, riverside: Path, tmp_path: Path
) -> None:
    soon = dt.date.today() + dt.timedelta(days=30)
    due = load_topic("breast").next_review.isoformat()
    edit_topic("breast", f"next_review: {due}", f"next_review: {soon}")
    approve(riverside, "breast", *APPROVER)
    result = build(tmp_path, "--brand", str(riverside), "--lang", "en", "breast")
    output = result.output  # type: ignore[attr-defined]
    assert f"warning: breast: approval by Dr Jane Smith expires on {soon} (in 30 days)" in output


def test_broken_approvals_file_is_one_line_naming_its_line(riverside: Path, tmp_path: Path) -> None:
    approvals = riverside.parent / "approvals.toml"
    approve(riverside, "breast", *APPROVER)
    lines = approvals.read_text("utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("role ="))
    lines[number - 1] = "role = Consultant"  # not a quoted string
    approvals.write_text("\n".join(lines) + "\n", "utf-8")
    for args in (
        ["build", "-o", str(tmp_path), "--brand", str(riverside), "-l", "en", "breast"],
        ["approve", "--brand", str(riverside), "prostate", *APPROVER],
    ):
        result = run(*args)
        assert result.exit_code == 1
        errors = [line for line in result.output.splitlines() if line.startswith("Error")]
        assert len(errors) == 1, result.output
        assert f"approvals.toml:{number}: TOML syntax error" in errors[0]
    assert not list(tmp_path.rglob("*.pdf"))


def test_hand_edited_unknown_key_names_its_line(riverside: Path) -> None:
    approvals = riverside.parent / "approvals.toml"
    approve(riverside, "breast", *APPROVER)
    text = approvals.read_text("utf-8").replace("role =", "rolle =")
    approvals.write_text(text, "utf-8")
    number = 1 + text.splitlines().index(
        next(line for line in text.splitlines() if line.startswith("rolle"))
    )
    result = run("status", "--brand", str(riverside))
    assert result.exit_code == 1
    assert f"approvals.toml:{number}: content.0.rolle: unknown key" in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--lang", "es", "--by", "A\nB", "--role", "x"], "--by: control characters"),
        (["--by", "A" * 101, "--role", "x"], "--by: at most 100 characters (got 101)"),
        (["--by", "A", "--role", "x\x1b[31m"], "--role: control characters"),
        (["--by", "A", "--role", "x", "--date", "2999-01-01"], "is in the future"),
        (["--by", "A", "--role", "x", "--date", "2020-01-01"], "before this version"),
        (["--by", "A", "--role", "x", "--date", "1.1.2027"], "not a date like"),
    ],
)
def test_approve_refuses_bad_values_and_writes_nothing(
    riverside: Path, args: list[str], expected: str
) -> None:
    result = run("approve", "breast", "--brand", str(riverside), *args)
    assert result.exit_code == 1
    assert expected in result.output
    assert not (riverside.parent / "approvals.toml").exists()


def test_approve_refuses_the_example_brand_and_unknown_names(riverside: Path) -> None:
    result = run("approve", "breast", *APPROVER)
    assert result.exit_code == 1
    assert "example brand is a placeholder and cannot hold approvals" in result.output
    assert run("approve", "knee", "--brand", str(riverside), *APPROVER).exit_code == 2
    assert run("approve", "breast", "-l", "xx", "--brand", str(riverside), *APPROVER).exit_code == 2
    result = run("approve", "breast", "-l", "en", "--brand", str(riverside), *APPROVER)
    assert result.exit_code == 2 and "without --lang" in result.output
    assert not (riverside.parent / "approvals.toml").exists()


def test_approving_an_incomplete_translation_is_refused(project: Path, riverside: Path) -> None:
    edit_po(po_path("fr"), load_topic("breast").title, fuzzy=True)
    result = run("approve", "breast", "--lang", "fr", "--brand", str(riverside), *TRANSLATOR)
    assert result.exit_code == 1
    assert "fr/breast: 1 string(s) not ready (first: fuzzy" in result.output
    assert str(po_path("fr")) + ":" in result.output
    assert not (riverside.parent / "approvals.toml").exists()


def test_approvals_are_appended_and_keep_comments(riverside: Path) -> None:
    approvals = riverside.parent / "approvals.toml"
    approve(riverside, "breast", *APPROVER, "--note", "Signed sheet filed in QMS-14")
    approvals.write_text(approvals.read_text("utf-8") + "# checked by the QM office\n", "utf-8")
    approve(riverside, "breast", "--lang", "es", *TRANSLATOR)
    text = approvals.read_text("utf-8")
    assert "# checked by the QM office" in text
    assert text.count("[[content]]") == 1 and text.count("[[translation]]") == 1
    assert 'note = "Signed sheet filed in QMS-14"' in text
    assert not list(riverside.parent.glob("*.tmp"))


def test_status_and_check_report_each_topic_and_language(project: Path, riverside: Path) -> None:
    before = json.loads(run("status", "--brand", str(riverside), "--format", "json").output)
    assert {(r["content"]["state"], r["translation"]["state"]) for r in before} == {
        ("none", "source"),
        ("none", "none"),
    }
    approve(riverside, "breast", *APPROVER)
    approve(riverside, "breast", "--lang", "es", *TRANSLATOR)
    after = {
        (r["topic"], r["lang"]): r
        for r in json.loads(run("status", "--brand", str(riverside), "--format", "json").output)
    }
    assert after[("breast", "es")]["content"]["by"] == "Dr Jane Smith"
    assert after[("breast", "es")]["translation"]["by"] == "Ana García"
    assert after[("breast", "fr")]["translation"]["state"] == "none"
    assert after[("prostate", "en")]["content"]["state"] == "none"
    table = run("status", "--brand", str(riverside)).output
    assert "approved (Ana García, " in table
    # check: a missing approval is a warning, a lapsed one an error with the record's line.
    result = run("check", "--brand", str(riverside))
    assert result.exit_code == 0, result.output
    assert "warning        en/prostate: clinical approval: none recorded" in result.output
    edit_po(po_path("es"), load_topic("breast").title, msgstr="Calcificaciones de la mama")
    result = run("check", "--brand", str(riverside))
    assert result.exit_code == 1
    approvals = (riverside.parent / "approvals.toml").read_text("utf-8").splitlines()
    line = 1 + approvals.index("[[translation]]")
    assert (
        f"error   {line:>5}  es/breast: translation review lapsed: the translation changed"
        in result.output
    )


def test_require_approval_names_each_gap_and_builds_nothing(
    riverside: Path, tmp_path: Path
) -> None:
    result = run("build", "-o", str(tmp_path), "--require-approval", "-l", "en", "breast")
    assert result.exit_code == 1
    assert "example brand is a placeholder" in result.output
    approve(riverside, "breast", *APPROVER)
    args = ["build", "-o", str(tmp_path), "--brand", str(riverside), "--require-approval"]
    result = run(*args, "-l", "en", "-l", "es", "breast", "prostate")
    assert result.exit_code == 1
    assert "es/breast: translation review: none" in result.output
    assert "en/prostate: clinical approval: none" in result.output
    assert "en/breast" not in result.output
    assert not list(tmp_path.rglob("*.pdf"))
    assert run(*args, "-l", "en", "breast").exit_code == 0
    assert (tmp_path / "riverside" / "en" / "breast-letter.pdf").is_file()


def test_approving_rebuilds_a_cached_leaflet(riverside: Path, tmp_path: Path) -> None:
    build(tmp_path, "--brand", str(riverside), "-l", "en", "breast")
    assert "(up to date)" in build(tmp_path, "--brand", str(riverside), "-l", "en", "breast").output  # type: ignore[attr-defined]
    approve(riverside, "breast", *APPROVER)
    result = build(tmp_path, "--brand", str(riverside), "-l", "en", "breast")
    assert "(up to date)" not in result.output  # type: ignore[attr-defined]
    assert "Jane Smith" in pdf_text(tmp_path / "riverside" / "en" / "breast-letter.pdf")


def test_arabic_approval_lines_keep_names_readable(riverside: Path, tmp_path: Path) -> None:
    approve(riverside, "breast", *APPROVER)
    approve(riverside, "breast", "--lang", "ar", "--by", "Omar Haddad", "--role", "Translator")
    build(tmp_path, "--brand", str(riverside), "-l", "ar", "breast")
    text = pdf_text(tmp_path / "riverside" / "ar" / "breast-letter.pdf")
    assert "Jane Smith" in text and "Omar Haddad" in text
    assert squash(BAND) not in squash(text)


def test_mail_refuses_an_unapproved_leaflet(
    riverside: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEAFLETS_MAIL_FROM", "imaging@riverside.example")
    outbox = tmp_path / "outbox"
    args = ["mail", "--brand", str(riverside), "--outbox", str(outbox), "-o", str(tmp_path)]
    args += ["--to", "jane@example.org", "--lang", "en", "breast"]
    result = run(*args)
    assert result.exit_code == 1
    assert "not approved for patient use at Riverside Breast Imaging; nothing sent" in result.output
    assert "en/breast: clinical approval: none" in result.output
    assert not outbox.exists()
    # Allowed explicitly: the attachment carries the band.
    result = run(*args, "--allow-unapproved")
    assert result.exit_code == 0, result.output
    message = email.message_from_bytes(next(outbox.glob("*.eml")).read_bytes())
    attachment = next(part for part in message.walk() if part.get_filename())
    pdf = attachment.get_payload(decode=True)
    assert squash(BAND) in squash(pdf_text(pdf))  # type: ignore[arg-type]
    # Once approved, it is sent without the band.
    approve(riverside, "breast", *APPROVER)
    shutil.rmtree(outbox)
    assert run(*args).exit_code == 0
    message = email.message_from_bytes(next(outbox.glob("*.eml")).read_bytes())
    attachment = next(part for part in message.walk() if part.get_filename())
    assert squash(BAND) not in squash(pdf_text(attachment.get_payload(decode=True)))  # type: ignore[arg-type]


def test_a_changed_reference_makes_the_approval_lapse(
    project: Path, riverside: Path, tmp_path: Path
) -> None:
    approve(riverside, "breast", *APPROVER)
    edit_topic("breast", "2013;5(1):63-74", "2013;5(1):63-75")
    build(tmp_path, "--brand", str(riverside), "--lang", "en", "breast")
    assert squash(BAND) in squash(pdf_text(tmp_path / "riverside" / "en" / "breast-letter.pdf"))
    result = run("check", "--brand", str(riverside))
    assert "en/breast: clinical approval lapsed: the English text changed" in result.output


def test_check_warns_about_a_record_for_an_unknown_topic(riverside: Path) -> None:
    approve(riverside, "breast", *APPROVER)
    approvals = riverside.parent / "approvals.toml"
    text = approvals.read_text("utf-8").replace('topic = "breast"', 'topic = "knee"')
    approvals.write_text(text, "utf-8")
    line = 1 + text.splitlines().index("[[content]]")
    result = run("check", "--brand", str(riverside))
    assert f"warning {line:>5}  this record names 'knee', which does not exist" in result.output
