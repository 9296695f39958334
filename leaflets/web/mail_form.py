"""The mail form: check what staff typed, send through `leaflets mail`'s code, log it masked."""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata

from flask import flash, redirect, render_template, request
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response as BaseResponse

from leaflets.errors import MailError
from leaflets.mail.addresses import LINE_BREAK, make_recipient, mask, normalise_address
from leaflets.web.context import link, server
from leaflets.web.forms import MailForm
from leaflets.web.page_state import page_context
from leaflets.web.renders import MailRequest
from leaflets.web.selection import leaflet
from leaflets.web.ui_locale import _

log = logging.getLogger("leaflets.web")
MAX_NAME = 100


def _check(form: MailForm) -> dict[str, str]:
    """What is wrong with the patient's details, by field, in the staff's language."""
    errors = {}
    email = (form.email.data or "").strip()
    if not email:
        errors["email"] = _("Enter the patient's e-mail address.")
    else:
        try:
            normalise_address(email, "address")
        except MailError:
            errors["email"] = _(
                "That is not an e-mail address that can be used, e.g. jane@example.org."
            )
    name = form.name.data or ""
    if LINE_BREAK.search(name) or any(unicodedata.category(c) == "Cc" for c in name):
        errors["name"] = _("Write the name on one line.")
    elif len(name) > MAX_NAME:
        errors["name"] = _("The name is too long.")
    follow_up = (form.follow_up.data or "").strip()
    if follow_up:
        try:
            date = dt.date.fromisoformat(follow_up)
        except ValueError:
            errors["follow_up"] = _("Give the date like 2027-05-21.")
        else:
            if date < dt.date.today():
                errors["follow_up"] = _("That date is in the past.")
    return errors


def handle(form: MailForm) -> str | tuple[str, int] | BaseResponse:
    """Send one leaflet to one patient, or show the page again with what to correct."""
    srv = server()
    fields = {key: getattr(form, key).data or "" for key in ("paper", "size", "brand")}
    if not form.topic.data or not form.lang.data:
        raise BadRequest(_("Choose a topic and the patient's language first."))
    chosen = leaflet(form.lang.data, form.topic.data, fields)
    args = chosen.args
    errors = _check(form)
    approval = srv.choices.approval(chosen.options.brand, chosen.topic.name, chosen.language.code)
    if not srv.choices.complete(chosen.topic.name, chosen.language.code):
        errors["form"] = _("This leaflet is not fully translated into that language yet.")
    elif srv.mail_problem is not None:
        errors["form"] = _("E-mail is not set up on this server.")
    elif not (approval.valid or srv.settings.allow_unapproved):
        errors["form"] = _(
            "This leaflet is not approved for patient use here, so it cannot be e-mailed."
        )
    status = 400
    if not errors:
        email = (form.email.data or "").strip()
        recipient = make_recipient(
            email,
            chosen.language.code,
            [chosen.topic.name],
            (form.follow_up.data or "").strip() or None,
            (form.name.data or "").strip() or None,
        )
        settings = srv.settings
        reason = srv.pool.mail(
            MailRequest(
                recipient,
                chosen.job.variant,
                settings.out_dir,
                settings.allow_unapproved,
                settings.mail_env,
            )
        )
        masked = mask(recipient.email)
        if not reason:
            srv.audit.record("mail", chosen.job, masked)
            flash(_("E-mailed to %(address)s.") % {"address": masked}, "ok")
            return redirect(link("pages.index", args), code=303)
        # A server's refusal can quote the address: never log or show it in clear.
        reason = reason.replace(recipient.email, masked).replace(email, masked)
        log.warning(
            "POST %s: %s: not sent: %s", request.path, chosen.job.label, reason.splitlines()[0]
        )
        errors["form"] = _("The e-mail was not sent: %(reason)s") % {
            "reason": reason.splitlines()[0]
        }
        status = 502
    return render_template("index.html.j2", **page_context(args, form, errors)), status
