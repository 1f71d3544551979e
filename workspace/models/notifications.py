"""Notifications: an outbox of mails and the in-app list, addressed to a function's holders.

A notification is written in the same transaction as the change that caused it, one row per
recipient. The in-app list shows every row; `send-notifications` mails the rows whose
`mail_state` is pending, when they are due, and records what happened.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .organisations import User, enum_column
from .types import TimestampMixin, UTCDateTime


class NotificationKind(StrEnum):
    ROUND_OPENED = "round_opened"  # what your function must report in the round, by when
    DUE_SOON = "due_soon"  # a few days before the round's due date, not reported yet
    DUE_TODAY = "due_today"  # on the due date, not reported yet
    OVERDUE = "overdue"  # after the due date, to coordinators: what is missing
    FUNCTION_VACANT = "function_vacant"  # to admins and coordinators: nobody can report
    MENTION = "mention"  # @ION or @someone@kramfors.se in a comment one may read
    ACTIVITY_CHANGED = "activity_changed"  # a watched activity: status change or comment
    PASSWORD_LINK = "password_link"  # a one-time link to set one's password


# Mails a user cannot turn off: without them they could not log in.
MANDATORY_KINDS = frozenset({NotificationKind.PASSWORD_LINK})


class Delivery(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"  # one digest a day
    NEVER = "never"  # in the app only


DEFAULT_DELIVERY: dict[NotificationKind, Delivery] = {
    kind: Delivery.DAILY if kind is NotificationKind.ACTIVITY_CHANGED else Delivery.IMMEDIATE
    for kind in NotificationKind
}


class MailState(StrEnum):
    PENDING = "pending"  # to be mailed once due (`deliver_after`, `next_attempt_at`)
    SENDING = "sending"  # claimed by one `send-notifications` run
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt; `last_error` says why
    NOT_MAILED = "not_mailed"  # mail is off, or the recipient wants this kind in the app only


class Notification(TimestampMixin, db.Model):
    """One notification to one user. Its texts are rendered when shown or mailed, in the
    recipient's language, from `kind` and `params`; `link` is the page it is about."""

    __tablename__ = "notifications"
    __table_args__ = (
        # What a sender claims: pending rows, oldest due first.
        Index("ix_notifications_mail_state_deliver_after", "mail_state", "deliver_after"),
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The recipient's organisation when it was written: its admins see the mail log.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, "kind"))
    # Why this user got it, e.g. {"function_id": 3}: "you hold ION in Kramfors kommun".
    reason: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(500))
    # Written once whatever runs it twice: e.g. "due_soon:round=4:function=9:user=12".
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    deliver_after: Mapped[datetime] = mapped_column(UTCDateTime())
    mail_state: Mapped[MailState] = mapped_column(
        enum_column(MailState, "mail_state"), default=MailState.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class NotificationSetting(db.Model):
    """How a user wants one kind delivered; a kind without a row has its default."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[NotificationKind] = mapped_column(
        enum_column(NotificationKind, "kind"), primary_key=True
    )
    delivery: Mapped[Delivery] = mapped_column(enum_column(Delivery, "delivery"))


class ActivityWatch(TimestampMixin, db.Model):
    """An activity a user follows ("Bevaka") besides those of their own functions."""

    __tablename__ = "activity_watches"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True, index=True
    )
