"""Notifications addressed to functions: who is told, in the same transaction as the change.

A trigger (a round opened, a mention, a vacancy…) calls `notify` once per recipient inside the
service's `transaction.write()`, so the notification commits or rolls back with the change
that caused it. `notify_holders` addresses a function: whoever holds it today. The texts are
rendered when shown or mailed, in the reader's language (`describe`), from a renderer each
kind registers with `renders`.

A secret a notification must carry only by mail (a one-time password link) goes in
`params["secret_link"]`, a path on this site like `link`: renderers never put it in their
text, so the in-app list never shows it; its mail links to it instead of `link`.

Sending (`flask --app workspace send-notifications`, run by cron or a systemd timer): first the
time-based triggers registered with `scheduled` (`run_scheduled`), then `send_due` mails what is
due. Rows are claimed atomically before sending, so two runs at once never mail a row twice;
a failure is retried with backoff and, after the last attempt, recorded as failed. A run that
crashed leaves claimed rows behind: after `STALE_CLAIM` they are pending again (a mail that
had left just before the crash may then be sent twice; none is ever lost).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_mail import Message
from sqlalchemy import ScalarSelect, Select, bindparam, func, or_, select, update
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
from ..models.types import recording_history, utcnow
from ..policy import may_report
from . import audit, mailer
from .transaction import write


@dataclass(frozen=True)
class NotificationText:
    """What a notification says, in the current language: a subject line, a few plain
    paragraphs, and why the reader got it ("you hold ION in Kramfors kommun")."""

    subject: str
    paragraphs: list[str] = field(default_factory=list)
    reason: str = ""


# The params key of a link that is mailed but never shown in the app (see the module doc).
SECRET_LINK = "secret_link"


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


def wanted_delivery(kind: NotificationKind, chosen: Delivery | None) -> Delivery:
    """The delivery of a kind for someone who chose `chosen` (None: nothing, the default).
    Mandatory kinds are always mailed at once."""
    if kind in MANDATORY_KINDS:
        return Delivery.IMMEDIATE
    return chosen or DEFAULT_DELIVERY[kind]


def delivery_for(user: User, kind: NotificationKind) -> Delivery:
    """How the user wants this kind: their setting, or the kind's default."""
    setting = db.session.get(NotificationSetting, (user.id, kind))
    return wanted_delivery(kind, setting.delivery if setting is not None else None)


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
    return _write(
        recipient,
        kind,
        delivery_for(recipient, kind),
        link=link,
        params=params or {},
        reason=reason or {},
        dedupe_key=dedupe_key,
        deliver_after=deliver_after,
    )


@dataclass(frozen=True)
class Recipient:
    """Someone to tell of an event, why, and the delivery they chose for its kind (None:
    the default), loaded together by the caller's one query."""

    user: User
    reason: dict[str, Any]
    chosen: Delivery | None = None


def notify_of_new_event(
    recipients: Iterable[Recipient],
    kind: NotificationKind,
    *,
    link: str,
    params: dict[str, Any],
    event_key: str | None,
) -> None:
    """`notify` for many recipients of an event written in the same transaction (a status
    change, a comment): its key is new, so nothing is looked up per recipient; the unique
    `dedupe_key` made from `event_key`, if given, still refuses a second row. Kept to one
    statement because it runs inside every status save."""
    for recipient in recipients:
        if recipient.user.is_active:
            _write(
                recipient.user,
                kind,
                wanted_delivery(kind, recipient.chosen),
                link=link,
                params=params,
                reason=recipient.reason,
                dedupe_key=f"{event_key}:user={recipient.user.id}" if event_key else None,
                deliver_after=None,
            )


def _write(
    recipient: User,
    kind: NotificationKind,
    wanted: Delivery,
    *,
    link: str,
    params: dict[str, Any],
    reason: dict[str, Any],
    dedupe_key: str | None,
    deliver_after: datetime | None,
) -> Notification:
    notification = Notification(
        user_id=recipient.id,
        organisation_id=recipient.organisation_id,
        kind=kind,
        link=link,
        params=params,
        reason=reason,
        dedupe_key=dedupe_key,
        deliver_after=deliver_after or utcnow(),
        # History recorded from before the workspace (the demo's past year) is not mailed.
        mail_state=MailState.NOT_MAILED
        if wanted is Delivery.NEVER or recording_history()
        else MailState.PENDING,
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
    exclude: Collection[int] = (),
) -> list[Notification]:
    """Tell whoever holds each function today, but not the users whose ids are in
    `exclude` (say, the author of the change); `dedupe_key`, if given, is made unique per
    function and holder. The reason names the function."""
    written = []
    for function in functions:
        for holder in holders_who_report(function):
            if holder.id in exclude:
                continue
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


