"""What `leaflets serve` runs with: address, brands, output folder, and the security settings."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from leaflets.content.models import DEFAULT_BRAND, Brand
from leaflets.errors import LeafletsError
from leaflets.mail.smtp import SmtpSettings, is_loopback

#: Environment variables (documented in README, "Front desk in a browser").
PASSWORD_VARIABLE = "LEAFLETS_WEB_PASSWORD"
SECRET_KEY_VARIABLE = "LEAFLETS_WEB_SECRET_KEY"
HTTPS_VARIABLE = "LEAFLETS_WEB_HTTPS"
PROXY_VARIABLE = "LEAFLETS_WEB_TRUSTED_PROXY"
#: A shorter key could be guessed; 32 characters of a random generator are plenty.
MIN_SECRET_KEY_LENGTH = 32
MIN_PASSWORD_LENGTH = 8


class ServeRefused(LeafletsError):
    """The server must not start as asked (exit status 2, one line)."""

    exit_code = 2


@dataclass(frozen=True)
class ServeSettings:
    """One server's settings; ``brands`` in the order given (the first is the default)."""

    out_dir: Path = Path("output")
    brands: tuple[Brand, ...] = (DEFAULT_BRAND,)
    host: str = "127.0.0.1"
    port: int = 8000
    #: Staff sign in with this password; None: no sign-in (loopback only).
    password: str | None = None
    secret_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    #: Behind an https proxy: cookies are marked Secure.
    https: bool = False
    #: The reverse proxy's address, whose X-Forwarded-For names the client; None: no proxy.
    trusted_proxy: str | None = None
    workers: int = 2
    #: Mail leaflets that are not approved (they carry the band), like `mail --allow-unapproved`.
    allow_unapproved: bool = False
    #: LEAFLETS_SMTP_* and LEAFLETS_MAIL_FROM as they were when the server started.
    mail_env: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.brands:
            object.__setattr__(self, "brands", (DEFAULT_BRAND,))

    @property
    def audit_log(self) -> Path:
        """The audit log, beside the output folder: ``output`` -> ``output.audit.jsonl``."""
        folder = self.out_dir.absolute()
        return folder.with_name(f"{folder.name}.audit.jsonl")

    def brand(self, name: str | None) -> Brand | None:
        """The brand called ``name`` (a brand file's stem, or ``example``); None if unknown."""
        if not name:
            return self.brands[0]
        return next((b for b in self.brands if brand_name(b) == name), None)


def brand_name(brand: Brand) -> str:
    """How URLs name a brand: its file name without .toml, or ``example`` for the built-in one."""
    return brand.key or "example"


def security_from_env(
    host: str, env: Mapping[str, str] = os.environ
) -> tuple[str | None, bytes | None, bool]:
    """The password, secret key and https flag; ServeRefused when they cannot be used.

    Any address other than loopback needs a password: otherwise anyone on the network could
    print and e-mail as the clinic.
    """
    password = env.get(PASSWORD_VARIABLE) or None
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise ServeRefused(
            f"{PASSWORD_VARIABLE} must be at least {MIN_PASSWORD_LENGTH} characters long"
        )
    if not is_loopback(host) and password is None:
        raise ServeRefused(
            f"refusing to listen on {host}: set {PASSWORD_VARIABLE} first (staff then sign in), "
            "or listen on 127.0.0.1"
        )
    key_text = env.get(SECRET_KEY_VARIABLE) or None
    if key_text is not None and len(key_text) < MIN_SECRET_KEY_LENGTH:
        raise ServeRefused(
            f"{SECRET_KEY_VARIABLE} must be at least {MIN_SECRET_KEY_LENGTH} characters long; "
            "or leave it unset for a random key per start"
        )
    https = env.get(HTTPS_VARIABLE, "").lower() in ("1", "true", "yes")
    return password, key_text.encode() if key_text else None, https


def mail_environment(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The mail settings of the environment (the SMTP password among them: never printed)."""
    return {
        name: value
        for name, value in env.items()
        if name.startswith("LEAFLETS_SMTP_") or name == "LEAFLETS_MAIL_FROM"
    }


def mail_problem(mail_env: Mapping[str, str]) -> str | None:
    """Why e-mail cannot work with these settings (one line), or None when it can."""
    try:
        SmtpSettings.from_env(mail_env)
    except LeafletsError as exc:
        return exc.message
    return None
