"""What a page shows and what changed on it, for page views, saves and polls alike.

The plan overview and the activity page each define a `live_updates` block; this module
builds their context, finds out which page a user has open (from its URL) and renders that
block with what changed, so a save and a poll update the same pieces the same way.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import current_app, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..extensions import db
from ..forms import CommentForm, IndicatorForm, MeasurementForm, OverviewFilterForm
from ..htmx import nothing_new
from ..models import (
    Assignment,
    AssignmentStatus,
    Comment,
    FollowUpRound,
    Indicator,
    Measurement,
    Plan,
    StatusChange,
    User,
)
from ..models.types import utcnow
from ..policy import get_activity_or_404, get_plan_or_404
from ..routing import query_int
from ..services import indicators, organisations, plans, rounds, threads
from ..services.live import Marker, current_marker, poll_state

FILTER_KEYS = ("area", "organisation", "status")


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


def overview_context(plan_id: int, query: Mapping[str, str]) -> dict[str, Any]:
    """What the overview's templates need: the plan narrowed by the page's own filters."""
    plan = get_plan_or_404(current_user, plan_id)
    marker = current_marker()
    areas = plans.load_areas(plan)
    form = OverviewFilterForm(MultiDict(query))
    form.set_choices(areas, plans.responsible_organisations(areas))
    valid = form.validate()
    filters = form.filters() if valid else plans.OverviewFilters()
    kept = _kept(query)
    return {
        "form": form,
        "valid": valid,
        "overview": plans.overview(plan, filters, areas),
        "unread": threads.unread_counts(current_user, plan),
        "reminders": rounds.reminders(
            plan,
            current_user,
            utcnow().date(),
            [a for area in areas for activity in area.activities for a in activity.assignments],
        ),
        "vacant": {f.id: f for f in organisations.vacant_in_plan(plan.id)},
        "page_url": url_for("plans.show", plan_id=plan.id, **kept),
        "updates_url": url_for(
            "plans.updates",
            plan_id=plan.id,
            since=marker.status_change,
            comments=marker.comment,
            **kept,
        ),
    }


def saved_on_overview_context(
    plan_id: int, query: Mapping[str, str], saved: Assignment
) -> dict[str, Any]:
    """What a status save on the overview changes there: the plan's counts and those of the
    saved assignment's area, under the page's filters, without loading the whole plan."""
    area = saved.activity.area
    # The saved assignment was loaded only because its plan is visible to the user.
    plan = area.plan if area.plan_id == plan_id else get_plan_or_404(current_user, plan_id)
    rows = plans.status_counts(plan)
    filters = _lenient_filters(query, plan, slugs={slug for _, slug, _, _ in rows})
    total: Counter[AssignmentStatus] = Counter()
    per_area: dict[int, Counter[AssignmentStatus]] = defaultdict(Counter)
    for area_id, slug, status, count in rows:
        if filters.organisation_slug not in (None, slug) or filters.status not in (None, status):
            continue
        per_area[area_id][status] += count
        if filters.area_id in (None, area_id):
            total[status] += count
    narrows = filters.organisation_slug is not None or filters.status is not None
    shown = (
        area.plan_id == plan.id
        and filters.area_id in (None, area.id)
        and (per_area[area.id] or not narrows)
    )
    sections = [plans.AreaSection(area, [], per_area[area.id])] if shown else []
    return {
        "overview": plans.PlanOverview(plan=plan, areas=[], sections=sections, counts=total),
        "unread": {},
        "page_url": url_for("plans.show", plan_id=plan.id, **_kept(query)),
        "updates_url": None,
    }


def _kept(query: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in query.items() if k in FILTER_KEYS and v}


def _lenient_filters(
    query: Mapping[str, str], plan: Plan, slugs: set[str]
) -> plans.OverviewFilters:
    """The page's filters as the overview validates them; anything invalid means none."""
    area, slug, status = (query.get(key) or None for key in FILTER_KEYS)
    try:
        filters = plans.OverviewFilters(
            area_id=int(area) if area else None,
            organisation_slug=slug,
            status=AssignmentStatus(status) if status else None,
        )
    except ValueError:
        return plans.OverviewFilters()
    if slug not in (None, *slugs):
        return plans.OverviewFilters()
    # Only a filtered page needs the plan's areas.
    if filters.area_id is not None and filters.area_id not in {
        area.id for area in plan.areas if area.archived_at is None
    }:
        return plans.OverviewFilters()
    return filters


