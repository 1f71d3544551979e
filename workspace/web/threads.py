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
from ..services.errors import StaleWrite, ValidationFailed
from ..services.live import current_marker
from . import page_context
from .auth import safe_next
from .forms_help import errors_onto

bp = Blueprint("threads", __name__)


def _thread_page(comment: Comment) -> str:
    thread = comment.thread
    if thread.activity_id is not None:
        return url_for("activities.show", activity_id=thread.activity_id)
    if thread.round_id is not None:
        return url_for("rounds.show", round_id=thread.round_id)
    if thread.situation_picture_id is not None:
        return url_for("situation.show", picture_id=thread.situation_picture_id)
    return url_for("threads.discussion", plan_id=thread.plan_id)


def _to_comment(comment: Comment) -> Response:
    return redirect_to(f"{_thread_page(comment)}#comment-{comment.id}")


def _the_comment(comment: Comment) -> Response:
    """The comment in place for htmx; without JavaScript, its thread scrolled to it."""
    if not is_fragment_request():
        return _to_comment(comment)
    return _comment_page(comment, None, block="comment")


def _attempt(form: Any, save: Callable[[], Comment]) -> tuple[Comment | None, list[str]]:
    """`save` when the form is complete: the saved comment, or None with the service's
    refusal on the form's fields, and what looked like identity numbers in the text."""
    if form.validate():
        try:
            return save(), []
        except ValidationFailed as refused:
            errors_onto(form, refused)
        except threads.PersonalDataSuspected as suspected:
            return None, suspected.numbers
    return None, []


def _text(form: Any) -> dict[str, Any]:
    """A comment's text from its form, and whether the author confirmed it names nobody."""
    return {
        "body": form.body.data,
        "confirmed_no_personal_data": form.confirm_no_personal_data.data,
    }


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
    comment, personal_data = _attempt(
        form,
        lambda: threads.post(
            current_user, plan, subject, visibility=form.visibility.data, **_text(form)
        ),
    )
    if comment is not None and not is_fragment_request():
        return _to_comment(comment)
    if comment is not None:
        return Response(render_block(THREAD, "comment_posted", comment=comment, **page_context()))
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
        lambda **extra: page_context.activity_context(activity.id, **extra),
    )


@bp.get("/plans/<int:plan_id>/discussion")
@login_required
def discussion(plan_id: int) -> Response:
    """The plan's general thread, for what concerns no single activity."""
    context = page_context.discussion_context(plan_id)
    return page_context.render_and_mark_read("plans/discussion.html", "discussion_body", context)


@bp.get("/plans/<int:plan_id>/discussion/updates")
@login_required
def discussion_updates(plan_id: int) -> Response:
    """Others' comments in the general thread since the page's marker: 204 when none."""
    plan = get_plan_or_404(current_user, plan_id)
    since = query_int(request.args, "comments")
    if current_marker(current_user, plan_id=plan.id, general=True).comment == since:
        return nothing_new()
    context = page_context.discussion_context(plan.id)
    thread = context["thread_view"].thread
    comments = threads.new_in_thread(current_user, thread, since)
    threads.mark_read(current_user, thread, comments)
    new_items = threads.timeline([], comments)
    return render_block(
        "plans/discussion.html",
        "live_updates",
        new_items=new_items,
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
        lambda **extra: page_context.discussion_context(plan.id, **extra),
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
    return _the_comment(get_comment_or_404(current_user, comment_id))


def _refused_comment_edit(comment: Comment, form: Any, block: str) -> Response:
    """The form again with what the user wrote, and the comment as it is now: 410 when it
    was deleted, 409 when it was redacted or changed. Never the text a redaction removed."""
    if comment.is_removed:
        status, extra = (409 if comment.redacted_at else 410), {"removed": True}
    else:
        status, extra = 409, {"conflict": True}
        # Saving again overwrites the version the user has now seen, and only that one.
        form.version.data = comment.version
        form.version.raw_data = [str(comment.version)]
    change = threads.last_change(comment)
    return _comment_page(comment, form, status, block=block, change=change, **extra)


def _change_comment(
    comment: Comment,
    form: Any,
    action: Action,
    block: str,
    save: Callable[[], Comment],
    done: Callable[[Comment], Response],
) -> Response:
    """Edit or redact from the form in `block`: `done` with the saved comment, 422 with the
    form when something is wrong, 410/409 when it was removed or changed meanwhile (the
    service rolled back, so the comment reads as it is now)."""
    if comment.is_removed:
        # Removed while the user was writing: what they wrote stays on screen.
        return _refused_comment_edit(comment, form, block)
    authorize(current_user, action, comment)
    try:
        saved, personal_data = _attempt(form, save)
    except (StaleWrite, threads.CommentRemoved):
        return _refused_comment_edit(comment, form, block)
    if saved is not None:
        return done(saved)
    return _comment_page(comment, form, 422, block=block, personal_data=personal_data)


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(comment_id: int) -> Response:
    """Edit one's own comment in place (a page of its own without JavaScript)."""
    comment = get_comment_or_404(current_user, comment_id)
    if request.method == "GET":
        authorize(current_user, Action.EDIT_COMMENT, comment)
        form = CommentEditForm(formdata=None, body=comment.body, version=comment.version)
        return _comment_page(comment, form)
    form = CommentEditForm()
    return _change_comment(
        comment,
        form,
        Action.EDIT_COMMENT,
        "edit_form",
        lambda: threads.edit(
            current_user, comment, expected_version=form.version.data, **_text(form)
        ),
        _the_comment,
    )


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete_comment(comment_id: int) -> Response:
    """Remove a comment: one's own, or as admin one by one's own organisation."""
    comment = get_comment_or_404(current_user, comment_id)
    try:
        threads.delete(current_user, comment)
    except StaleWrite:
        # Changed in that very moment: show it as it is now, to be removed again if wanted.
        return _comment_page(comment, None, 409, block="comment")
    return _the_comment(comment)


@bp.route("/comments/<int:comment_id>/redact", methods=["GET", "POST"])
@login_required
def redact_comment(comment_id: int) -> Response:
    """An admin replaces a comment of their organisation, with a reason for the log."""
    comment = get_comment_or_404(current_user, comment_id)
    if request.method == "GET":
        authorize(current_user, Action.MODERATE_COMMENT, comment)
        form = RedactForm(formdata=None, version=comment.version)
        return _comment_page(comment, form, block="redact_form")
    form = RedactForm()
    return _change_comment(
        comment,
        form,
        Action.MODERATE_COMMENT,
        "redact_form",
        lambda: threads.redact(current_user, comment, form.reason.data, form.version.data),
        # A page of its own, also for htmx: back to the thread.
        _to_comment,
    )
