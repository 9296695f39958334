"""The Flask application: security headers, sign-in, CSRF, rate limits and error pages."""

from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, Response, abort, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, SecurityError

from leaflets.mail.smtp import is_loopback
from leaflets.web import auth, pages, ui_locale
from leaflets.web.audit import AuditLog
from leaflets.web.choices import Choices
from leaflets.web.context import Server
from leaflets.web.fonts import PageFonts
from leaflets.web.leaflet_files import LeafletFiles
from leaflets.web.renders import RenderPool
from leaflets.web.settings import ServeSettings, mail_problem
from leaflets.web.ui_locale import _

log = logging.getLogger("leaflets.web")

#: No inline script or style anywhere; everything comes from this server.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def refuse_cross_site_subrequests() -> None:
    """Another site's page may link here (a navigation), but not load a leaflet or send a form
    in the background (an <img>, a script's fetch): browsers say which it is."""
    fetch = request.headers
    if fetch.get("Sec-Fetch-Site") == "cross-site" and fetch.get("Sec-Fetch-Mode") != "navigate":
        abort(403)


def create_app(settings: ServeSettings, pool: RenderPool | None = None) -> Flask:
    """The app for ``settings``; ``pool`` renders leaflets (one is made if not given)."""
    app = Flask(__name__, static_url_path="/static")
    # Flask escapes only in templates named *.html; ours are *.html.j2, as in the rest of
    # leaflets: every value is escaped, everywhere.
    app.jinja_env.autoescape = True
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="leaflets_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.https,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=12),
        # A form stays valid for a whole shift, not Flask-WTF's default hour.
        WTF_CSRF_TIME_LIMIT=12 * 3600,
        MAX_CONTENT_LENGTH=64 * 1024,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_STRATEGY="moving-window",
        RATELIMIT_HEADERS_ENABLED=True,
    )
    if is_loopback(settings.host) and ":" not in settings.host:
        # DNS rebinding: a web page whose name points at 127.0.0.1 would otherwise reach this
        # server as its own origin, read a form's token, and post it.
        app.config["TRUSTED_HOSTS"] = sorted({"127.0.0.1", "localhost", settings.host})
    pool = pool or RenderPool(settings.workers)
    app.extensions["leaflets"] = Server(
        settings,
        pool,
        LeafletFiles(settings.out_dir, pool),
        Choices(),
        AuditLog(settings.audit_log),
        PageFonts(pool.font),
        mail_problem(settings.mail_env),
    )
    app.before_request(refuse_cross_site_subrequests)  # before CSRFProtect's own check
    CSRFProtect(app)
    # Flask-Limiter rather than a counter of our own: its moving window gives the lockout its
    # exact meaning (5 failures in any 15 minutes), it counts only failures (deduct_when), it
    # refuses before the view runs (so a locked-out address cannot test a password), and its
    # storage can move to Redis or memcached if a clinic ever runs several processes.
    limiter = Limiter(get_remote_address, app=app)
    ui_locale.install(app)
    auth.install(app, limiter)
    pages.install(app, limiter)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"  # forms may hold a patient's address
        return response

    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError) -> tuple[str, int]:
        log.warning("%s %s: refused: %s", request.method, request.path, error.description)
        text = _(
            "This form has expired or did not come from this page. "
            "Go back, reload the page and try again."
        )
        return render_template("error.html.j2", title=_("Form refused"), text=text), 400

    @app.context_processor
    def sign_out_shown() -> dict[str, bool]:
        return {"show_sign_out": settings.password is not None and auth.signed_in()}

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError) -> Response:
        # No page: without a trusted host name, no address on this server can be built.
        log.warning("%s %s: refused: untrusted Host header", request.method, request.path)
        return Response("Bad request: this server answers to 127.0.0.1 and localhost.\n", 400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        # Our own descriptions are written for staff; Werkzeug's defaults are replaced.
        own = error.description if error.description != type(error).description else None
        extra: dict[str, object] = {}
        if code == 429:
            title = _("Too many tries")
            text = _("Please wait before you try again.")
            if request.endpoint == "auth.sign_in":
                text = _(
                    "Too many wrong passwords from this computer. Wait 15 minutes, then try again."
                )
            elif request.endpoint == "pages.send_mail":
                text = _("Too many e-mails from this computer. Wait a minute, then try again.")
        elif code == 404:
            title = _("Not found")
            text = own or _("There is no such page. Start again from the list of leaflets.")
            choices = app.extensions["leaflets"].choices
            extra = {"topics": [t.name for t in choices.topics()], "languages": choices.languages()}
        elif code == 403:
            title, text = _("Refused"), _("This request came from another web site.")
        elif code == 405:
            title, text = _("Not allowed"), _("This address does not take that kind of request.")
        elif code >= 500:  # the cause is logged where it happened, once
            title = _("Server error")
            text = _("Something went wrong on the server. Try again; if it happens again, tell IT.")
            return render_template("error.html.j2", title=title, text=text), code
        elif code == 413:
            title, text = _("Too large"), _("What was sent is too large.")
        else:
            title, text = _("Bad request"), own or _("The request was not understood.")
        log.info("%s %s: %d", request.method, request.path, code)
        return render_template("error.html.j2", title=title, text=text, **extra), code

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        # One line, without the query string or form (they may hold a patient's address).
        log.error("%s %s: %s: %s", request.method, request.path, type(error).__name__, error)
        text = _("Something went wrong on the server. Try again; if it happens again, tell IT.")
        return render_template("error.html.j2", title=_("Server error"), text=text), 500

    return app
