"""What each page's templates need: the services' view-models with the page's forms and URLs.

The overview and the activity page render from these for a page view, a failed form, a save
and a poll alike (`live_updates`), so all of them show the same pieces the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from ..forms import CommentForm, IndicatorForm, MeasurementForm, OverviewFilterForm
from ..htmx import render
from ..models import Area, Assignment, FollowUpRound, Organisation, SituationPicture
from ..models.types import utcnow
from ..policy import get_activity_or_404, get_plan_or_404
from ..services import activities, organisations, plans, rounds, situation, threads
from ..services.live import current_marker

FILTER_KEYS = ("area", "organisation", "status")


def kept_filters(query: Mapping[str, str]) -> dict[str, str]:
    """The overview's filters in a query string, for links back to the same view."""
    return {k: v for k, v in query.items() if k in FILTER_KEYS and v}


def _filter_form(
    query: Mapping[str, str], areas: list[Area], responsible: list[Organisation]
) -> tuple[OverviewFilterForm, plans.OverviewFilters | None]:
    """The overview's filter form on the page's query, and its filters (None if invalid)."""
    form = OverviewFilterForm(MultiDict(query))
    form.set_choices(areas, responsible)
    return form, form.filters() if form.validate() else None


def overview_context(plan_id: int, query: Mapping[str, str]) -> dict[str, Any]:
    """What the overview's templates need: the plan narrowed by the page's own filters."""
    plan = get_plan_or_404(current_user, plan_id)
    marker = current_marker(current_user, plan_id=plan.id)
    areas = plans.load_areas(plan)
    form, filters = _filter_form(query, areas, plans.responsible_organisations(areas))
    kept = kept_filters(query)
    assignments = [
        a for area in areas for activity in area.activities for a in activity.assignments
    ]
    return {
        "form": form,
        "valid": filters is not None,
        "overview": plans.overview(plan, filters or plans.OverviewFilters(), areas),
        "unread": threads.unread_counts(current_user, plan),
        "reminders": rounds.reminders(plan, current_user, utcnow().date(), assignments),
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
    # Only a filtered page needs the choices its filter is checked against.
    areas = [a for a in plan.areas if a.archived_at is None] if query.get("area") else []
    responsible = plans.responsible_in(plan) if query.get("organisation") else []
    _form, filters = _filter_form(query, areas, responsible)
    return {
        "overview": plans.overview_counts(plan, filters or plans.OverviewFilters(), area),
        "unread": {},
        "page_url": url_for("plans.show", plan_id=plan.id, **kept_filters(query)),
        "updates_url": None,
    }


def _thread_context(
    view: threads.ThreadView,
    post_url: str,
    page_url: str,
    comment_form: CommentForm | None,
    personal_data: Sequence[str],
) -> dict[str, Any]:
    """What the thread component (`threads/thread.html`) reads, beside the page's own keys."""
    return {
        "plan": view.plan,
        "thread_view": view,
        "post_url": post_url,
        "comment_form_data": comment_form or CommentForm(formdata=None),
        "personal_data": personal_data,
        "page_url": page_url,
    }


def render_and_mark_read(template: str, block: str, context: dict[str, Any]) -> Response:
    """A page with a thread, its comments then marked read: after rendering, as the commit
    expires every loaded object, which the page would then load again one by one."""
    response = render(template, block, **context)
    view = context["thread_view"]
    threads.mark_read(current_user, view.thread, view.comments)
    return response


def activity_context(
    activity_id: int,
    comment_form: CommentForm | None = None,
    personal_data: Sequence[str] = (),
    indicator_form: IndicatorForm | None = None,
    measurement_form: tuple[int, MeasurementForm] | None = None,
) -> dict[str, Any]:
    """What the activity page's templates need: assignments, indicators with their
    progress, and the follow-up timeline. A form that failed comes back with its errors."""
    page = activities.activity_page(current_user, get_activity_or_404(current_user, activity_id))
    marker = current_marker(current_user, activity_id=activity_id)
    failed_id, failed_form = measurement_form or (None, None)
    return {
        "activity": page.activity,
        **_thread_context(
            page.thread,
            url_for("threads.post_on_activity", activity_id=activity_id),
            url_for("activities.show", activity_id=activity_id),
            comment_form,
            personal_data,
        ),
        "indicators": page.indicators,
        "archived_indicators": page.archived_indicators,
        "watch": page.watch,
        "problems": situation.problems_of_activity(page.activity),
        "indicator_form": indicator_form or IndicatorForm(formdata=None),
        "measurement_forms": {
            i.id: failed_form if i.id == failed_id else MeasurementForm(formdata=None)
            for i, _progress in page.indicators
        },
        "updates_url": url_for(
            "activities.updates",
            activity_id=activity_id,
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
    marker = current_marker(current_user, plan_id=plan.id, general=True)
    return {
        **_thread_context(
            threads.thread_view(current_user, plan),
            url_for("threads.post_on_plan", plan_id=plan.id),
            url_for("threads.discussion", plan_id=plan.id),
            comment_form,
            personal_data,
        ),
        "updates_url": url_for(
            "threads.discussion_updates", plan_id=plan.id, comments=marker.comment
        ),
    }


def situation_thread_context(
    picture: SituationPicture,
    comment_form: CommentForm | None = None,
    personal_data: Sequence[str] = (),
) -> dict[str, Any]:
    """The lägesbild's own thread, for its page, with the marker its poll sends."""
    view = threads.thread_view(current_user, picture.plan, picture)
    return {
        **_thread_context(
            view,
            url_for("situation.post_comment", picture_id=picture.id),
            url_for("situation.show", picture_id=picture.id),
            comment_form,
            personal_data,
        ),
        "updates_url": url_for(
            "situation.updates",
            picture_id=picture.id,
            comments=threads.newest_visible(current_user, view.thread),
        ),
    }


def round_thread_context(
    rnd: FollowUpRound,
    comment_form: CommentForm | None = None,
    personal_data: Sequence[str] = (),
) -> dict[str, Any]:
    """The round's own thread, for the round page."""
    return {
        "round": rnd,
        **_thread_context(
            threads.thread_view(current_user, rnd.plan, rnd),
            url_for("rounds.post_comment", round_id=rnd.id),
            url_for("rounds.show", round_id=rnd.id),
            comment_form,
            personal_data,
        ),
    }
