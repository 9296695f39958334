"""The staff interface's language for each request, and gettext for templates and code."""

# Flask-Babel would add a dependency for what these few lines do with Babel and Jinja2's own
# i18n extension; the catalogs are read and compiled by the project's strict PO reader.

from __future__ import annotations

import gettext as gettext_module
from typing import Any

from flask import Flask, g, has_request_context, request, session, url_for
from markupsafe import Markup

from leaflets.i18n.languages import SOURCE_LANGUAGE, bcp47, native_name
from leaflets.web.ui_text import ui_languages, ui_translations


def _translations() -> gettext_module.NullTranslations:
    if has_request_context() and "ui_translations" in g:
        found: gettext_module.NullTranslations = g.ui_translations
        return found
    return gettext_module.NullTranslations()


def _(message: str) -> str:
    """The message in the staff interface's language of this request."""
    return _translations().gettext(message)


def N_(message: str) -> str:  # gettext's usual name for "mark only"
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def ngettext(singular: str, plural: str, number: int) -> str:
    """A message with a count, in the staff interface's language."""
    return _translations().ngettext(singular, plural, number)


def _escaped(message: str) -> Markup:
    # Jinja2 takes what gettext returns as markup: a translation is text, never markup (a
    # translator's catalog cannot put a form or a link on the staff page).
    return Markup.escape(_(message))


def _escaped_plural(singular: str, plural: str, number: int) -> Markup:
    return Markup.escape(ngettext(singular, plural, number))


def ui_language() -> str:
    """This request's staff language (a catalog name): ?ui=, then the session, then the
    browser's Accept-Language, then English."""
    offered = {bcp47(lang).lower(): lang for lang in ui_languages()}
    asked = request.args.get("ui", "").replace("_", "-").lower()
    if asked in offered:
        session["ui"] = offered[asked]
        return offered[asked]
    chosen = session.get("ui")
    if isinstance(chosen, str) and chosen in offered.values():
        return chosen
    best = request.accept_languages.best_match([bcp47(lang) for lang in offered.values()])
    return offered.get((best or "").lower(), SOURCE_LANGUAGE)


def install(app: Flask) -> None:
    """Pick the language before each request; give templates gettext for it (thread-safe:
    the translations live on ``g``, never in the shared Jinja2 environment)."""
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_escaped, ngettext=_escaped_plural, newstyle=True
    )

    @app.before_request
    def choose_language() -> None:
        g.ui_lang = ui_language()
        g.ui_translations = ui_translations(g.ui_lang)

    @app.context_processor
    def language_links() -> dict[str, Any]:
        return {"ui_tag": bcp47(g.get("ui_lang", SOURCE_LANGUAGE)), "ui_links": _links()}


def _links() -> list[dict[str, object]]:
    """A link per staff language to this same page in that language."""
    links = []
    current = g.get("ui_lang", SOURCE_LANGUAGE)
    for lang in ui_languages():
        if request.method == "GET" and request.endpoint and request.view_args is not None:
            args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "ui"}
            args |= request.view_args
            href = url_for(request.endpoint, **args, ui=bcp47(lang))
        else:
            href = url_for("pages.index", ui=bcp47(lang))
        links.append(
            {
                "tag": bcp47(lang),
                "name": native_name(lang),
                "href": href,
                "current": lang == current,
            }
        )
    return links
