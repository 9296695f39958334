"""Staff sign-in when the server listens beyond loopback: one shared password, a lockout."""

from __future__ import annotations

import hashlib
import hmac

from flask import (
    Blueprint,
    Flask,
    Response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import Limiter
from werkzeug.wrappers import Response as BaseResponse

from leaflets.web.context import server
from leaflets.web.forms import SignInForm, SignOutForm
from leaflets.web.ui_locale import _

#: Failed sign-ins one address may make within the window before it is locked out.
MAX_FAILURES = 5
LOCKOUT = "5 per 15 minutes"
#: Reachable without signing in.
OPEN_ENDPOINTS = {"auth.sign_in", "pages.healthz", "static"}


def password_matches(given: str, expected: str) -> bool:
    """Compare in constant time (hashes first, so the length is not revealed either)."""
    return hmac.compare_digest(
        hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest()
    )


def signed_in() -> bool:
    """True when no password is set, or this session has signed in."""
    return server().settings.password is None or session.get("signed_in") is True


def _safe_next(target: str | None) -> str:
    """Only a path on this server (never //host or a scheme: no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("pages.index")


def sign_in() -> str | BaseResponse | tuple[str, int]:
    """The sign-in page; a wrong password counts towards the lockout."""
    settings = server().settings
    if settings.password is None:
        return redirect(url_for("pages.index"))
    form = SignInForm()
    if request.method == "GET":
        form.next.data = _safe_next(request.args.get("next"))
        return render_template("signin.html.j2", form=form, error=None)
    if form.validate_on_submit() and password_matches(form.password.data or "", settings.password):
        target = _safe_next(form.next.data)
        ui = session.get("ui")
        session.clear()  # a fresh session after signing in
        if ui:
            session["ui"] = ui
        session["signed_in"] = True
        session.permanent = True
        return redirect(target, code=303)
    error = _("That password is not right.")
    return render_template("signin.html.j2", form=form, error=error), 401


def sign_out() -> BaseResponse:
    """Forget this session's sign-in."""
    SignOutForm().validate_on_submit()  # CSRFProtect has already checked the token
    session.pop("signed_in", None)
    return redirect(url_for("auth.sign_in"), code=303)


def install(app: Flask, limiter: Limiter) -> None:
    """Register the routes; require sign-in for everything else when a password is set."""
    blueprint = Blueprint("auth", __name__)
    limited = limiter.limit(
        LOCKOUT,
        methods=["POST"],
        # Only failures count; a locked-out address is refused even with the right password.
        deduct_when=lambda response: response.status_code == 401,
    )(sign_in)
    blueprint.add_url_rule("/signin", "sign_in", limited, methods=["GET", "POST"])
    blueprint.add_url_rule("/signout", "sign_out", sign_out, methods=["POST"])
    app.register_blueprint(blueprint)

    @app.before_request
    def require_sign_in() -> Response | BaseResponse | None:
        if request.endpoint in OPEN_ENDPOINTS or signed_in():
            return None
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
