"""Watched activities: who follows an activity, and telling them what others did on it.

A user watches the activities of the functions they hold (an assignment of the function)
without asking, and any other activity they follow with "Bevaka" (an `ActivityWatch` row).
A status change or a comment by someone else writes `ACTIVITY_CHANGED` to each watcher who
may read it, in the change's own transaction; its default delivery is the daily digest.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, delete, or_, select
from sqlalchemy.orm import lazyload

from ..extensions import db
from ..models import (
    STATUS_LABELS,
    Activity,
    ActivityWatch,
    Assignment,
    AssignmentStatus,
    Comment,
    Function,
    Notification,
    NotificationKind,
    NotificationSetting,
    StatusChange,
    User,
    function_holders,
)
from ..policy import Action, authorize, can
from . import mentions, notifications, transaction


@dataclass(frozen=True)
class WatchState:
    """Whether `user` watches an activity: because of functions they hold (`functions`,
    which no toggle can turn off), or because they chose to (`chosen`)."""

    functions: list[Function] = field(default_factory=list)
    chosen: bool = False

    @property
    def watching(self) -> bool:
        return bool(self.functions) or self.chosen


def watch_state(user: User, activity: Activity) -> WatchState:
    """How `user` watches the activity (a visible one: the caller loaded it scoped)."""
    held = {f.id for f in user.functions}
    return WatchState(
        functions=sorted(
            {a.function for a in activity.current_assignments if a.function_id in held},
            key=lambda f: f.code,
        ),
        chosen=db.session.get(ActivityWatch, (user.id, activity.id)) is not None,
    )


def set_watching(actor: User, activity: Activity, watching: bool) -> WatchState:
    """Follow the activity ("Bevaka") or stop; doing what is already so changes nothing."""
    authorize(actor, Action.VIEW_PLAN, activity.area.plan)
    with transaction.write():
        if watching:
            if db.session.get(ActivityWatch, (actor.id, activity.id)) is None:
                db.session.add(ActivityWatch(user_id=actor.id, activity_id=activity.id))
        else:
            db.session.execute(
                delete(ActivityWatch).where(
                    ActivityWatch.user_id == actor.id, ActivityWatch.activity_id == activity.id
                )
            )
    return watch_state(actor, activity)


# Everyone who watches an activity, with why and the delivery they chose: built once with
# the activity as a bound parameter, since every status save asks (building it took about a
# tenth of a save in `bench/run`).
_ACTIVITY_ID = bindparam("activity_id")
_WATCHERS = (
    select(User, function_holders.c.function_id, NotificationSetting.delivery)
    .select_from(User)
    .outerjoin(
        function_holders,
        and_(
            function_holders.c.user_id == User.id,
            function_holders.c.function_id.in_(
                select(Assignment.function_id).where(
                    Assignment.activity_id == _ACTIVITY_ID, Assignment.archived_at.is_(None)
                )
            ),
        ),
    )
    .outerjoin(
        ActivityWatch,
        and_(ActivityWatch.user_id == User.id, ActivityWatch.activity_id == _ACTIVITY_ID),
    )
    .outerjoin(
        NotificationSetting,
        and_(
            NotificationSetting.user_id == User.id,
            NotificationSetting.kind == NotificationKind.ACTIVITY_CHANGED,
        ),
    )
    .where(or_(function_holders.c.function_id.is_not(None), ActivityWatch.user_id.is_not(None)))
    .order_by(User.id, function_holders.c.function_id)
    # Telling them needs their ids, organisation ids and roles, not their organisations.
    .options(lazyload(User.organisation))
)


def _watchers(activity: Activity) -> list[notifications.Recipient]:
    """Everyone who watches the activity, with why (holding one of its functions, which the
    reason names, or following it) and the delivery they chose for it: one query."""
    rows = db.session.execute(_WATCHERS, {"activity_id": activity.id})
    watchers: dict[int, notifications.Recipient] = {}
    for user, function_id, chosen in rows:
        reason = {"function_id": function_id} if function_id else {"watching": True}
        watchers.setdefault(user.id, notifications.Recipient(user, reason, chosen))
    return list(watchers.values())


def _tell_watchers(
    activity: Activity,
    actor: User,
    may_read: Callable[[User], bool],
    *,
    link: str,
    params: dict[str, Any],
    dedupe_key: str | None,
) -> None:
    notifications.notify_of_new_event(
        (w for w in _watchers(activity) if w.user.id != actor.id and may_read(w.user)),
        NotificationKind.ACTIVITY_CHANGED,
        link=link,
        params={"activity_id": activity.id, "activity": activity.title, **params},
        event_key=dedupe_key,
    )


def status_changed(actor: User, change: StatusChange) -> None:
    """Tell the activity's watchers of `actor`'s status change, inside its transaction.

    Nothing the watchers' query reads is among the change's pending writes, so they are not
    flushed for it: the save writes everything in one flush at its commit. Its notifications
    need no key against a second telling, being written only in the change's own transaction."""
    assignment = change.assignment
    activity = assignment.activity
    plan = activity.area.plan
    with db.session.no_autoflush:
        _tell_watchers(
            activity,
            actor,
            lambda user: can(user, Action.VIEW_PLAN, plan),
            link=notifications.path_for("activities.show", activity_id=activity.id),
            params={
                "event": "status",
                "who": actor.name,
                "function": assignment.function.code,
                "status": change.to_status.value,
            },
            dedupe_key=None,
        )


def commented(comment: Comment, *, told: Collection[int] = ()) -> None:
    """Tell the watchers of the comment's activity (if it is about one) who may read it; an
    internal comment reaches only its own organisation's watchers (the read rule). Those
    `told` already (the comment mentions them) hear of it once."""
    activity = comment.thread.activity
    if activity is None:
        return
    _tell_watchers(
        activity,
        comment.author,
        lambda user: user.id not in told and can(user, Action.READ_COMMENT, comment),
        link=mentions.comment_path(comment),
        params={"event": "comment", "who": comment.author.name},
        dedupe_key=f"activity_changed:comment={comment.id}",
    )


@notifications.renders(NotificationKind.ACTIVITY_CHANGED)
def _activity_changed_text(notification: Notification) -> notifications.NotificationText:
    params = notification.params
    if params.get("event") == "comment":
        said = _("%(who)s commented.", who=params["who"])
    else:
        status = str(STATUS_LABELS[AssignmentStatus(params["status"])]).lower()
        said = _(
            "%(who)s changed the status of %(function)s to %(status)s.",
            who=params["who"],
            function=params["function"],
            status=status,
        )
    return notifications.NotificationText(
        _("News in the activity “%(activity)s”", activity=params["activity"]), [said]
    )