# --- Time-based triggers -------------------------------------------------------------------

Scheduled = Callable[[date], None]
_SCHEDULED: list[Scheduled] = []


def scheduled(function: Scheduled) -> Scheduled:
    """Register a time-based trigger (a round's reminders…) that `send-notifications` runs
    before sending, with today's date. It owns its transaction and must be safe to run many
    times a day: give its notifications a `dedupe_key`."""
    _SCHEDULED.append(function)
    return function


def run_scheduled(today: date) -> int:
    """Run every registered trigger; one that fails is logged and the others still run.
    Returns how many failed."""
    failed = 0
    for function in list(_SCHEDULED):
        try:
            function(today)
        except Exception:
            db.session.rollback()
            current_app.logger.exception("scheduled notification trigger %s failed", function)
            failed += 1
    return failed


# --- Sending the outbox --------------------------------------------------------------------

MAX_ATTEMPTS = 4
# The wait after the 1st, 2nd and 3rd failed attempt; the 4th gives up.
BACKOFF = (timedelta(minutes=5), timedelta(minutes=30), timedelta(minutes=120))
# A claim older than this belongs to a run that crashed.
STALE_CLAIM = timedelta(hours=1)
# Rows claimed at a time: a long run never holds more than this many unsent.
CLAIM_BATCH = 50


@dataclass
class SendReport:
    """What one `send_due` run did, counted in notifications (a digest counts each row)."""

    mail_off: bool = False
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    not_mailed: int = 0
    mails: int = 0


@dataclass
class _Mail:
    user_id: int
    ids: list[int]
    digest: bool


def digest_cutoff(now: datetime) -> datetime:
    """The latest daily digest time at or before `now`: MAIL_DIGEST_HOUR o'clock local time.
    A user's daily rows go out together once the oldest was written before it, so each user
    gets at most one digest a day, at or after that hour."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    local = now.astimezone(zone)
    cutoff = datetime.combine(local.date(), time(current_app.config["MAIL_DIGEST_HOUR"]), zone)
    if cutoff > local:
        cutoff -= timedelta(days=1)
    return cutoff


def _due(now: datetime) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(
                Notification.mail_state == MailState.PENDING,
                Notification.deliver_after <= now,
                or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
            )
            .order_by(Notification.id)
        )
    )


def _plan_mails(rows: list[Notification], now: datetime) -> tuple[list[_Mail], list[int]]:
    """The mails to send now, and the rows that will never be mailed (recipient inactive or
    now wanting this kind in the app only). Daily rows wait until their digest is due."""
    mails: list[_Mail] = []
    digests: dict[int, list[Notification]] = {}
    never: list[int] = []
    for row in rows:
        wanted = delivery_for(row.user, row.kind) if row.user.is_active else Delivery.NEVER
        if wanted is Delivery.NEVER:
            never.append(row.id)
        elif wanted is Delivery.DAILY:
            digests.setdefault(row.user_id, []).append(row)
        else:
            mails.append(_Mail(row.user_id, [row.id], digest=False))
    cutoff = digest_cutoff(now)
    for user_id, daily in digests.items():
        if min(row.deliver_after for row in daily) <= cutoff:
            mails.append(_Mail(user_id, [row.id for row in daily], digest=True))
    return mails, never


def _claim(ids: list[int], run_id: str, now: datetime) -> dict[int, Notification]:
    """Mark the rows that are still pending as this run's, atomically, and return them.

    PostgreSQL locks them first and skips rows another run has locked; SQLite has one writer
    at a time, so the guarded UPDATE alone decides. Either way a row is claimed once."""
    with write():
        if db.session.get_bind().dialect.name == "postgresql":
            ids = list(
                db.session.scalars(
                    select(Notification.id)
                    .where(Notification.id.in_(ids), Notification.mail_state == MailState.PENDING)
                    .with_for_update(skip_locked=True)
                )
            )
        if ids:
            db.session.execute(
                update(Notification)
                .where(Notification.id.in_(ids), Notification.mail_state == MailState.PENDING)
                .values(mail_state=MailState.SENDING, claimed_by=run_id, claimed_at=now),
                execution_options={"synchronize_session": False},
            )
    claimed = db.session.scalars(
        select(Notification).where(
            Notification.claimed_by == run_id, Notification.mail_state == MailState.SENDING
        )
    )
    return {row.id: row for row in claimed}


def release_stale_claims(now: datetime) -> None:
    """Rows claimed by a run that never finished are pending again."""
    with write():
        db.session.execute(
            update(Notification)
            .where(
                Notification.mail_state == MailState.SENDING,
                Notification.claimed_at < now - STALE_CLAIM,
            )
            .values(mail_state=MailState.PENDING, claimed_by=None, claimed_at=None),
            execution_options={"synchronize_session": False},
        )


def _message(rows: list[Notification], digest: bool) -> Message:
    """The mail for one user's rows, in the user's language, from the kinds' renderers."""
    user = rows[0].user
    languages = current_app.config["LANGUAGES"]
    locale = user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        items = []
        for row in rows:
            text = describe(row)
            link = mailer.absolute(secret_link(row) or row.link)
            items.append(mailer.MailItem(text.subject, text.paragraphs, text.reason, link))
        subject = (
            ngettext("%(num)d new notification", "%(num)d new notifications", len(items))
            if digest
            else items[0].subject
        )
        return mailer.compose(
            user.email,
            subject,
            items,
            digest=digest,
            mandatory=not digest and rows[0].kind in MANDATORY_KINDS,
        )


