"""Compose a patient's e-mail in their language from the mail templates and catalogs."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import encode_rfc2231, make_msgid, quote

from babel import Locale
from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from leaflets.content.models import Brand
from leaflets.content.topics import load_topic
from leaflets.errors import LeafletsError, MailError
from leaflets.i18n.languages import (
    SOURCE_LANGUAGE,
    bcp47,
    find_gaps,
    interface_messages,
    load_po,
    po_path,
    translations_for,
)
from leaflets.mail.addresses import LINE_BREAK, Recipient
from leaflets.mail.policy import MAIL_POLICY
from leaflets.paths import TEMPLATES_DIR

#: Characters that some systems refuse in an attachment's file name.
_UNSAFE_IN_FILE_NAMES = re.compile('[\\\\/:*?"<>|\\x00-\\x1f]')
#: What an ASCII fallback file name may keep of a title.
_PLAIN_FILE_NAME = re.compile(r"[A-Za-z0-9 ._()-]+")
#: A percent-encoded byte or one plain character: where an RFC 2231 value may be split.
_RFC2231_UNIT = re.compile(r"%[0-9A-F]{2}|.")
#: Characters of an RFC 2231 value per line, so that no line passes 78.
_SECTION_LENGTH = 60


@functools.cache
def _mail_environment() -> Environment:
    # Plain-text mail: no HTML escaping; the same trimmed i18n policy as the leaflets.
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR / "mail"),
        autoescape=False,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    return env


def mail_problems(lang: str) -> list[str]:
    """What stops mail in ``lang``: untranslated, fuzzy or failing mail strings, one per line.

    The checkers include the one-line rule for the subject, so a line break there is caught
    here (and by ``leaflets check``) rather than when the message is built.
    """
    if lang == SOURCE_LANGUAGE:
        return []
    try:
        catalog = load_po(lang)
    except LeafletsError as exc:
        return [exc.message]
    po = po_path(lang)
    return [
        f"{po}:{gap.po_line or 0}: {bcp47(lang)}: not ready for mail: {gap.status}: "
        f"{gap.message.msgid[:50]!r}; fix the translation"
        for gap in find_gaps(catalog, interface_messages("mail"))
    ]


@dataclass(frozen=True)
class Attachment:
    """A leaflet to attach: its file name in the patient's language, an ASCII one, the PDF."""

    name: str
    ascii_name: str
    data: bytes


def attachment(lang: str, topic: str, data: bytes) -> Attachment:
    """The leaflet named by its translated title, which every mail program accepts.

    The ASCII name, for programs that do not read RFC 2231, is the title without accents
    (``Calcificaciones prostaticas.pdf``) where that leaves the whole title, else the topic
    and language (``breast-ar.pdf``).
    """
    title = _UNSAFE_IN_FILE_NAMES.sub("-", translations_for(lang).gettext(load_topic(topic).title))
    decomposed = unicodedata.normalize("NFKD", title)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    if not _PLAIN_FILE_NAME.fullmatch(plain):
        plain = f"{topic}-{bcp47(lang)}"
    return Attachment(f"{title}.pdf", f"{plain}.pdf", data)


def _disposition(file: Attachment) -> str:
    """``attachment``, the ASCII file name, and the real one in RFC 2231 form (sections)."""
    params = [f'filename="{quote(file.ascii_name)}"']
    if file.name != file.ascii_name:
        sections = [""]
        for unit in _RFC2231_UNIT.findall(encode_rfc2231(file.name, "utf-8")):
            if len(sections[-1]) + len(unit) > _SECTION_LENGTH:
                sections.append("")
            sections[-1] += unit
        if len(sections) == 1:
            params.append(f"filename*={sections[0]}")
        else:
            params += [f"filename*{number}*={text}" for number, text in enumerate(sections)]
    return ";\n ".join(["attachment", *params])


def _attachment_part(file: Attachment) -> MIMEPart:
    part = MIMEPart(policy=MAIL_POLICY)
    part.set_content(file.data, maintype="application", subtype="pdf")
    # The email package keeps one form of a parameter, so the header is written as text. The
    # plain filename comes first, as RFC 6266 (appendix D) advises; RFC 2231 readers take
    # filename*, others the plain one.
    part.set_raw("Content-Disposition", _disposition(file))
    return part


def compose(
    recipient: Recipient, brand: Brand, sender: str, files: list[Attachment]
) -> EmailMessage:
    """The e-mail in the patient's language, with the leaflets attached.

    Callers check the language with ``mail_problems`` first (once per batch, not per row).
    """
    env = _mail_environment()
    translations = translations_for(recipient.lang)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    locale = Locale.parse(recipient.lang)
    context = {
        "brand": brand,
        "name": recipient.name,
        "titles": [translations.gettext(load_topic(t).title) for t in recipient.topics],
        "follow_up": format_date(recipient.follow_up, "long", locale=locale)
        if recipient.follow_up
        else None,
        "contact": [v for v in (brand.phone, brand.email, brand.website, brand.address) if v],
    }
    subject = env.get_template("subject.txt.j2").render(context).strip()
    if LINE_BREAK.search(subject):
        raise MailError(
            f"{po_path(recipient.lang)}: the mail subject has a line break; "
            "make its translation one line"
        )
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = subject
    message["From"] = Address(display_name=brand.name, addr_spec=sender)
    message["To"] = recipient.email
    message["Date"] = dt.datetime.now().astimezone()  # local time with its UTC offset
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message["MIME-Version"] = "1.0"
    message.make_mixed()
    text = MIMEPart(policy=MAIL_POLICY)
    text.set_content(env.get_template("body.txt.j2").render(context))
    # Typeshed wants parts of the message's own class; a part needs no MIME-Version of its own.
    message.attach(text)  # type: ignore[arg-type]
    for file in files:
        message.attach(_attachment_part(file))  # type: ignore[arg-type]
    message["Content-Language"] = bcp47(recipient.lang)
    return message
