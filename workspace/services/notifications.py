"""Notifications addressed to functions: who is told, in the same transaction as the change.

A trigger (a round opened, a mention, a vacancy…) calls `notify` once per recipient inside the
service's `transaction.write()`, so the notification commits or rolls back with the change
that caused it. `notify_holders` addresses a function: whoever holds it today. The texts are
rendered when shown or mailed, in the reader's language (`describe`), from a renderer each
kind registers with `renders`.

A secret a notification must carry only by mail (a one-time password link) goes in
`params["secret_link"]`, a path on this site like `link`: renderers never put it in their
text, so the in-app list never shows it; the mail adds it (`secret_link`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import (
    DEFAULT_DELIVERY,
    MANDATORY_KINDS,
    Delivery,
    Function,
    MailState,
    Notification,
    NotificationKind,
    NotificationSetting,
    User,
)
from ..models.types import utcnow
from ..policy import may_report


@dataclass(frozen=True)
class NotificationText:
    """What a notification says, in the current language: a subject line, a few plain
    paragraphs, and why the reader got it ("you hold ION in Kramfors kommun")."""

    subject: str
    paragraphs: list[str] = field(default_factory=list)
    reason: str = ""


# The params key of a link that is mailed but never shown in the app (see the module doc).
SECRET_LINK = "secret_link"


def mail_enabled() -> bool:
    """Whether mails leave at all: a `MAIL_SERVER` is configured. Without one the UI says so
    where it matters (a password link is then shown to the admin)."""
    return bool(current_app.config.get("MAIL_SERVER"))


def path_for(endpoint: str, *, anchor: str | None = None, **values: Any) -> str:
    """A path on this site for a notification's `link`, built without a request (a trigger
    may run from the command line): `url_for` without `_external`."""
    adapter = current_app.url_map.bind(
        "localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/"
    )
    path = adapter.build(endpoint, values)
    return f"{path}#{anchor}" if anchor else path


def secret_link(notification: Notification) -> str | None:
    """The path a mail of this notification must carry and the app must not show."""
    value = notification.params.get(SECRET_LINK)
    return str(value) if value else None


Renderer = Callable[[Notification], NotificationText]
_RENDERERS: dict[NotificationKind, Renderer] = {}


def renders(kind: NotificationKind) -> Callable[[Renderer], Renderer]:
    """Register the function that words one kind of notification."""

    def register(renderer: Renderer) -> Renderer:
        _RENDERERS[kind] = renderer
        return renderer

    return register


def describe(notification: Notification) -> NotificationText:
    """The notification's texts in the current language (use `force_locale` for a mail)."""
    text = _RENDERERS[notification.kind](notification)
    if text.reason:
        return text
    return NotificationText(text.subject, text.paragraphs, reason_text(notification.reason))


def reason_text(reason: dict[str, Any]) -> str:
    """Why the reader got it, from the `reason` a trigger stored."""
    if function_id := reason.get("function_id"):
        function = db.session.get(Function, function_id)
        if function is not None:
            return _(
                "You get this because you hold the function %(code)s in %(organisation)s.",
                code=function.code,
                organisation=function.organisation.name,
            )
    if reason.get("role"):
        return _("You get this because of your role in your organisation.")
    if reason.get("mentioned"):
        return _("You get this because you were mentioned.")
    if reason.get("watching"):
        return _("You get this because you follow this activity.")
    return ""


def delivery_for(user: User, kind: NotificationKind) -> Delivery:
    """How the user wants this kind: their setting, or the kind's default. Mandatory kinds
    are always mailed at once."""
    if kind in MANDATORY_KINDS:
        return Delivery.IMMEDIATE
    setting = db.session.get(NotificationSetting, (user.id, kind))
    return setting.delivery if setting is not None else DEFAULT_DELIVERY[kind]


def notify(
    recipient: User,
    kind: NotificationKind,
    *,
    link: str,
    params: dict[str, Any] | None = None,
    reason: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
    deliver_after: datetime | None = None,
) -> Notification | None:
    """Write one notification for `recipient` in the caller's transaction (no commit).

    `link` is a path on this site (`url_for(...)` without `_external`). Nothing is written for
    an inactive user, nor a second time for the same `dedupe_key`. The caller decides who may
    read what the notification is about: pass only recipients who may."""
    if not recipient.is_active:
        return None
    if dedupe_key is not None and db.session.scalar(
        select(Notification.id).where(Notification.dedupe_key == dedupe_key)
    ):
        return None
    wanted = delivery_for(recipient, kind)
    notification = Notification(
        user_id=recipient.id,
        organisation_id=recipient.organisation_id,
        kind=kind,
        link=link,
        params=params or {},
        reason=reason or {},
        dedupe_key=dedupe_key,
        deliver_after=deliver_after or utcnow(),
        mail_state=MailState.NOT_MAILED if wanted is Delivery.NEVER else MailState.PENDING,
    )
    db.session.add(notification)
    return notification


def holders_who_report(function: Function) -> list[User]:
    """The active holders of a function who may report for it: whom a function's mail is for."""
    return [user for user in function.holders if may_report(user)]


def notify_holders(
    functions: Iterable[Function],
    kind: NotificationKind,
    *,
    link: str,
    params: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
    deliver_after: datetime | None = None,
) -> list[Notification]:
    """Tell whoever holds each function today; `dedupe_key`, if given, is made unique per
    function and holder. The reason names the function."""
    written = []
    for function in functions:
        for holder in holders_who_report(function):
            key = f"{dedupe_key}:function={function.id}:user={holder.id}" if dedupe_key else None
            notification = notify(
                holder,
                kind,
                link=link,
                params=params,
                reason={"function_id": function.id},
                dedupe_key=key,
                deliver_after=deliver_after,
            )
            if notification is not None:
                written.append(notification)
    return written
