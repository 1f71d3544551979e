"""What a follow-up round tells people: what each function must report, reminders, overdue.

Opening a round calls `notify_opened` inside its transaction: every holder who may report of
a function with assignments in the round is told what to report, by when. `remind` is a
time-based trigger `send-notifications` runs with today's date (`notifications.scheduled`):
from NOTIFY_DAYS_BEFORE_DUE days before the due date DUE_SOON, on the day DUE_TODAY, to the
holders of functions that have not reported; after it OVERDUE, once per organisation, to its
coordinators, listing what is missing. Each is written once by its dedupe key, however often
and on however many hosts the step runs; a function that has reported is left alone, and a
closed round gets nothing. Partners have no logins: the coordinators who report for them see
the round's page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import get_timezone, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..i18n import day
from ..models import (
    Assignment,
    FollowUpRound,
    Function,
    Notification,
    NotificationKind,
    Organisation,
    User,
)
from ..policy import Action, has_role_for
from . import rounds, transaction
from .notifications import (
    NotificationText,
    notify,
    notify_holders,
    path_for,
    renders,
    scheduled,
)


def round_path(rnd: FollowUpRound) -> str:
    """The round's page, built without a request: the step runs from the command line."""
    return path_for("rounds.show", round_id=rnd.id)


def activity_label(assignment: Assignment) -> str:
    """ "1.3 Utbildning i ansvarsfull alkoholservering": the activity as the plan numbers it."""
    activity = assignment.activity
    return f"{activity.area.position}.{activity.position} {activity.title}"


def _params(
    rnd: FollowUpRound, function: Function, assignments: Iterable[Assignment]
) -> dict[str, Any]:
    return {
        "round_id": rnd.id,
        "round": rnd.title,
        "due_on": rnd.due_on.isoformat(),
        "function": function.code,
        "organisation": function.organisation.name,
        "activities": [activity_label(a) for a in assignments],
    }


def _participating_functions(
    rnd: FollowUpRound, assignments: Iterable[Assignment]
) -> dict[Function, list[Assignment]]:
    """The assignments by function, for the participating organisations that log in."""
    participants = {org.id for org in rnd.plan.participants if not org.is_partner}
    by_function: dict[Function, list[Assignment]] = {}
    for assignment in assignments:
        if assignment.function.organisation_id in participants:
            by_function.setdefault(assignment.function, []).append(assignment)
    return by_function


def notify_opened(rnd: FollowUpRound) -> list[Notification]:
    """Tell the holders of every function with assignments in the round what it must report,
    in the caller's transaction (the round must be flushed: it needs its id)."""
    written: list[Notification] = []
    link = round_path(rnd)
    for function, assignments in _participating_functions(
        rnd, rounds.plan_assignments(rnd.plan)
    ).items():
        written += notify_holders(
            [function],
            NotificationKind.ROUND_OPENED,
            link=link,
            params=_params(rnd, function, assignments),
            dedupe_key=f"round_opened:round={rnd.id}",
        )
    return written


# --- The daily step ------------------------------------------------------------------------


@scheduled
def remind(today: date) -> None:
    """Write the reminders and overdue notices due `today` for every open round."""
    open_rounds = db.session.scalars(
        select(FollowUpRound.id).where(FollowUpRound.closed_at.is_(None))
    ).all()
    for round_id in open_rounds:
        _write_once(lambda round_id=round_id: _remind_round(round_id, today))


def _write_once(step: Callable[[], None]) -> None:
    """Run `step` in a transaction. Another run writing the same at the same moment makes the
    database refuse a dedupe key: then run it again, to write only what that run did not."""
    try:
        with transaction.write():
            step()
    except IntegrityError:
        with transaction.write():
            step()


def reminder_kind(rnd: FollowUpRound, today: date) -> NotificationKind | None:
    """Which reminder the round's unreported functions get `today`, if any. The early one
    starts NOTIFY_DAYS_BEFORE_DUE days before the due date (a run missed that day catches up
    the next), unless the round was opened after that: its opening said when already."""
    if today == rnd.due_on:
        return NotificationKind.DUE_TODAY
    soon = rnd.due_on - timedelta(days=current_app.config["NOTIFY_DAYS_BEFORE_DUE"])
    opened_on = rnd.created_at.astimezone(get_timezone()).date()
    if soon <= today < rnd.due_on and opened_on < soon:
        return NotificationKind.DUE_SOON
    return None


