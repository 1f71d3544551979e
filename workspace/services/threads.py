"""Follow-up threads: posting, editing, removing and reading comments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    COMMENT_MAX_LENGTH,
    Activity,
    AuditEvent,
    Comment,
    FollowUpRound,
    Plan,
    ReadMarker,
    SituationPicture,
    StatusChange,
    Thread,
    User,
    Visibility,
)
from ..models.types import utcnow
from ..policy import Action, authorize, comment_visible_to
from . import audit, mentions, transaction, watching
from .errors import StaleWrite, ValidationFailed
from .personal_data import find_identity_numbers
from .text import clean


class PersonalDataSuspected(Exception):
    """The text looks like it names a person; the author must confirm before it is stored."""

    def __init__(self, numbers: list[str]) -> None:
        super().__init__(", ".join(numbers))
        self.numbers = numbers


class CommentRemoved(Exception):
    """The comment was deleted or redacted; there is nothing left to edit or redact."""


# What a thread discusses: an activity, a follow-up round, a lägesbild, or (None) the plan
# in general.
Subject = Activity | FollowUpRound | SituationPicture | None


def _about(subject: Subject) -> dict[str, int | None]:
    return {
        "activity_id": subject.id if isinstance(subject, Activity) else None,
        "round_id": subject.id if isinstance(subject, FollowUpRound) else None,
        "situation_picture_id": subject.id if isinstance(subject, SituationPicture) else None,
    }


def find_thread(plan: Plan, subject: Subject = None) -> Thread | None:
    about = _about(subject)
    return db.session.execute(
        select(Thread).where(
            Thread.plan_id == plan.id,
            *(
                getattr(Thread, column) == value
                if value is not None
                else getattr(Thread, column).is_(None)
                for column, value in about.items()
            ),
        )
    ).scalar_one_or_none()


def ensure_thread(plan: Plan, subject: Subject = None) -> Thread:
    """The thread about `subject` (or the plan's general thread), created on first use."""
    thread = find_thread(plan, subject)
    if thread is not None:
        return thread
    try:
        with db.session.begin_nested():
            thread = Thread(plan=plan, **_about(subject))
            db.session.add(thread)
    except IntegrityError:
        # Someone else's first post created it a moment ago.
        thread = find_thread(plan, subject)
        assert thread is not None
    return thread


def _checked_body(body: str | None, confirmed_no_personal_data: bool) -> str:
    text = clean(body)
    if not text:
        raise ValidationFailed({"body": _("Write a comment first.")})
    if len(text) > COMMENT_MAX_LENGTH:
        raise ValidationFailed(
            {
                "body": _(
                    "A comment may have at most %(max)s characters; this one has %(length)s.",
                    max=f"{COMMENT_MAX_LENGTH:,}".replace(",", "\u00a0"),
                    length=f"{len(text):,}".replace(",", "\u00a0"),
                )
            }
        )
    numbers = find_identity_numbers(text)
    if numbers and not confirmed_no_personal_data:
        raise PersonalDataSuspected(numbers)
    return text


def post(
    actor: User,
    plan: Plan,
    subject: Subject,
    body: str | None,
    visibility: Visibility | str = Visibility.SHARED,
    *,
    confirmed_no_personal_data: bool = False,
) -> Comment:
    """Post a comment in the thread about `subject` and commit; whoever it mentions is told
    in the same transaction."""
    authorize(actor, Action.COMMENT, plan)
    try:
        visibility = Visibility(visibility)
    except ValueError:
        raise ValidationFailed({"visibility": _("Choose who may read the comment.")}) from None
    text = _checked_body(body, confirmed_no_personal_data)
    with transaction.write():
        comment = Comment(
            thread=ensure_thread(plan, subject),
            author=actor,
            organisation_id=actor.organisation_id,
            visibility=visibility,
            body=text,
        )
        db.session.add(comment)
        db.session.flush()
        audit.record(actor, "comment.posted", comment, visibility=visibility.value)
        mentioned = mentions.notify_mentioned(comment)
        watching.commented(comment, told={n.user_id for n in mentioned})
    return comment


def _check_version(comment: Comment, expected_version: int | None) -> None:
    # As the database has it now: another tab or an admin may have changed it meanwhile.
    db.session.refresh(comment)
    if comment.is_removed:
        raise CommentRemoved()
    if expected_version != comment.version:
        raise StaleWrite()


def edit(
    actor: User,
    comment: Comment,
    body: str | None,
    expected_version: int | None,
    *,
    confirmed_no_personal_data: bool = False,
) -> Comment:
    """Change the text of one's own comment; it is marked as edited.

    `expected_version` is the comment the author saw: `StaleWrite` when it is another now,
    `CommentRemoved` when it was deleted or redacted meanwhile."""
    with transaction.write():
        _check_version(comment, expected_version)
        authorize(actor, Action.EDIT_COMMENT, comment)
        previous_body = comment.body
        comment.body = _checked_body(body, confirmed_no_personal_data)
        comment.edited_at = utcnow()
        audit.record(actor, "comment.edited", comment)
        # Only a mention the edit adds is news; those already there were told at posting.
        mentions.notify_mentioned(comment, previous_body)
    return comment


def delete(actor: User, comment: Comment) -> None:
    """Remove a comment: the author their own, an admin any of their organisation's.

    The row stays, so the thread shows that something was removed; the text goes.
    Removing is meant whatever the text is now, so it takes no version; `StaleWrite` only
    when the comment changed in the very moment of the removal.
    """
    authorize(actor, Action.DELETE_COMMENT, comment)
    with transaction.write():
        comment.deleted_at = utcnow()
        comment.body = ""
        audit.record(
            actor,
            # The rule let the author or a moderating admin through: the log says which.
            "comment.deleted" if comment.author_id == actor.id else "comment.moderated",
            comment,
            author_id=comment.author_id,
            author=audit.name_of(comment.author),
        )


def redact(
    actor: User, comment: Comment, reason: str | None, expected_version: int | None
) -> Comment:
    """An admin replaces a comment of their organisation, say one naming a person.

    The original text is not kept anywhere; the audit log keeps who, when and why.
    `expected_version` is the text the admin saw: `StaleWrite` when the author has changed
    it since, `CommentRemoved` when it is gone already.
    """
    with transaction.write():
        _check_version(comment, expected_version)
        authorize(actor, Action.MODERATE_COMMENT, comment)
        reason = clean(reason)
        if not reason:
            raise ValidationFailed({"reason": _("Say why the comment is redacted.")})
        if len(reason) > 500:
            raise ValidationFailed(
                {"reason": _("The reason may have at most %(max)d characters.", max=500)}
            )
        comment.redacted_at = utcnow()
        comment.body = ""
        audit.record(
            actor,
            "comment.redacted",
            comment,
            author_id=comment.author_id,
            author=audit.name_of(comment.author),
            reason=reason,
        )
    return comment


def last_change(comment: Comment) -> AuditEvent | None:
    """Who last wrote, edited, removed or redacted the comment, and when (never its text)."""
    return audit.last_event(comment)


def visible_comments(user: User, thread: Thread | None) -> list[Comment]:
    """The thread's comments the user may read, oldest first."""
    if thread is None:
        return []
    return list(
        db.session.execute(
            select(Comment)
            .where(Comment.thread_id == thread.id, comment_visible_to(user.organisation_id))
            .order_by(Comment.id)
            # The timeline names each author's functions: one query for all of them.
            .options(selectinload(Comment.author).selectinload(User.functions))
        ).scalars()
    )


def newest_visible(user: User, thread: Thread | None) -> int:
    """The newest comment in the thread the user may read (0: none): a poll's marker."""
    if thread is None:
        return 0
    newest = db.session.execute(
        select(func.max(Comment.id)).where(
            Comment.thread_id == thread.id, comment_visible_to(user.organisation_id)
        )
    ).scalar()
    return newest or 0


def comments_since(
    user: User,
    since: int,
    *,
    plan_id: int,
    activity_id: int | None = None,
    thread_id: int | None = None,
) -> list[Comment]:
    """Others' comments after `since` that the user may read, in one plan, activity or thread."""
    query = (
        select(Comment)
        .join(Thread)
        .where(
            Comment.id > since,
            Thread.plan_id == plan_id,
            Comment.author_id != user.id,
            comment_visible_to(user.organisation_id),
        )
        .order_by(Comment.id)
    )
    if activity_id is not None:
        query = query.where(Thread.activity_id == activity_id)
    if thread_id is not None:
        query = query.where(Thread.id == thread_id)
    return list(db.session.execute(query).scalars())


def new_in_thread(user: User, thread: Thread | None, since: int) -> list[Comment]:
    """Others' comments after `since` in this one thread that the user may read."""
    if thread is None:
        return []
    return comments_since(user, since, plan_id=thread.plan_id, thread_id=thread.id)


_read_marker = ReadMarker.__table__.alias("marker")
# Built once: the overview counts on every view, and building this took longer than running it.
_UNREAD_BY_ACTIVITY = (
    select(Thread.activity_id, func.count(Comment.id))
    .join(Comment, Comment.thread_id == Thread.id)
    .outerjoin(
        _read_marker,
        and_(_read_marker.c.thread_id == Thread.id, _read_marker.c.user_id == bindparam("user_id")),
    )
    .where(
        Thread.plan_id == bindparam("plan_id"),
        Thread.round_id.is_(None),
        Thread.situation_picture_id.is_(None),
        Comment.id > func.coalesce(_read_marker.c.last_read_comment_id, 0),
        Comment.author_id != bindparam("user_id"),
        Comment.deleted_at.is_(None),
        Comment.redacted_at.is_(None),
        comment_visible_to(bindparam("organisation_id")),
    )
    .group_by(Thread.activity_id)
)


def unread_counts(user: User, plan: Plan) -> dict[int | None, int]:
    """New comments by others per activity (None: the general thread) since the user last
    read each thread. One query for the whole plan; round threads are counted on rounds."""
    rows = db.session.execute(
        _UNREAD_BY_ACTIVITY,
        {"user_id": user.id, "plan_id": plan.id, "organisation_id": user.organisation_id},
    )
    return {activity_id: count for activity_id, count in rows}


def mark_read(user: User, thread: Thread | None, comments: list[Comment]) -> None:
    """Remember that the user has seen these comments (the newest counts)."""
    if thread is None or not comments:
        return
    newest = max(comment.id for comment in comments)
    with transaction.write():
        marker = db.session.get(ReadMarker, (user.id, thread.id))
        if marker is None:
            try:
                with db.session.begin_nested():
                    db.session.add(
                        ReadMarker(
                            user_id=user.id, thread_id=thread.id, last_read_comment_id=newest
                        )
                    )
            except IntegrityError:
                marker = db.session.get(ReadMarker, (user.id, thread.id))
        if marker is not None and marker.last_read_comment_id < newest:
            # The same user's other tab, on another worker, may have recorded a newer comment
            # since this one read the marker: only ever move it forward.
            db.session.execute(
                update(ReadMarker)
                .where(
                    ReadMarker.user_id == user.id,
                    ReadMarker.thread_id == thread.id,
                    ReadMarker.last_read_comment_id < newest,
                )
                .values(last_read_comment_id=newest)
                .execution_options(synchronize_session=False)
            )


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # "comment" or "status"
    entry: Comment | StatusChange


def timeline(changes: list[StatusChange], comments: list[Comment]) -> list[TimelineItem]:
    """Status changes and comments on one line, oldest first."""
    items = [TimelineItem(c.created_at, "status", c) for c in changes]
    items += [TimelineItem(c.created_at, "comment", c) for c in comments]
    return sorted(items, key=lambda item: (item.at, item.kind == "comment", item.entry.id))


@dataclass(frozen=True)
class ThreadView:
    """A thread as its page shows it: the comments the user may read on one timeline with
    what else happened there (an activity's status changes), under the thread's heading."""

    plan: Plan
    thread: Thread | None
    comments: list[Comment]
    timeline: list[TimelineItem]
    title: str
    empty_text: str


def thread_view(
    user: User, plan: Plan, subject: Subject = None, changes: list[StatusChange] | None = None
) -> ThreadView:
    """The thread about `subject` (or the plan's general thread) as `user` may read it."""
    thread = find_thread(plan, subject)
    comments = visible_comments(user, thread)
    if isinstance(subject, Activity):
        title, empty = _("Follow-up"), _("Nothing has been reported or discussed yet.")
    else:
        title = _("The round's discussion") if isinstance(subject, FollowUpRound) else _("Comments")
        empty = _("Nobody has written anything yet.")
    return ThreadView(plan, thread, comments, timeline(changes or [], comments), title, empty)
