"""Mail batches against a real SMTP server: the send log, reruns, outbox trials, checks first."""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, edit_po, run
from leaflets.content.topics import load_topic
from leaflets.i18n.languages import po_path
from mail_server import Inbox

LATER = (dt.date.today() + dt.timedelta(days=400)).isoformat()
HEADER = "email,lang,topics,follow_up,name\n"
ROWS = [
    f"ana@example.org,es,breast,{LATER},Ana",
    "li@example.org,zh-Hans,breast prostate,,",
    f"omar@example.org,ar,prostate,{LATER},Omar",
]


def _batch(folder: Path, rows: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "patients.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _mail(batch: Path, out: Path, *args: str) -> object:
    return run("mail", "--allow-unapproved", "--batch", str(batch), "-o", str(out), *args)


def _to(inbox: Inbox) -> list[str]:
    return sorted(str(m["To"]) for m in inbox.messages)


ADDRESSES = sorted(row.split(",")[0] for row in ROWS)


def test_an_outbox_trial_is_not_taken_for_a_sent_batch(inbox: Inbox, tmp_path: Path) -> None:
    batch, out, box = _batch(tmp_path, ROWS), tmp_path / "out", tmp_path / "box"
    trial = _mail(batch, out, "--outbox", str(box))
    assert trial.exit_code == 0, trial.output
    assert "Nothing was e-mailed: to send, run the same command without --outbox" in trial.output
    assert len(list(box.glob("*.eml"))) == 3 and inbox.messages == []
    again = _mail(batch, out, "--outbox", str(box))
    assert "3 row(s) already written to" in again.output and len(list(box.glob("*.eml"))) == 3
    real = _mail(batch, out)
    assert real.exit_code == 0, real.output
    assert "3 row(s) were only written to an outbox before: e-mailing them now" in real.output
    assert _to(inbox) == ADDRESSES
    last = _mail(batch, out)
    assert "Nothing to do: every row was already sent" in last.output and len(inbox.messages) == 3


def test_a_rerun_from_another_folder_sends_nothing_twice(
    inbox: Inbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _batch(tmp_path / "batches", ROWS)
    inbox.fail_after = 1
    monkeypatch.chdir(tmp_path)
    first = run("mail", "--allow-unapproved", "--batch", "batches/patients.csv", "-o", "out")
    assert first.exit_code == 1 and "1 of 3 row(s) sent, 2 not" in first.output
    inbox.fail_after = None
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    second = run("mail", "--allow-unapproved", "--batch", str(batch), "-o", "out")
    assert second.exit_code == 0, second.output
    assert "1 row(s) already sent: skipped" in second.output
    assert _to(inbox) == ADDRESSES  # each patient exactly once
    assert (tmp_path / "batches" / "patients.send-log.jsonl").is_file()


def test_correcting_a_row_does_not_resend_the_others(inbox: Inbox, tmp_path: Path) -> None:
    batch, out = _batch(tmp_path, ROWS), tmp_path / "out"
    inbox.fail_after = 2
    assert _mail(batch, out).exit_code == 1
    inbox.fail_after = None
    fixed = [ROWS[0].replace(",Ana", ",Ana María"), ROWS[1], ROWS[2].replace("omar@", "omar.b@")]
    _batch(tmp_path, fixed)
    result = _mail(batch, out)
    assert result.exit_code == 0, result.output
    assert "2 row(s) already sent: skipped" in result.output
    assert _to(inbox) == ["ana@example.org", "li@example.org", "omar.b@example.org"]


def test_a_repeated_row_is_reported_and_sent_once(inbox: Inbox, tmp_path: Path) -> None:
    rows = [*ROWS, "LI@Example.org,zh-Hans,prostate breast,,Li"]  # same delivery as line 3
    result = _mail(_batch(tmp_path, rows), tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "patients.csv:5: same address, language, topics and follow-up as line 3" in (
        result.output
    )
    assert _to(inbox) == ADDRESSES


@pytest.mark.parametrize("needed_by", ["leaflet", "mail"])
def test_every_row_is_checked_before_anything_is_sent(
    inbox: Inbox, catalogs: Path, tmp_path: Path, needed_by: str
) -> None:
    msgid = load_topic("prostate").title if needed_by == "leaflet" else "Hello,"
    edit_po(po_path("fr"), msgid, fuzzy=True)
    rows = [*ROWS, "marie@example.org,fr,prostate,,"]  # the French row comes last
    result = _mail(_batch(tmp_path, rows), tmp_path / "out")
    assert result.exit_code == 1
    assert "fr/LC_MESSAGES/messages.po:" in result.output
    assert f"fuzzy: {msgid!r}" in result.output
    assert "nothing was sent" in result.output
    assert inbox.messages == []
    log = tmp_path / "patients.send-log.jsonl"
    assert not log.exists() or '"sent"' not in log.read_text()


def test_a_torn_last_log_line_is_recovered(inbox: Inbox, tmp_path: Path) -> None:
    batch, out = _batch(tmp_path, ROWS), tmp_path / "out"
    inbox.fail_after = 1
    assert _mail(batch, out).exit_code == 1
    log = tmp_path / "patients.send-log.jsonl"
    with log.open("a") as fh:
        fh.write('{"line": 3, "key": "d717bd15')  # the machine stopped mid-write
    inbox.fail_after = None
    result = _mail(batch, out)
    assert result.exit_code == 0, result.output
    assert "the last entry was cut off by an interrupted run; ignored" in result.output
    assert _to(inbox) == ADDRESSES
    assert log.read_text().endswith("}\n")
    unreadable = [line for line in log.read_text().splitlines() if not _is_json(line)]
    assert unreadable == ['{"line": 3, "key": "d717bd15']
    again = _mail(batch, out)
    assert again.exit_code == 0 and len(inbox.messages) == 3
    assert "patients.send-log.jsonl:3: unreadable; ignored" in again.output


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def test_outbox_files_are_owner_only_and_never_partial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEAFLETS_MAIL_FROM", "leaflets@clinic.example")
    batch, box = _batch(tmp_path, ROWS[:1]), tmp_path / "box"
    result = _mail(batch, tmp_path / "out", "--outbox", str(box))
    assert result.exit_code == 0, result.output
    (eml,) = box.glob("*.eml")
    assert stat.S_IMODE(eml.stat().st_mode) == 0o600
    assert stat.S_IMODE(box.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "patients.send-log.jsonl").stat().st_mode) == 0o600

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    full = tmp_path / "full"
    monkeypatch.setattr(os, "fsync", no_space)  # the disk fills up as the message is flushed
    args = ["--to", "a@example.org", "-l", "en", "--follow-up", LATER, "--outbox", str(full)]
    failed = run("mail", "--allow-unapproved", *args, "-o", str(tmp_path / "out"), "breast")
    assert failed.exit_code == 1
    assert "cannot write the message (No space left on device)" in failed.output
    assert list(full.iterdir()) == []  # no .eml, not even a temporary file


def _leaflets(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEAFLETS_MAIL_FROM": "leaflets@clinic.example"}
    return subprocess.run(
        [sys.executable, "-m", "leaflets", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,  # reading a FIFO or /dev/zero would otherwise hang
    )


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_batch_or_log_that_is_not_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    special = tmp_path / "special"
    if kind == "fifo":
        os.mkfifo(special)
    else:
        special.symlink_to("/dev/zero")
    as_batch = _leaflets(
        "mail", "--allow-unapproved", "--batch", str(special), "--outbox", "box", cwd=tmp_path
    )
    assert as_batch.returncode == 1
    assert f"{special}: not a regular file; give a CSV file" in as_batch.stderr
    batch = _batch(tmp_path, ROWS[:1])
    args = ["--batch", str(batch), "--log", str(special), "--outbox", "box"]
    as_log = _leaflets("mail", "--allow-unapproved", *args, cwd=tmp_path)
    assert as_log.returncode == 1
    assert f"{special}: the send log must be a regular file" in as_log.stderr
    assert "Traceback" not in as_batch.stderr + as_log.stderr
    assert not (tmp_path / "box").exists()


def test_two_runs_of_one_batch_at_once_are_refused(inbox: Inbox, tmp_path: Path) -> None:
    batch = _batch(tmp_path, ROWS)
    log = tmp_path / "patients.send-log.jsonl"
    with log.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # what a run in progress holds
        result = _mail(batch, tmp_path / "out")
    assert result.exit_code == 1
    assert "another 'leaflets mail' run is using this batch; wait until it ends" in result.output
    assert inbox.messages == []