def _remind_round(round_id: int, today: date) -> None:
    rnd = db.session.get(FollowUpRound, round_id)
    if rnd is None or not rnd.is_open or rnd.plan.is_closed:
        return
    if today > rnd.due_on:
        _notify_overdue(rnd, rounds.view(rnd))
        return
    kind = reminder_kind(rnd, today)
    if kind is None:
        return
    progress = rounds.view(rnd)
    unreported = [
        line.assignment for org in rnd.plan.participants for line in progress.unreported_of(org.id)
    ]
    link = round_path(rnd)
    for function, assignments in _participating_functions(rnd, unreported).items():
        notify_holders(
            [function],
            kind,
            link=link,
            params=_params(rnd, function, assignments),
            dedupe_key=f"{kind.value}:round={rnd.id}",
        )


def coordinators_of(organisation: Organisation) -> list[User]:
    """The organisation's active users who run rounds: whom an overdue notice is for."""
    users = db.session.scalars(
        select(User).where(User.organisation_id == organisation.id).order_by(User.id)
    )
    return [user for user in users if has_role_for(user, Action.MANAGE_ROUNDS)]


def _notify_overdue(rnd: FollowUpRound, progress: rounds.RoundView) -> None:
    """One notice per participating organisation with something missing, to its coordinators:
    written once, so a coordinator appointed later gets none."""
    link = round_path(rnd)
    for org in rnd.plan.participants:
        missing = progress.unreported_of(org.id)
        prefix = f"overdue:round={rnd.id}:organisation={org.id}"
        if org.is_partner or not missing or _written(prefix):
            continue
        params = {
            "round_id": rnd.id,
            "round": rnd.title,
            "due_on": rnd.due_on.isoformat(),
            "organisation": org.name,
            "missing": [
                [line.assignment.function.code, activity_label(line.assignment)] for line in missing
            ],
        }
        for user in coordinators_of(org):
            notify(
                user,
                NotificationKind.OVERDUE,
                link=link,
                params=params,
                reason={"role": "coordinator"},
                dedupe_key=f"{prefix}:user={user.id}",
            )


def _written(prefix: str) -> bool:
    return bool(
        db.session.scalar(
            select(Notification.id).where(Notification.dedupe_key.like(f"{prefix}:%")).limit(1)
        )
    )


# --- The notifications' texts ---------------------------------------------------------------


def _words(p: dict[str, Any]) -> dict[str, str]:
    """What a notification's texts fill in: the round, function, organisation, due date."""
    due = date.fromisoformat(p["due_on"])
    return {
        "round": p["round"],
        "function": p.get("function", ""),
        "organisation": p["organisation"],
        "date": day(due),
    }


def _listed(items: Iterable[str]) -> list[str]:
    return [f"– {item}" for item in items]


def _report_there() -> str:
    return _("Report on the follow-up's page.")


@renders(NotificationKind.ROUND_OPENED)
def _opened_text(notification: Notification) -> NotificationText:
    p = notification.params
    subject = _("%(round)s: %(function)s reports by %(date)s", **_words(p))
    intro = _(
        "The follow-up “%(round)s” is open. %(function)s in %(organisation)s reports on these "
        "activities by %(date)s:",
        **_words(p),
    )
    return NotificationText(subject, [intro, *_listed(p["activities"]), _report_there()])


@renders(NotificationKind.DUE_TODAY)
@renders(NotificationKind.DUE_SOON)
def _reminder_text(notification: Notification) -> NotificationText:
    p = notification.params
    if notification.kind is NotificationKind.DUE_TODAY:
        subject = _("Today is the last day: %(function)s reports in “%(round)s”", **_words(p))
    else:
        subject = _("Reminder: %(function)s reports in “%(round)s” by %(date)s", **_words(p))
    left = ngettext(
        "%(function)s has not reported on this activity yet:",
        "%(function)s has not reported on these %(num)d activities yet:",
        len(p["activities"]),
        **_words(p),
    )
    return NotificationText(subject, [left, *_listed(p["activities"]), _report_there()])


@renders(NotificationKind.OVERDUE)
def _overdue_text(notification: Notification) -> NotificationText:
    p = notification.params
    subject = ngettext(
        "“%(round)s”: %(num)d assignment of %(organisation)s is not reported",
        "“%(round)s”: %(num)d assignments of %(organisation)s are not reported",
        len(p["missing"]),
        **_words(p),
    )
    intro = _("The due date %(date)s has passed. Not reported yet:", **_words(p))
    missing = _listed(f"{code}: {activity}" for code, activity in p["missing"])
    return NotificationText(subject, [intro, *missing, _report_there()])
