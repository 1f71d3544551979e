"""Follow-up threads: post, edit, remove and redact comments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from werkzeug.wrappers import Response

from ..forms import CommentEditForm, CommentForm, RedactForm
from ..htmx import is_fragment_request, nothing_new, redirect_to, render
from ..models import Comment, Plan
from ..policy import Action, authorize, get_activity_or_404, get_comment_or_404, get_plan_or_404
from ..routing import query_int
from ..services import threads
from ..services.errors import ValidationFailed
from ..services.live import current_marker
from . import live
from .auth import safe_next
from .forms_help import errors_onto

bp = Blueprint("threads", __name__)


def _thread_page(comment: Comment) -> str:
    thread = comment.thread
    if thread.activity_id is not None:
        return url_for("activities.show", activity_id=thread.activity_id)
    if thread.round_id is not None:
        return url_for("rounds.show", round_id=thread.round_id)
    return url_for("threads.discussion", plan_id=thread.plan_id)


THREAD = "threads/thread.html"


def post_in_thread(
    plan: Plan,
    subject: threads.Subject,
    page_template: str,
    page_context: Callable[..., dict[str, Any]],
) -> Response:
    """Post from a thread's form: the comment and a fresh form for htmx, POST/redirect/GET
    without JavaScript, 422 with the form (text kept) when something is wrong."""
    authorize(current_user, Action.COMMENT, plan)
    form = CommentForm()
    personal_data: list[str] = []
    if form.validate():
        try:
            comment = threads.post(
                current_user,
                plan,
                subject,
                form.body.data,
                form.visibility.data,
                confirmed_no_personal_data=form.confirm_no_personal_data.data,
            )
        except ValidationFailed as refused:
            errors_onto(form, refused)
        except threads.PersonalDataSuspected as suspected:
            personal_data = suspected.numbers
        else:
            if not is_fragment_request():
                return redirect_to(f"{_thread_page(comment)}#comment-{comment.id}")
            return Response(
                render_block(THREAD, "comment_posted", comment=comment, **page_context())
            )
    # The page includes the thread component, so its form block is the page's own.
    context = page_context(comment_form=form, personal_data=personal_data)
    if is_fragment_request():
        return Response(render_block(THREAD, "comment_form", **context), 422)
    return Response(render_template(page_template, **context), 422)


@bp.post("/activities/<int:activity_id>/comments")
@login_required
def post_on_activity(activity_id: int) -> Response:
    """Post a comment in the activity's follow-up thread."""
    activity = get_activity_or_404(current_user, activity_id)
    return post_in_thread(
        activity.area.plan,
        activity,
        "activities/show.html",
        lambda **extra: live.activity_context(activity.id, **extra),
    )


@bp.get("/plans/<int:plan_id>/discussion")
@login_required
def discussion(plan_id: int) -> Response:
    """The plan's general thread, for what concerns no single activity."""
    context = live.discussion_context(plan_id)
    response = render("plans/discussion.html", "discussion_body", **context)
    # After rendering: the commit would expire what the page is about to show.
    threads.mark_read(current_user, context["thread"], context["comments"])
    return response


@bp.get("/plans/<int:plan_id>/discussion/updates")
@login_required
def discussion_updates(plan_id: int) -> Response:
    """Others' comments in the general thread since the page's marker: 204 when none."""
    plan = get_plan_or_404(current_user, plan_id)
    since = query_int(request.args, "comments")
    if current_marker().comment == since:
        return nothing_new()
    context = live.discussion_context(plan.id)
    thread = context["thread"]
    comments = [
        c
        for c in threads.comments_since(current_user, since, plan_id=plan.id)
        if thread is not None and c.thread_id == thread.id
    ]
    threads.mark_read(current_user, thread, comments)
    return render_block(
        "plans/discussion.html",
        "live_updates",
        new_items=threads.timeline([], comments),
        new_comments=comments,
        **context,
    )


@bp.post("/plans/<int:plan_id>/discussion")
@login_required
def post_on_plan(plan_id: int) -> Response:
    """Post a comment in the plan's general thread."""
    plan = get_plan_or_404(current_user, plan_id)
    return post_in_thread(
        plan,
        None,
        "plans/discussion.html",
        lambda **extra: live.discussion_context(plan.id, **extra),
    )


def _comment_page(comment: Comment, form: Any, status: int = 200, **extra: Any) -> Response:
    return render(
        "threads/comment.html",
        extra.pop("block", "edit_form"),
        status,
        comment=comment,
        form=form,
        page_url=safe_next(request.values.get("next"), _thread_page(comment)),
        **extra,
    )


@bp.get("/comments/<int:comment_id>")
@login_required
def show_comment(comment_id: int) -> Response:
    """The comment again, when its author cancels an edit."""
    comment = get_comment_or_404(current_user, comment_id)
    if not is_fragment_request():
        return redirect_to(f"{_thread_page(comment)}#comment-{comment.id}")
    return _comment_page(comment, None, block="comment")


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(comment_id: int) -> Response:
    """Edit one's own comment in place (a page of its own without JavaScript)."""
    comment = get_comment_or_404(current_user, comment_id)
    authorize(current_user, Action.EDIT_COMMENT, comment)
    form = CommentEditForm(body=comment.body)
    personal_data: list[str] = []
    if request.method == "POST" and form.validate():
        try:
            threads.edit(
                current_user,
                comment,
                form.body.data,
                confirmed_no_personal_data=form.confirm_no_personal_data.data,
            )
        except ValidationFailed as refused:
            errors_onto(form, refused)
        except threads.PersonalDataSuspected as suspected:
            personal_data = suspected.numbers
        else:
            if not is_fragment_request():
                return redirect_to(f"{_thread_page(comment)}#comment-{comment.id}")
            return _comment_page(comment, None, block="comment")
    status = 422 if request.method == "POST" else 200
    return _comment_page(comment, form, status, personal_data=personal_data)


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete_comment(comment_id: int) -> Response:
    """Remove a comment: one's own, or as admin one by one's own organisation."""
    comment = get_comment_or_404(current_user, comment_id)
    threads.delete(current_user, comment)
    if not is_fragment_request():
        return redirect_to(f"{_thread_page(comment)}#comment-{comment.id}")
    return _comment_page(comment, None, block="comment")


@bp.route("/comments/<int:comment_id>/redact", methods=["GET", "POST"])
@login_required
def redact_comment(comment_id: int) -> Response:
    """An admin replaces a comment of their organisation, with a reason for the log."""
    comment = get_comment_or_404(current_user, comment_id)
    authorize(current_user, Action.MODERATE_COMMENT, comment)
    form = RedactForm()
    if form.validate_on_submit():
        try:
            threads.redact(current_user, comment, form.reason.data)
        except ValidationFailed as refused:
            errors_onto(form, refused)
        else:
            return redirect_to(f"{_thread_page(comment)}#comment-{comment.id}")
    status = 422 if request.method == "POST" else 200
    return _comment_page(comment, form, status, block="redact_form")
