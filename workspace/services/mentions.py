"""Mentions in comments: `@ION` tells whoever holds the function, `@anna.berg@kramfors.se`
tells that person, and the comment shows them marked.

A mention reaches only those who may read the comment: for a shared comment the holders in
every participating organisation (ION in Kramfors and ION in Sollefteå alike), for an internal
one only in the author's organisation. The author is never told of their own comment, and
nobody twice about the same comment. The notification is written in the comment's own
transaction (`notify_mentioned` is called inside the threads service's `transaction.write()`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask import g
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from ..extensions import db
from ..models import (
    Comment,
    FollowUpRound,
    Function,
    Notification,
    NotificationKind,
    Plan,
    User,
    Visibility,
)
from ..policy import Action, can
from ..rich_text import Marked, plain_runs, render
from .notifications import NotificationText, notify, notify_holders, path_for, renders
from .personal_data import find_identity_numbers

# Local part and domain of an address; the domain ends on a letter or digit, so the full stop
# that ends a sentence is not part of it.
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
QUOTE_LENGTH = 300


@dataclass(frozen=True)
class Mention:
    """One `@…` in a text: a function's code or a person's address, lower-cased."""

    start: int
    end: int
    code: str | None = None
    email: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return ("email", self.email) if self.email else ("code", self.code or "")


def mention_pattern(codes: Iterable[str]) -> re.Pattern[str]:
    """`@` then an address or one of `codes` (longest first, any case), not glued to a word
    before or after: `anna@kramfors.se` mentions nobody, `@IONS` is not `@ION`."""
    alternatives = sorted({code.lower() for code in codes if code}, key=len, reverse=True)
    code_part = "|".join(re.escape(code) for code in alternatives) or "(?!)"
    return re.compile(
        rf"(?<![\w@.])@(?:(?P<email>{_EMAIL})(?![\w-])|(?P<code>{code_part})(?!\w))",
        re.IGNORECASE,
    )


def find_mentions(text: str, pattern: re.Pattern[str]) -> list[Mention]:
    """The mentions in one run of plain text, in order."""
    return [
        Mention(
            match.start(),
            match.end(),
            code=match["code"].lower() if match["code"] else None,
            email=match["email"].lower() if match["email"] else None,
        )
        for match in pattern.finditer(text)
    ]


def mentions_in(body: str, pattern: re.Pattern[str]) -> set[tuple[str, str]]:
    """What a comment's text mentions, outside code spans and link addresses."""
    if "@" not in body:
        return set()
    return {mention.key for run in plain_runs(body) for mention in find_mentions(run, pattern)}


def participating_functions(plan: Plan) -> list[Function]:
    """The functions of the plan's participating organisations: the codes one may mention."""
    return list(
        db.session.execute(
            select(Function)
            .where(Function.organisation_id.in_([org.id for org in plan.participants]))
            .order_by(Function.organisation_id, Function.code)
        ).scalars()
    )


def _users_by_email(emails: Iterable[str], organisation_ids: Iterable[int]) -> list[User]:
    emails, organisation_ids = list(emails), list(organisation_ids)
    if not emails or not organisation_ids:
        return []
    return list(
        db.session.execute(
            select(User)
            .where(
                # Addresses are stored lower-cased (`users.normalise_email`).
                User.email.in_(emails),
                User.organisation_id.in_(organisation_ids),
            )
            .order_by(User.id)
        ).scalars()
    )


def comment_path(comment: Comment) -> str:
    """The path of the comment on its thread's page, anchor included; built without a
    request, as a service may run from the command line."""
    thread = comment.thread
    if thread.activity_id is not None:
        endpoint, values = "activities.show", {"activity_id": thread.activity_id}
    elif thread.round_id is not None:
        endpoint, values = "rounds.show", {"round_id": thread.round_id}
    else:
        endpoint, values = "threads.discussion", {"plan_id": thread.plan_id}
    return path_for(endpoint, anchor=f"comment-{comment.id}", **values)


def _readers(comment: Comment) -> set[int]:
    """The organisations that may read the comment."""
    if comment.visibility is Visibility.INTERNAL:
        return {comment.organisation_id}
    return {org.id for org in comment.thread.plan.participants}


def _dedupe_prefix(comment: Comment) -> str:
    return f"mention:comment={comment.id}"


def _already_told(comment: Comment) -> set[int]:
    """Who has had a mention notification about this comment already."""
    return set(
        db.session.execute(
            select(Notification.user_id).where(
                Notification.kind == NotificationKind.MENTION,
                Notification.dedupe_key.like(f"{_dedupe_prefix(comment)}:%"),
            )
        ).scalars()
    )


