"""The e-mail policy: Python's default (lines of at most 78 characters), with sound folding."""

from __future__ import annotations

from email.header import Header
from email.headerregistry import AddressHeader, UnstructuredHeader
from email.policy import EmailPolicy
from typing import Any


class MailPolicy(EmailPolicy):
    """``policy.default``, except how non-ASCII text and long addresses are folded.

    Python 3.11 loses a space where it splits non-ASCII words across lines (an Arabic subject;
    CPython issue 144156), and splits a long quoted clinic name into two names. ``email.header``
    splits non-ASCII text into encoded words by characters, each within RFC 2047's 75
    characters, with every space inside them; ASCII it folds only at spaces. Base64 and
    quoted-printable bodies keep the default 76-character lines. Headers given as raw text
    (``set_raw``) are written as they are (``refold_source``).
    """

    def fold(self, name: str, value: Any) -> str:
        folded = self._fold_non_ascii(name, value)
        return super().fold(name, value) if folded is None else folded

    def fold_binary(self, name: str, value: Any) -> bytes:
        folded = self._fold_non_ascii(name, value)
        return super().fold_binary(name, value) if folded is None else folded.encode("ascii")

    def _fold_non_ascii(self, name: str, value: Any) -> str | None:
        text, addresses = str(value), getattr(value, "addresses", ())
        fits = len(name) + 2 + len(text) <= (self.max_line_length or 998)
        header = Header(header_name=name, continuation_ws=" ")
        if self.utf8 or (text.isascii() and (fits or not isinstance(value, AddressHeader))):
            return None
        if isinstance(value, UnstructuredHeader):
            header.append(text, "utf-8")
        elif isinstance(value, AddressHeader) and all(
            a.addr_spec.isascii() for a in value.addresses
        ):
            for number, address in enumerate(addresses):
                if number:
                    header.append(",", "us-ascii")
                if address.display_name.isascii():
                    header.append(str(address), "us-ascii")
                else:
                    header.append(address.display_name, "utf-8")
                    header.append(f"<{address.addr_spec}>", "us-ascii")
        else:
            return None
        encoded = header.encode(linesep=self.linesep, maxlinelen=self.max_line_length)
        return f"{name}: {encoded}{self.linesep}"


MAIL_POLICY = MailPolicy(refold_source="none")
