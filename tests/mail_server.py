"""SMTP servers for the mail tests: aiosmtpd that keeps what it receives, and a slow one."""

from __future__ import annotations

import email
import socket
import threading
import time
from email import policy
from email.message import EmailMessage
from typing import Any


class Inbox:
    """An aiosmtpd handler that keeps what it receives, and can fail after N messages."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[str] = []
        self.fail_after = fail_after

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.fail_after is not None and len(self.messages) >= self.fail_after:
            return "451 4.3.0 Mailbox temporarily unavailable"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


def free_port() -> int:
    """A loopback port nobody listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SlowServer(threading.Thread):
    """Speaks just enough SMTP, then answers one byte every ``pause`` seconds, never finishing.

    ``stall`` is where it slows down: "greeting" (before anything) or "data" (after the
    message has been transmitted, before it is accepted). It gives up after ``give_up`` s, so a
    client without a deadline fails the test instead of hanging it.
    """

    def __init__(self, stall: str, pause: float = 0.2, give_up: float = 20.0) -> None:
        super().__init__(daemon=True)
        self.stall, self.pause, self.give_up = stall, pause, give_up
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.stop = threading.Event()
        self.received_data = False

    def run(self) -> None:
        connection, _ = self.listener.accept()
        with connection, connection.makefile("rb") as lines:
            if self.stall == "greeting":
                self._dribble(connection)
                return
            connection.sendall(b"220 slow.example ESMTP\r\n")
            in_data = False
            for line in lines:
                if in_data:
                    if line == b".\r\n":
                        self.received_data = True
                        self._dribble(connection)
                        return
                    continue
                verb = line[:4].upper()
                if verb == b"DATA":
                    in_data = True
                    connection.sendall(b"354 go ahead\r\n")
                elif verb == b"QUIT":
                    connection.sendall(b"221 bye\r\n")
                    return
                else:
                    connection.sendall(b"250 slow.example\r\n")

    def _dribble(self, connection: socket.socket) -> None:
        ends = time.monotonic() + self.give_up
        # A reply line that never ends: every byte comes well within any per-read timeout.
        for byte in b"250-" + b"x" * 5000:
            if self.stop.wait(self.pause) or time.monotonic() > ends:
                return
            try:
                connection.sendall(bytes([byte]))
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.listener.close()
        self.join(timeout=5)
