"""What the page shows for the current choice: matching topics, languages, notices, links."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from leaflets.approvals.state import LeafletApproval, State
from leaflets.i18n.languages import SOURCE_LANGUAGE
from leaflets.web.choices import Language, TopicChoice
from leaflets.web.context import link, server
from leaflets.web.forms import MailForm
from leaflets.web.selection import Leaflet, Options, language_or_404, options, topic_or_404
from leaflets.web.settings import brand_name
from leaflets.web.ui_locale import N_, _

#: The reasons State gives for a lapsed approval, as the staff interface says them.
_LAPSED = {
    "the English text changed": N_("the English text changed since it was approved"),
    "the translation changed": N_("the translation changed since it was reviewed"),
}


@dataclass(frozen=True)
class Notice:
    """One line about a leaflet's approval: ``warning`` or ``ok``."""

    level: str
    text: str


def _lapsed(state: State) -> str:
    reason = _LAPSED.get(state.reason)
    return _(reason) if reason else state.reason


def content_notice(state: State, clinic: str, example: bool) -> Notice:
    """What the page says about the clinical approval (the PDF's band says the same)."""
    record = state.record
    if state.kind == "approved" and record is not None:
        text = _(
            "Approved for patient use by %(by)s, %(role)s, on %(date)s (valid until %(expires)s)."
        )
        return Notice(
            "ok",
            text
            % {"by": record.by, "role": record.role, "date": record.date, "expires": state.expires},
        )
    if example:
        return Notice(
            "warning",
            _(
                "Not approved for patient use: the built-in example clinic cannot hold "
                "approvals. Every page of the leaflet says so."
            ),
        )
    if state.kind == "expired":
        return Notice(
            "warning",
            _(
                "Not approved for patient use at %(clinic)s: the approval expired on "
                "%(date)s. Every page says so."
            )
            % {"clinic": clinic, "date": state.expires},
        )
    if state.kind == "lapsed":
        return Notice(
            "warning",
            _("Not approved for patient use at %(clinic)s: %(reason)s. Every page says so.")
            % {"clinic": clinic, "reason": _lapsed(state)},
        )
    return Notice(
        "warning",
        _("Not approved for patient use at %(clinic)s. Every page of the leaflet says so.")
        % {"clinic": clinic},
    )


def translation_notice(state: State) -> Notice | None:
    """What the page says about the review of the translation (None for English)."""
    record = state.record
    if state.kind == "source":
        return None
    if state.kind == "approved" and record is not None:
        text = _("Translation reviewed by %(by)s, %(role)s, on %(date)s.")
        return Notice("ok", text % {"by": record.by, "role": record.role, "date": record.date})
    if state.kind == "expired":
        return Notice(
            "warning",
            _("Translation review expired on %(date)s: treat it as unreviewed.")
            % {"date": state.expires},
        )
    if state.kind == "lapsed":
        return Notice(
            "warning",
            _("Translation review no longer holds: %(reason)s.") % {"reason": _lapsed(state)},
        )
    return Notice(
        "warning",
        _("Translation not reviewed by a qualified medical translator. The leaflet says so."),
    )


def notices(approval: LeafletApproval, chosen: Leaflet) -> list[Notice]:
    """Every notice for a chosen leaflet, the clinical approval first."""
    brand = chosen.options.brand
    found = [content_notice(approval.content, brand.name, brand.source_file is None)]
    review = translation_notice(approval.translation)
    return found + ([review] if review else [])


@dataclass(frozen=True)
class TopicRow:
    """A topic in the list, with the title in another language that the search found."""

    topic: TopicChoice
    found_title: str | None
    found_lang: str | None


def _topic_rows(topics: list[TopicChoice], query: str) -> list[TopicRow]:
    rows = []
    for topic in topics:
        matches = topic.matches(query) if query else {SOURCE_LANGUAGE: topic.title}
        if not matches:
            continue
        other = next(
            ((tag, title) for tag, title in matches.items() if tag != SOURCE_LANGUAGE), None
        )
        shown = None if SOURCE_LANGUAGE in matches or other is None else other
        rows.append(TopicRow(topic, shown[1] if shown else None, shown[0] if shown else None))
    return rows


def page_context(
    args: Mapping[str, str], form: MailForm, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    """Everything index.html.j2 needs for the choice in ``args``."""
    srv = server()
    query = (args.get("q") or "").strip()[:100]
    chosen_options: Options = options(args)
    topic = topic_or_404(args["topic"]) if args.get("topic") else None
    language: Language | None = language_or_404(args["lang"]) if args.get("lang") else None
    languages = srv.choices.languages()
    reviewed: dict[str, bool] = {}
    complete: dict[str, bool] = {}  # marked in the list, which keeps its order and size
    if topic is not None:
        for lang in languages:
            state = srv.choices.approval(chosen_options.brand, topic.name, lang.code)
            reviewed[lang.tag] = state.translation.valid
            complete[lang.tag] = srv.choices.complete(topic.name, lang.code)
    chosen = Leaflet(topic, language, chosen_options) if topic and language else None
    context: dict[str, Any] = {
        "query": query,
        "rows": _topic_rows(srv.choices.topics(), query),
        "topic": topic,
        "language": language,
        "languages": languages,
        "reviewed": reviewed,
        "complete": complete,
        "options": chosen_options,
        "brands": [(brand_name(b), b.name) for b in srv.settings.brands],
        "brand_choice": brand_name(chosen_options.brand),
        "chosen": chosen,
        "form": form,
        "errors": errors or {},
    }
    if chosen is not None and not srv.choices.complete(chosen.topic.name, chosen.language.code):
        text = _(
            "Not available in this language yet: its translation is not complete. "
            "Choose another language."
        )
        context |= {"notices": [Notice("warning", text)], "unavailable": True}
    elif chosen is not None:
        approval = srv.choices.approval(
            chosen_options.brand, chosen.topic.name, chosen.language.code
        )
        where = chosen.args
        context |= {
            "notices": notices(approval, chosen),
            "mail_allowed": approval.valid or srv.settings.allow_unapproved,
            "mail_set_up": srv.mail_problem is None,
            "print_url": link("pages.pdf", where),
            "download_url": link("pages.pdf", where | {"download": "1"}),
            "preview_url": link("pages.preview", where),
            "hidden": where,
        }
    return context
