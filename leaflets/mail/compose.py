"""Compose a patient's e-mail in their language from the mail templates and catalogs."""

from __future__ import annotations

import functools
import re
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid

from babel import Locale
from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from leaflets.content import load_topic
from leaflets.errors import LeafletsError, MailError
from leaflets.i18n import (
    SOURCE_LANGUAGE,
    find_gaps,
    interface_messages,
    load_po,
    po_path,
    translations_for,
)
from leaflets.mail.addresses import LINE_BREAK, Recipient
from leaflets.models import Brand
from leaflets.paths import TEMPLATES_DIR

#: The default policy, but folding headers only past RFC 5322's 998 characters: Python 3.11
#: drops the space between two encoded words when it folds a non-ASCII subject (seen with
#: Arabic), so a translated subject stays on one line.
MAIL_POLICY = policy.default.clone(max_line_length=998)
#: Characters that some systems refuse in an attachment's file name.
_UNSAFE_IN_FILE_NAMES = re.compile('[\\\\/:*?"<>|\\x00-\\x1f]')


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
        f"{po}:{gap.po_line or 0}: {lang}: not ready for mail: {gap.status}: "
        f"{gap.message.msgid[:50]!r}; fix the translation"
        for gap in find_gaps(catalog, interface_messages("mail"))
    ]


def attachment_name(lang: str, topic: str) -> str:
    """The leaflet's translated title as a file name that every mail program accepts."""
    title = translations_for(lang).gettext(load_topic(topic).title)
    return f"{_UNSAFE_IN_FILE_NAMES.sub('-', title)}.pdf"


def compose(
    recipient: Recipient, brand: Brand, sender: str, files: list[tuple[str, bytes]]
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
    message["Message-ID"] = make_msgid(domain=sender.partition("@")[2])
    message.set_content(env.get_template("body.txt.j2").render(context))
    for filename, data in files:
        message.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    message["Content-Language"] = recipient.lang.replace("_", "-")  # after set_content clears it
    return message
