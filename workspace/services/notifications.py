"""Notifications addressed to functions: who is told, in the same transaction as the change.

A trigger (a round opened, a mention, a vacancy…) calls `notify` once per recipient inside the
service's `transaction.write()`, so the notification commits or rolls back with the change
that caused it. `notify_holders` addresses a function: whoever holds it today. The texts are
rendered when shown or mailed, in the reader's language (`describe`), from a renderer each
kind registers with `renders`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import ScalarSelect, Select, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import contains_eager

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
from . import audit
from .transaction import write


@dataclass(frozen=True)
class NotificationText:
    """What a notification says, in the current language: a subject line, a few plain
    paragraphs, and why the reader got it ("you hold ION in Kramfors kommun")."""

    subject: str
    paragraphs: list[str] = field(default_factory=list)
    reason: str = ""


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


# --- Reading them in the app, and one's own settings -----------------------------------------

KIND_LABELS: dict[NotificationKind, LazyString] = {
    NotificationKind.ROUND_OPENED: _l("A follow-up round is opened"),
    NotificationKind.DUE_SOON: _l("A report is due soon"),
    NotificationKind.DUE_TODAY: _l("A report is due today"),
    NotificationKind.OVERDUE: _l("Reports are missing after the due date"),
    NotificationKind.FUNCTION_VACANT: _l("A function is left vacant"),
    NotificationKind.MENTION: _l("You or your function is mentioned"),
    NotificationKind.ACTIVITY_CHANGED: _l("News on an activity you follow"),
    NotificationKind.PASSWORD_LINK: _l("A link to set your password"),
}
DELIVERY_LABELS: dict[Delivery, LazyString] = {
    Delivery.IMMEDIATE: _l("At once"),
    Delivery.DAILY: _l("Daily digest"),
    Delivery.NEVER: _l("Never"),
}
MAIL_STATE_LABELS: dict[MailState, LazyString] = {
    MailState.PENDING: _l("Waiting to be sent"),
    MailState.SENDING: _l("Being sent"),
    MailState.SENT: _l("Sent"),
    MailState.FAILED: _l("Failed"),
    MailState.NOT_MAILED: _l("Not mailed"),
}
# The kinds a user chooses the delivery of, in the order the settings page lists them.
CHOOSABLE_KINDS = [kind for kind in NotificationKind if kind not in MANDATORY_KINDS]


def mail_enabled() -> bool:
    """Whether this installation mails at all: no `MAIL_SERVER`, no mail (the app still
    lists every notification)."""
    return bool(current_app.config.get("MAIL_SERVER"))


def describe_in_list(notification: Notification) -> NotificationText:
    """`describe`, or a plain line for a kind whose wording is not registered yet, so a
    list of notifications never fails on one of them."""
    if notification.kind in _RENDERERS:
        return describe(notification)
    return NotificationText(
        str(KIND_LABELS[notification.kind]), [], reason_text(notification.reason)
    )


def unread_count_of(user_id: Any) -> ScalarSelect[int]:
    """The user's unread notifications as a scalar subquery, so the user's own row and the
    header's count come in one query."""
    return (
        select(func.count(Notification.id))
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def load_with_unread(user_id: int) -> tuple[User | None, int]:
    """The user and how many notifications they have not read, in one query (the session's
    user is loaded on every request; the header shows the count)."""
    row = db.session.execute(
        select(User, unread_count_of(User.id)).where(User.id == user_id)
    ).one_or_none()
    return (row[0], row[1]) if row is not None else (None, 0)


def unread_count(user: User) -> int:
    return db.session.scalar(select(unread_count_of(user.id))) or 0


def notifications_of(user: User) -> Select[tuple[Notification]]:
    """The user's own notifications, newest first, for `db.paginate`."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def mark_read(user: User, notification: Notification) -> None:
    """Mark one of the user's notifications read (again is a no-op)."""
    if notification.user_id != user.id:
        raise ValueError("not the user's notification")
    with write():
        if notification.read_at is None:
            notification.read_at = utcnow()


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; how many were."""
    with write():
        result = db.session.execute(
            update(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
    return result.rowcount or 0


def settings_of(user: User) -> dict[NotificationKind, Delivery]:
    """How the user gets each kind they may choose for: their choice or the default."""
    chosen = dict(
        db.session.execute(
            select(NotificationSetting.kind, NotificationSetting.delivery).where(
                NotificationSetting.user_id == user.id
            )
        ).all()
    )
    return {kind: chosen.get(kind, DEFAULT_DELIVERY[kind]) for kind in CHOOSABLE_KINDS}


def save_settings(user: User, choices: dict[NotificationKind, Delivery]) -> None:
    """Store the user's choice per kind, with one audit row naming what changed.

    Mandatory kinds are never stored: a forged choice for one is ignored, it is always mailed.
    Each kind is its own row, written by an upsert, so saving the same choices twice changes
    nothing, and two tabs of the same user saving at once cannot fail on each other: each
    kind ends with the later tab's choice (last write wins per kind, as the user asked)."""
    current = settings_of(user)
    changed = {
        kind: delivery
        for kind, delivery in choices.items()
        if kind in current and current[kind] is not delivery
    }
    if not changed:
        return
    with write():
        for kind, delivery in changed.items():
            db.session.execute(_upsert_setting(user.id, kind, delivery))
        audit.record(
            user,
            "notifications.settings_changed",
            user,
            changed={kind.value: delivery.value for kind, delivery in changed.items()},
        )


def _upsert_setting(user_id: int, kind: NotificationKind, delivery: Delivery) -> Any:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(NotificationSetting).values(user_id=user_id, kind=kind, delivery=delivery)
    return statement.on_conflict_do_update(
        index_elements=[NotificationSetting.user_id, NotificationSetting.kind],
        set_={"delivery": statement.excluded.delivery},
    )


def mail_log(organisation_id: int) -> Select[tuple[Notification]]:
    """What was (or is to be) mailed to the organisation's users, newest first: for its
    admins. The rows' texts and params are not for them; the log shows only the outcome."""
    return (
        select(Notification)
        .join(Notification.user)
        .where(Notification.organisation_id == organisation_id)
        .options(contains_eager(Notification.user))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def first_line(error: str | None) -> str:
    """An error's first line, for a log that must not show more than that."""
    return (error or "").strip().splitlines()[0][:200] if (error or "").strip() else ""
