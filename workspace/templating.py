"""What every template may use: the policy, labels, htmx source, date formatting and the
language of what users wrote."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask
from flask_babel import get_locale, get_timezone
from markupsafe import Markup, escape

from . import config, i18n, printing, rich_text, security
from .assets import static_url
from .htmx import is_fragment_request
from .models import NOTE_MAX_LENGTH, STATUS_LABELS, AssignmentStatus, Function
from .policy import Action, can
from .services import mentions


def htmx_script() -> dict[str, Any]:
    """Where the page loads htmx from: the pinned CDN file with its hash, or the local copy."""
    from flask import current_app

    if current_app.config["HTMX_SOURCE"] == "local":
        return {"src": static_url(config.HTMX_LOCAL_FILE), "integrity": None}
    return {"src": config.HTMX_CDN_URL, "integrity": config.HTMX_SRI}


def function_names(functions: Iterable[Function]) -> str:
    """Function codes for reading, each named with its organisation where two organisations
    have the same code: "ION (Kramfors kommun), ION (Sollefteå kommun), Polis"."""
    functions = list(functions)
    shared = {code for code, n in Counter(f.code for f in functions).items() if n > 1}
    return ", ".join(
        f"{f.code} ({f.organisation.name})" if f.code in shared else f.code for f in functions
    )


# Plans, comments and reports are written in Swedish, whatever language the UI is shown in.
CONTENT_LOCALE = "sv"


def in_content_language(text: Any, block: bool = False) -> Markup:
    """What users wrote, marked with its language when the UI speaks another (WCAG 3.1.2), so
    a screen reader reads a Swedish title in Swedish inside the English UI. `block` for
    content that holds paragraphs (a comment's HTML); otherwise an inline element."""
    if text is None or text == "":
        return Markup("")
    if str(get_locale()) == CONTENT_LOCALE:
        return escape(text)
    tag = "div" if block else "span"
    return Markup('<{0} lang="{1}">{2}</{0}>').format(tag, CONTENT_LOCALE, text)


def time_tag(moment: datetime | date | None) -> Markup:
    """A moment as a `<time>` element: the words people read ("i dag 14:32") and a machine-
    readable value in the reader's time zone to the second, with its offset (HTML allows at
    most three digits of a second; Python's microseconds are six). A calendar day, such as a
    meeting's, as the day ("20 maj 2026") and its ISO date."""
    if moment is None:
        return Markup("")
    if not isinstance(moment, datetime):
        return Markup('<time datetime="{}">{}</time>').format(moment.isoformat(), i18n.day(moment))
    if moment.tzinfo is None:  # stored as UTC
        moment = moment.replace(tzinfo=UTC)
    value = moment.astimezone(get_timezone()).isoformat(timespec="seconds")
    return Markup('<time datetime="{}">{}</time>').format(value, i18n.when(moment))


def configure(app: Flask) -> None:
    app.jinja_env.globals.update(
        can=can,
        Action=Action,
        AssignmentStatus=AssignmentStatus,
        STATUS_LABELS=STATUS_LABELS,
        htmx_script=htmx_script,
        static_url=static_url,
        is_fragment=is_fragment_request,
        NOTE_MAX_LENGTH=NOTE_MAX_LENGTH,
        role_label=lambda role: role.label,
        current_locale=lambda: str(get_locale()),
        style_nonce=security.style_nonce,
        page_numbers=printing.page_numbers,
    )
    app.jinja_env.filters["when"] = i18n.when
    app.jinja_env.filters["time_tag"] = time_tag
    app.jinja_env.filters["content"] = in_content_language
    app.jinja_env.filters["date"] = i18n.day
    app.jinja_env.filters["number"] = i18n.number
    app.jinja_env.filters["file_size"] = i18n.file_size
    app.jinja_env.filters["genitive"] = i18n.genitive
    app.jinja_env.filters["function_names"] = function_names
    app.jinja_env.filters["rich_text"] = rich_text.render
    app.jinja_env.filters["comment_html"] = mentions.comment_html
    app.jinja_env.filters["css_string"] = printing.css_string
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