def activity_context(
    activity_id: int,
    comment_form: CommentForm | None = None,
    personal_data: Sequence[str] = (),
    indicator_form: IndicatorForm | None = None,
    measurement_form: tuple[int, MeasurementForm] | None = None,
) -> dict[str, Any]:
    """What the activity page's templates need: assignments, indicators with their
    progress, and the follow-up timeline. A form that failed comes back with its errors."""
    activity = get_activity_or_404(current_user, activity_id)
    every_indicator = list(
        db.session.execute(
            select(Indicator)
            .where(Indicator.activity_id == activity.id)
            .order_by(Indicator.id)
            # The values table names who logged and who corrected each value.
            .options(
                selectinload(Indicator.measurements).options(
                    selectinload(Measurement.user),
                    selectinload(Measurement.organisation),
                    selectinload(Measurement.updated_by),
                )
            )
        ).scalars()
    )
    indicator_list = [i for i in every_indicator if i.archived_at is None]
    marker = current_marker()
    history = db.session.execute(
        select(StatusChange)
        .where(StatusChange.assignment_id.in_([a.id for a in activity.assignments]))
        .order_by(StatusChange.created_at, StatusChange.id)
        .options(selectinload(StatusChange.user).selectinload(User.functions))
    ).scalars()
    thread = threads.find_thread(activity.area.plan, activity)
    comments = threads.visible_comments(current_user, thread)
    return {
        "activity": activity,
        "plan": activity.area.plan,
        "thread": thread,
        "thread_title": _("Follow-up"),
        "empty_text": _("Nothing has been reported or discussed yet."),
        "post_url": url_for("threads.post_on_activity", activity_id=activity.id),
        "comments": comments,
        "timeline": threads.timeline(list(history), comments),
        "comment_form_data": comment_form or CommentForm(formdata=None),
        "personal_data": personal_data,
        "indicators": [(i, indicators.progress(i)) for i in indicator_list],
        "archived_indicators": [
            (i, indicators.progress(i)) for i in every_indicator if i.archived_at is not None
        ],
        "indicator_form": indicator_form or IndicatorForm(formdata=None),
        "measurement_forms": {
            i.id: measurement_form[1]
            if measurement_form and measurement_form[0] == i.id
            else MeasurementForm(formdata=None)
            for i in indicator_list
        },
        "page_url": url_for("activities.show", activity_id=activity.id),
        "updates_url": url_for(
            "activities.updates",
            activity_id=activity.id,
            since=marker.status_change,
            comments=marker.comment,
        ),
    }


def discussion_context(
    plan_id: int,
    comment_form: CommentForm | None = None,
    personal_data: Sequence[str] = (),
) -> dict[str, Any]:
    """What the plan's general discussion page needs."""
    plan = get_plan_or_404(current_user, plan_id)
    marker = current_marker()
    thread = threads.find_thread(plan)
    comments = threads.visible_comments(current_user, thread)
    return {
        "plan": plan,
        "thread": thread,
        "thread_title": _("Comments"),
        "empty_text": _("Nobody has written anything yet."),
        "post_url": url_for("threads.post_on_plan", plan_id=plan.id),
        "comments": comments,
        "timeline": threads.timeline([], comments),
        "comment_form_data": comment_form or CommentForm(formdata=None),
        "personal_data": personal_data,
        "page_url": url_for("threads.discussion", plan_id=plan.id),
        "updates_url": url_for(
            "threads.discussion_updates", plan_id=plan.id, comments=marker.comment
        ),
    }


def round_thread_context(
    rnd: FollowUpRound,
    comment_form: CommentForm | None = None,
    personal_data: Sequence[str] = (),
) -> dict[str, Any]:
    """The round's own thread, for the round page."""
    thread = threads.find_thread(rnd.plan, rnd)
    comments = threads.visible_comments(current_user, thread)
    return {
        "round": rnd,
        "plan": rnd.plan,
        "thread": thread,
        "thread_title": _("The round's discussion"),
        "empty_text": _("Nobody has written anything yet."),
        "post_url": url_for("rounds.post_comment", round_id=rnd.id),
        "comments": comments,
        "timeline": threads.timeline([], comments),
        "comment_form_data": comment_form or CommentForm(formdata=None),
        "personal_data": personal_data,
        "page_url": url_for("rounds.show", round_id=rnd.id),
    }


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
            context = saved_on_overview_context(page[1]["plan_id"], page[2], saved)
        else:
            context = overview_context(page[1]["plan_id"], page[2])
        template = "plans/overview.html"
    elif page and page[0] == "activities.show":
        context = activity_context(page[1]["activity_id"])
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
