"""The forms (Flask-WTF): every POST carries its CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField


class SignInForm(FlaskForm):  # type: ignore[misc]
    """Staff sign-in (only when LEAFLETS_WEB_PASSWORD is set)."""

    password = PasswordField()
    next = HiddenField()


class SignOutForm(FlaskForm):  # type: ignore[misc]
    """Sign out: a POST, so another site cannot sign staff out."""


class MailForm(FlaskForm):  # type: ignore[misc]
    """E-mail a leaflet to a patient: the leaflet chosen on the page, and the patient."""

    topic = HiddenField()
    lang = HiddenField()
    paper = HiddenField()
    size = HiddenField()
    brand = HiddenField()
    email = StringField()
    name = StringField()
    follow_up = StringField()
