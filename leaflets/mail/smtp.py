"""Send over SMTP: verified TLS, settings from the environment, a deadline on every message."""

from __future__ import annotations

import ipaddress
import os
import smtplib
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

from leaflets.errors import MailError
from leaflets.files import read_regular
from leaflets.mail import DEADLINE
from leaflets.mail.addresses import normalise_address

if TYPE_CHECKING:
    from typing_extensions import Buffer

SECURITY = ("starttls", "tls", "none")
#: Seconds one read or write may wait for the server.
READ_TIMEOUT = 30.0
#: A CA bundle larger than this is not a CA bundle (the system's has about 200 KB).
MAX_CAFILE_BYTES = 10 * 2**20


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send, from LEAFLETS_SMTP_* and LEAFLETS_MAIL_FROM."""

    host: str
    port: int
    user: str
    password: str
    security: str
    cafile: str | None
    sender: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SmtpSettings:
        """Read and check the settings; a problem is a MailError naming the variable."""
        missing = [
            name for name in ("LEAFLETS_SMTP_HOST", "LEAFLETS_MAIL_FROM") if not env.get(name)
        ]
        if missing:
            raise MailError(f"set {' and '.join(missing)} (see README, 'Mailing handouts')")
        security = env.get("LEAFLETS_SMTP_SECURITY", "starttls").lower()
        if security not in SECURITY:
            raise MailError(f"LEAFLETS_SMTP_SECURITY must be one of {', '.join(SECURITY)}")
        host = env["LEAFLETS_SMTP_HOST"]
        if security == "none" and not is_loopback(host):
            raise MailError(
                f"LEAFLETS_SMTP_SECURITY=none is only allowed for a loopback host, not {host!r}"
            )
        default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
        text = env.get("LEAFLETS_SMTP_PORT") or str(default_port)
        # An out-of-range port must not wrap around to another one.
        if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65535):
            raise MailError(f"LEAFLETS_SMTP_PORT must be a number from 1 to 65535, not {text!r}")
        settings = cls(
            host=host,
            port=int(text),
            user=env.get("LEAFLETS_SMTP_USER", ""),
            password=env.get("LEAFLETS_SMTP_PASSWORD", ""),
            security=security,
            cafile=env.get("LEAFLETS_SMTP_CAFILE") or None,
            sender=normalise_address(env["LEAFLETS_MAIL_FROM"], "LEAFLETS_MAIL_FROM"),
        )
        if security != "none":
            settings.tls_context()  # a bad CAFILE is reported before anything is built
        return settings

    def tls_context(self) -> ssl.SSLContext:
        """Verifying context: the system's CAs, or only those of LEAFLETS_SMTP_CAFILE."""
        if not self.cafile:
            return ssl.create_default_context()
        what = f"LEAFLETS_SMTP_CAFILE={self.cafile}"
        try:
            pem = read_regular(Path(self.cafile), MAX_CAFILE_BYTES).decode("ascii")
            return ssl.create_default_context(cadata=pem)
        except (OSError, UnicodeDecodeError, ssl.SSLError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise MailError(
                f"{what}: cannot load CA certificates ({reason}); "
                "give a PEM file with the certificate of your mail server's CA"
            ) from None


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class DeadlinePassedError(Exception):
    """The server took longer than the deadline for one message.

    Not an OSError: smtplib would report that as "Connection unexpectedly closed".
    """


class _BoundedReader:
    """``readline`` over the SMTP socket, each wait cut short at the message's deadline.

    smtplib reads replies through ``sock.makefile()``, whose timeout restarts with every byte:
    a server sending one byte every 20 s would keep a 30 s timeout from ever firing.
    """

    def __init__(self, smtp: _Bounded) -> None:
        self.smtp = smtp
        self.buffer = b""

    def readline(self, limit: int = -1) -> bytes:
        """One line (or ``limit`` bytes, or what is left at end of file)."""
        while True:
            newline = self.buffer.find(b"\n")
            size = newline + 1 if newline >= 0 else None
            if limit >= 0 and len(self.buffer) >= limit:
                size = min(size or limit, limit)
            if size is not None:
                line, self.buffer = self.buffer[:size], self.buffer[size:]
                return line
            sock = self.smtp.arm()
            try:
                chunk = sock.recv(4096)
            except TimeoutError as exc:
                raise self.smtp.timed_out(exc) from None
            if not chunk:
                line, self.buffer = self.buffer, b""
                return line
            self.buffer += chunk

    def close(self) -> None:
        self.buffer = b""


class _Bounded(smtplib.SMTP):
    """An SMTP client whose every read and write ends by a deadline (see ``restart_clock``)."""

    #: Bytes written per wait, so a server that reads slowly meets the deadline too.
    CHUNK = 8192

    def __init__(self, host: str, port: int, deadline: float, **kwargs: object) -> None:
        self.limit = deadline
        self.restart_clock()
        super().__init__(host, port, timeout=min(READ_TIMEOUT, deadline), **kwargs)  # type: ignore[arg-type]

    def restart_clock(self) -> None:
        """Start the deadline for the next message."""
        self.ends_at = time.monotonic() + self.limit
        self.deadline_binds = False

    def arm(self) -> socket.socket:
        """The socket, with a timeout no later than the deadline; DeadlinePassedError after it."""
        left = self.ends_at - time.monotonic()
        if self.sock is None:
            raise smtplib.SMTPServerDisconnected("not connected")
        if left <= 0:
            raise self.passed()
        self.sock.settimeout(min(READ_TIMEOUT, left))
        self.deadline_binds = left < READ_TIMEOUT
        return self.sock

    def passed(self) -> DeadlinePassedError:
        """The error for a message that ran out of time."""
        return DeadlinePassedError(
            f"the server took longer than {self.limit:g} s (--deadline); gave up"
        )

    def timed_out(self, exc: TimeoutError) -> Exception:
        """A socket timeout, reported as the deadline when that is what cut the wait short."""
        return self.passed() if self.deadline_binds else exc

    def getreply(self) -> tuple[int, bytes]:
        if self.file is None:
            self.file = _BoundedReader(self)
        return super().getreply()

    def send(self, s: Buffer | str) -> None:
        data = s.encode(self.command_encoding) if isinstance(s, str) else memoryview(s)
        for start in range(0, len(data), self.CHUNK):
            sock = self.arm()
            try:
                sock.sendall(data[start : start + self.CHUNK])
            except TimeoutError as exc:
                self.close()
                raise self.timed_out(exc) from None
            except OSError:
                self.close()
                raise smtplib.SMTPServerDisconnected("Server not connected") from None


class _BoundedSSL(_Bounded, smtplib.SMTP_SSL):
    """The same over implicit TLS (port 465)."""


class Mailer:
    """One SMTP connection for a run; verified TLS unless a loopback host says otherwise."""

    def __init__(self, settings: SmtpSettings, deadline: float = DEADLINE) -> None:
        self.settings = settings
        self.deadline = deadline
        self.smtp: _Bounded | None = None

    def __enter__(self) -> Mailer:
        s = self.settings
        context = s.tls_context()
        try:
            if s.security == "tls":
                self.smtp = _BoundedSSL(s.host, s.port, self.deadline, context=context)
            else:
                self.smtp = _Bounded(s.host, s.port, self.deadline)
                if s.security == "starttls":
                    self.smtp.starttls(context=context)
            if s.user:
                self.smtp.login(s.user, s.password)
        except (OSError, smtplib.SMTPException, DeadlinePassedError) as exc:
            if self.smtp is not None:
                self.smtp.close()
            raise MailError(
                f"cannot connect to {s.host}:{s.port}: {_safe(exc, s)}; nothing was sent"
            ) from None
        return self

    def send(self, message: EmailMessage) -> None:
        """Send one message within the deadline; MailError (without the password) on failure."""
        if self.smtp is None:
            raise MailError("not connected")
        self.smtp.restart_clock()
        try:
            self.smtp.send_message(message)
        except (OSError, smtplib.SMTPException, DeadlinePassedError) as exc:
            self.smtp.close()  # after a timeout the connection is in an unknown state
            raise MailError(f"sending failed: {_safe(exc, self.settings)}") from None

    def __exit__(self, *exc: object) -> None:
        if self.smtp is not None and self.smtp.sock is not None:
            self.smtp.restart_clock()
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException, DeadlinePassedError):
                self.smtp.close()


def _safe(exc: BaseException, settings: SmtpSettings) -> str:
    text = str(exc) or type(exc).__name__
    return text.replace(settings.password, "***") if settings.password else text