def notify_mentioned(comment: Comment, previous_body: str = "") -> list[Notification]:
    """Tell whoever the comment newly mentions (not mentioned in `previous_body` already),
    in the caller's transaction. Call after the comment is flushed (it needs its id)."""
    plan = comment.thread.plan
    functions = participating_functions(plan)
    pattern = mention_pattern(f.code for f in functions)
    new = mentions_in(comment.body, pattern) - mentions_in(previous_body, pattern)
    if not new:
        return []
    readers = _readers(comment)
    told = {comment.author_id} | _already_told(comment)
    link = comment_path(comment)
    # Whether a mail may quote the text: never one posted past the identity-number warning.
    params = {
        "comment_id": comment.id,
        "author": comment.author.name,
        "quotable": not find_identity_numbers(comment.body),
    }
    written: list[Notification] = []
    emails = sorted(value for kind, value in new if kind == "email")
    for user in _users_by_email(emails, readers):
        if user.id in told or not can(user, Action.READ_COMMENT, comment):
            continue
        notification = notify(
            user,
            NotificationKind.MENTION,
            link=link,
            params={**params, "mentioned": None},
            reason={"mentioned": True},
            dedupe_key=f"{_dedupe_prefix(comment)}:user={user.id}",
        )
        if notification is not None:
            told.add(user.id)
            written.append(notification)
    codes = {value for kind, value in new if kind == "code"}
    for function in functions:
        if function.code.lower() not in codes or function.organisation_id not in readers:
            continue
        notifications = notify_holders(
            [function],
            NotificationKind.MENTION,
            link=link,
            params={**params, "mentioned": function.code},
            dedupe_key=_dedupe_prefix(comment),
            exclude=told,
        )
        told |= {n.user_id for n in notifications}
        written += notifications
    return written


# --- Showing mentions ---------------------------------------------------------------------


@dataclass(frozen=True)
class _PlanMentions:
    """What a plan's comments may mention: its participants' codes and organisations."""

    pattern: re.Pattern[str]
    organisation_ids: frozenset[int]


def _plan_mentions(plan: Plan) -> _PlanMentions:
    # One lookup per plan and request, however many comments the page shows.
    cache: dict[int, _PlanMentions] = g.setdefault("plan_mentions", {})
    if plan.id not in cache:
        cache[plan.id] = _PlanMentions(
            mention_pattern(f.code for f in participating_functions(plan)),
            frozenset(org.id for org in plan.participants),
        )
    return cache[plan.id]


def comment_html(comment: Comment) -> Markup:
    """The comment's text as HTML with its mentions marked: a function as written, a person
    by name when they belong to an organisation of the plan, else the address as written."""
    if "@" not in comment.body:
        return render(comment.body)
    known = _plan_mentions(comment.thread.plan)
    runs = plain_runs(comment.body)
    emails = {m.email for run in runs for m in find_mentions(run, known.pattern) if m.email}
    people: dict[str, list[User]] = {}
    for user in _users_by_email(emails, known.organisation_ids):
        people.setdefault(user.email.lower(), []).append(user)

    def marker(text: str) -> list[str | Marked]:
        pieces: list[str | Marked] = []
        last = 0
        for mention in find_mentions(text, known.pattern):
            written = text[mention.start : mention.end]
            found = people.get(mention.email or "", [])
            if mention.email and len(found) != 1:
                continue  # nobody (or not one person) the reader may see: as written
            pieces.append(text[last : mention.start])
            pieces.append(Marked(f"@{found[0].name}" if mention.email else written))
            last = mention.end
        pieces.append(text[last:])
        return [piece for piece in pieces if piece != ""]

    return render(comment.body, marker)


# --- The notification's texts ---------------------------------------------------------------


def _place(comment: Comment | None) -> str:
    """Where the comment was written, as the subject line names it."""
    if comment is None:
        return _("a comment")
    thread = comment.thread
    if thread.activity is not None:
        return _("the activity “%(title)s”", title=thread.activity.title)
    if thread.round_id is not None:
        round_ = db.session.get(FollowUpRound, thread.round_id)
        if round_ is not None:
            return _("the round “%(title)s”", title=round_.title)
    return _("the plan's discussion")


def quote(text: str, length: int = QUOTE_LENGTH) -> str:
    """The text on one line, cut at a word near `length` characters."""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    return flat[:length].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"


@renders(NotificationKind.MENTION)
def _mention_text(notification: Notification) -> NotificationText:
    params = notification.params
    comment = db.session.get(Comment, params.get("comment_id") or 0)
    whom = f"@{params['mentioned']}" if params.get("mentioned") else _("you")
    subject = _(
        "%(author)s mentioned %(whom)s in %(place)s",
        author=params.get("author", ""),
        whom=whom,
        place=_place(comment),
    )
    quotable = (
        comment is not None
        and params.get("quotable") is True
        and not comment.is_removed
        # As the comment reads now: an edit may have added a number, or it may have gone.
        and not find_identity_numbers(comment.body)
        and can(notification.user, Action.READ_COMMENT, comment)
    )
    if quotable:
        assert comment is not None
        return NotificationText(subject, [quote(comment.body)])
    return NotificationText(subject, [_("Open the comment to read it.")])