def _record_sent(rows: list[Notification], report: SendReport) -> None:
    with write():
        for row in rows:
            row.mail_state = MailState.SENT
            row.mailed_at = utcnow()
            row.next_attempt_at = None
            row.claimed_by = None
    report.sent += len(rows)
    report.mails += 1


def _record_failure(
    rows: list[Notification], error: BaseException, now: datetime, report: SendReport
) -> None:
    """One more attempt used: try again after the backoff, or give up after the last."""
    message = f"{type(error).__name__}: {error}"[:2000]
    with write():
        for row in rows:
            row.attempts += 1
            row.last_error = message
            row.claimed_by = None
            if row.attempts >= MAX_ATTEMPTS:
                row.mail_state = MailState.FAILED
                row.next_attempt_at = None
                report.failed += 1
            else:
                row.mail_state = MailState.PENDING
                row.next_attempt_at = now + BACKOFF[row.attempts - 1]
                report.retrying += 1


def _record_not_mailed(rows: Iterable[Notification], report: SendReport) -> None:
    with write():
        for row in rows:
            row.mail_state = MailState.NOT_MAILED
            row.claimed_by = None
            report.not_mailed += 1


def _send_batch(
    mails: list[_Mail], claimed: dict[int, Notification], now: datetime, report: SendReport
) -> None:
    """Send the claimed part of each mail over one connection; every claimed row ends the
    batch sent, pending for a retry, or failed, whatever goes wrong."""
    waiting: list[tuple[list[Notification], bool]] = []
    for mail in mails:
        rows = [claimed[i] for i in mail.ids if i in claimed]
        if rows:
            waiting.append((rows, mail.digest))
    try:
        with mailer.transport() as transport:
            while waiting:
                rows, digest = waiting[0]
                try:
                    transport.send(_message(rows, digest))
                except Exception as exc:
                    _record_failure(rows, exc, now, report)
                else:
                    _record_sent(rows, report)
                waiting.pop(0)
    except Exception as exc:  # the server could not be reached, or went away
        for rows, _digest in waiting:
            _record_failure(rows, exc, now, report)


def send_due(now: datetime | None = None, run_id: str | None = None) -> SendReport:
    """Mail every notification that is due, once; record each outcome on its row.

    Mail off (no MAIL_SERVER) leaves the outbox untouched, except in development, where the
    mails are written to instance/mail/ and marked sent."""
    if not mailer.mail_enabled() and not mailer.writes_files():
        return SendReport(mail_off=True)
    mailer.public_url()  # refuse before claiming anything if links cannot be made
    now = now or utcnow()
    run_id = run_id or uuid.uuid4().hex
    report = SendReport()
    release_stale_claims(now)
    mails, never = _plan_mails(_due(now), now)
    if never:
        _record_not_mailed(_claim(never, run_id, now).values(), report)
    batch: list[_Mail] = []
    for mail in [*mails, None]:
        if mail is not None:
            batch.append(mail)
        if batch and (mail is None or sum(len(m.ids) for m in batch) >= CLAIM_BATCH):
            claimed = _claim([i for m in batch for i in m.ids], run_id, now)
            _send_batch(batch, claimed, now, report)
            batch = []
    return report


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


# Built once: the session's user is loaded with it on every request, and building it cost
# about as much as the rest of loading the user (measured).
_USER_WITH_UNREAD = select(User, unread_count_of(User.id)).where(User.id == bindparam("user_id"))


def load_with_unread(user_id: int) -> tuple[User | None, int]:
    """The user and how many notifications they have not read, in one query (the session's
    user is loaded on every request; the header shows the count)."""
    row = db.session.execute(_USER_WITH_UNREAD, {"user_id": user_id}).one_or_none()
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
