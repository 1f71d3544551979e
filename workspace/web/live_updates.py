"""Live updates of an open page: polls that answer 204 when nothing changed, and the page's
`live_updates` block with what did, for a poll and a status save alike.

The plan overview and the activity page each define that block; this module finds out which
page a user has open (from its URL) and renders the block from the page's own context
(`page_context`), so a save and a poll update the same pieces the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import current_app, g, request
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..htmx import nothing_new
from ..models import Assignment, Comment, StatusChange
from ..routing import query_int
from ..services import threads
from ..services.live import Marker, poll_state
from . import page_context


def page_of(url: str) -> tuple[str, dict[str, Any], MultiDict[str, str]] | None:
    """Endpoint, view arguments and query of a URL on this site, or None."""
    parts = urlsplit(url)
    try:
        endpoint, args = current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        return None
    return endpoint, args, MultiDict(parse_qsl(parts.query))


def is_live_page(url: str) -> bool:
    """A page that shows statuses and so can take live updates."""
    page = page_of(url)
    return page is not None and page[0] in ("plans.show", "activities.show")


def marker_from(args: Mapping[str, str]) -> Marker:
    """The poll's marker from its query string; a poll without one is a bad request."""
    return Marker(query_int(args, "since"), query_int(args, "comments"))


class IdlePoll:
    """A poll's question, asked in the same query that loads the session's user."""

    def __init__(self, view_args: Mapping[str, Any]) -> None:
        self.scope = {k: v for k, v in view_args.items() if k in ("plan_id", "activity_id")}
        self.visible = False
        self.marker: Marker | None = None

    def load_user(self, user_id: int) -> Any:
        state = poll_state(user_id, **self.scope)
        self.visible, self.marker = state.visible, state.marker
        return state.user


def answers_idle_poll(view: Callable[..., Response]) -> Callable[..., Response]:
    """Login required; answer 204 at once when nothing changed since the page's marker.

    The user loader finds the poll in `g` and asks for the marker and the access check in
    its own query, so an idle poll costs one query. Everything else (not logged in, no
    access, something new) goes to the view, which checks and answers as always.
    """
    guarded = login_required(view)

    @wraps(view)
    def poll(**view_args: Any) -> Response:
        try:
            since = Marker(int(request.args["since"]), int(request.args["comments"]))
        except (KeyError, ValueError):
            return guarded(**view_args)  # the view answers, in its order (login, 404, 400)
        g.idle_poll = idle = IdlePoll(view_args)
        if current_user.is_authenticated and idle.visible and idle.marker == since:
            return nothing_new()
        return guarded(**view_args)

    return poll


def render_updates(
    page_url: str,
    changes: Sequence[StatusChange],
    comments: Sequence[Comment] = (),
    saved: Assignment | None = None,
    with_poller: bool = False,
) -> str:
    """The `live_updates` block of the page at `page_url`: the saved chip (if any) first,
    then every changed chip, the counts, new timeline entries and unread counts out of band."""
    page = page_of(page_url)
    only_saved = (
        saved is not None and not comments and all(c.assignment_id == saved.id for c in changes)
    )
    if page and page[0] == "plans.show":
        if only_saved:
            context = page_context.saved_on_overview_context(page[1]["plan_id"], page[2], saved)
        else:
            context = page_context.overview_context(page[1]["plan_id"], page[2])
        template = "plans/overview.html"
    elif page and page[0] == "activities.show":
        context = page_context.activity_context(page[1]["activity_id"])
        template = "activities/show.html"
    else:
        raise ValueError(f"no live updates for {page_url!r}")
    if not with_poller:
        context["updates_url"] = None
    latest = {change.assignment_id: change for change in changes}
    shown = _assignments_on(context)
    context["changed"] = [
        (shown[assignment_id], change)
        for assignment_id, change in latest.items()
        if assignment_id in shown and (saved is None or assignment_id != saved.id)
    ]
    context["saved"] = shown.get(saved.id, saved) if saved else None
    context["new_items"] = threads.timeline(
        [change for change in changes if change.assignment_id in shown], list(comments)
    )
    context["new_comments"] = comments
    return render_block(template, "live_updates", **context)


def _assignments_on(context: dict[str, Any]) -> dict[int, Assignment]:
    if "overview" in context:
        return {
            a.id: a
            for section in context["overview"].sections
            for row in section.rows
            for a in row.assignments
        }
    return {a.id: a for a in context["activity"].current_assignments}
