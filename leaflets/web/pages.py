"""The routes: the page, leaflet PDFs and previews, print/download buttons, mail, health."""

from __future__ import annotations

import hashlib
import logging

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
)
from flask_limiter import Limiter
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as BaseResponse

from leaflets.errors import LeafletsError
from leaflets.web import mail_form
from leaflets.web.context import link, server
from leaflets.web.fonts import FAMILIES
from leaflets.web.forms import MailForm, SignOutForm
from leaflets.web.leaflet_files import NotAvailable, content_disposition
from leaflets.web.page_state import page_context
from leaflets.web.selection import leaflet
from leaflets.web.ui_locale import _

log = logging.getLogger("leaflets.web")
#: E-mails one address may send: a front desk's pace, not a spammer's.
MAIL_LIMIT = "10 per minute;100 per hour"


def index() -> str | tuple[str, int]:
    """The page: search, topic, language, options; the chosen leaflet with its status."""
    return render_template("index.html.j2", **page_context(request.args, MailForm()))


def healthz() -> Response:
    """``ok`` while the server runs (no sign-in needed)."""
    return Response("ok\n", mimetype="text/plain")


def pdf(lang: str, topic: str) -> Response:
    """The leaflet's PDF, built on demand; ``download=1`` makes it an attachment."""
    chosen = leaflet(lang, topic, request.args)
    download = request.args.get("download", "") in ("1", "true", "yes")
    job = chosen.job
    try:
        path = server().files.pdf(job)
    except NotAvailable as exc:
        log.info("GET %s: not available: %s", request.path, exc.message.splitlines()[0])
        raise NotFound(_("This leaflet is not fully translated into that language yet.")) from None
    except LeafletsError as exc:
        log.error("GET %s: %s", request.path, exc.message.splitlines()[0])
        abort(500)
    # One line per handout: a PDF viewer's further range requests for the same file are not.
    first_part = request.headers.get("Range", "bytes=0-").replace(" ", "").startswith("bytes=0-")
    if request.method == "GET" and first_part:
        server().audit.record("download" if download else "print", job)
    response = send_file(path, mimetype="application/pdf", conditional=True, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(
        chosen.language.code, chosen.topic.name, download
    )
    response.headers["Content-Language"] = chosen.language.tag
    return response


def preview(lang: str, topic: str) -> Response:
    """Page 1 of the leaflet as a PNG."""
    chosen = leaflet(lang, topic, request.args)
    try:
        path = server().files.pdf(chosen.job)
        image = server().files.preview(path)
    except NotAvailable:
        raise NotFound(_("This leaflet is not fully translated into that language yet.")) from None
    except LeafletsError as exc:
        log.error("GET %s: %s", request.path, exc.message.splitlines()[0])
        abort(500)
    response = Response(image, mimetype="image/png")
    response.headers["Cache-Control"] = "no-cache"
    return response


def font(family: str) -> Response:
    """A font of the page, cut down to the names and titles it shows (see fonts.py)."""
    if family not in FAMILIES:
        raise NotFound()
    srv = server()
    data = srv.fonts.font(family, srv.choices.page_text())
    response = Response(data, mimetype="font/ttf")
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    response.headers["Cache-Control"] = "no-cache"
    response.make_conditional(request)
    return response


def open_leaflet() -> BaseResponse:
    """The page's Print and Download buttons: on to the PDF, or back to choose a language."""
    args = request.args
    topic, lang = args.get("topic", ""), args.get("lang", "")
    if not topic or not lang:
        back = {
            k: v for k, v in args.items() if k in ("q", "topic", "lang", "paper", "size", "brand")
        }
        flash(_("Choose a topic and the patient's language first."), "error")
        return redirect(link("pages.index", back), code=303)
    target = leaflet(lang, topic, args).args
    if args.get("download"):
        target["download"] = "1"
    return redirect(link("pages.pdf", target), code=303)


def send_mail() -> str | tuple[str, int] | BaseResponse:
    """The mail form: check, send in a worker, log the masked address; PRG on success."""
    return mail_form.handle(MailForm())


def sign_out_form() -> SignOutForm:
    """The sign-out button's form (for the page header)."""
    return SignOutForm()


def install(app: Flask, limiter: Limiter) -> None:
    """Register the routes."""
    pages = Blueprint("pages", __name__)
    pages.add_url_rule("/", "index", index)
    pages.add_url_rule("/healthz", "healthz", healthz)
    pages.add_url_rule("/leaflets/<lang>/<topic>.pdf", "pdf", pdf)
    pages.add_url_rule("/preview/<lang>/<topic>.png", "preview", preview)
    pages.add_url_rule("/open", "open", open_leaflet)
    pages.add_url_rule("/fonts/<family>.ttf", "font", font)
    pages.add_url_rule("/mail", "send_mail", limiter.limit(MAIL_LIMIT)(send_mail), methods=["POST"])
    app.register_blueprint(pages)
    app.jinja_env.globals["sign_out_form"] = sign_out_form
