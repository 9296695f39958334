"""Write messages as .eml files: atomically and readable by the owner only."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from pathlib import Path

from leaflets.errors import MailError
from leaflets.files import replace_file


def write_eml(outbox: Path, message: EmailMessage, number: int) -> Path:
    """Save a message as an .eml file (for review, or a system that collects files).

    A message holds personal data: the file is 0600 and a folder made here is 0700. It is
    written to a hidden ``.*.tmp`` file first and renamed, so a folder-watching sender never
    picks up half a message (seen on a full disk before).
    """
    digest = hashlib.sha256(str(message["Message-ID"]).encode()).hexdigest()[:10]
    path = outbox / f"{number:04d}-{digest}.eml"
    try:
        if not outbox.is_dir():
            outbox.mkdir(mode=0o700, parents=True)
        replace_file(path, message.as_bytes(), mode=0o600)
    except OSError as exc:
        raise MailError(f"{path}: cannot write the message ({exc.strerror or exc})") from None
    return path
