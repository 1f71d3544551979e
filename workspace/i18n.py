"""Language choice and Swedish-style dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app, has_request_context, request, session
from flask_babel import (
    format_date,
    format_decimal,
    format_time,
    get_locale,
    get_timezone,
    ngettext,
)
from flask_babel import gettext as _
from flask_login import current_user

from .models.types import utcnow


def select_locale() -> str:
    """The user's own choice, then the browser's languages; Swedish when nothing matches."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # services called from the CLI or a test
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def when(moment: datetime | None, now: datetime | None = None) -> str:
    """A time as people say it: "i dag 14:32", "i går 09:05", "3 okt. 2026 14:32"."""
    if moment is None:
        return ""
    zone = get_timezone()
    local = moment.astimezone(zone)
    today = (now or utcnow()).astimezone(zone).date()
    clock = format_time(local, "HH:mm")
    if local.date() == today:
        return _("today %(time)s", time=clock)
    if local.date() == today - timedelta(days=1):
        return _("yesterday %(time)s", time=clock)
    return f"{format_date(local, 'medium')} {clock}"


def day(value: date | None) -> str:
    """A date as Swedes write it in prose: "11 oktober 2011"."""
    return format_date(value, "d MMMM y") if value else ""


def number(value: Decimal | float | int | None) -> str:
    """A number as the reader writes it: "2,5", "12", "1 200"."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        value = value.normalize()
    return format_decimal(value)


def file_size(size: int) -> str:
    """A file's size as the reader writes it: "512 byte", "14 kB", "1,5 MB"; never "0 kB"."""
    if size < 1024:
        return ngettext("%(count)s byte", "%(count)s bytes", size, count=format_decimal(size))
    if size < 1024 * 1024:
        return _("%(size)s kB", size=format_decimal(size / 1024, "#,##0.#"))
    return _("%(size)s MB", size=format_decimal(size / (1024 * 1024), "#,##0.#"))


def genitive(name: str) -> str:
    """A name as owner, in the reader's language: "Kramfors kommuns" in Swedish (no added s
    after s, x or z), "Kramfors kommun's" in English."""
    if str(get_locale()) == "sv":
        return name if name[-1:].lower() in ("s", "x", "z") else f"{name}s"
    return f"{name}'s"
