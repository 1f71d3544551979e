"""Coordinators edit the plan's content and start the next plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..forms import (
    ActivityEditForm,
    ActivityForm,
    AreaForm,
    AreaTitleForm,
    ConfirmForm,
    CopyPlanForm,
    EmptyForm,
    PlanVersionForm,
    RestoreForm,
)
from ..htmx import redirect_to, render
from ..models import Activity, Area, Plan, User
from ..policy import Action, authorize, get_activity_or_404, get_area_or_404, get_plan_or_404
from ..services import content
from ..services.errors import StaleWrite, ValidationFailed
from .forms_help import accepted, done, values, with_functions

bp = Blueprint("content", __name__)


def _editor(
    plan: Plan,
    status: int = 200,
    refused: str | None = None,
    conflict: Area | Activity | None = None,
    renamed: Area | None = None,
    **forms: Any,
) -> Response:
    return render(
        "content/plan.html",
        "editor",
        status,
        plan=plan,
        areas=content.current_areas(plan),
        current_activities=content.current_activities,
        archived_areas=content.archived_areas(plan),
        archived_activities=content.archived_activities(plan),
        archive_marker=content.archive_marker,
        area_form=forms.get("area_form") or AreaForm(formdata=None),
        rename_forms=forms.get("rename_forms", {}),
        action_form=EmptyForm(formdata=None),
        refused=refused,
        conflict=conflict,
        renamed=renamed,
        renamed_by=content.last_edit(renamed) if renamed else None,
    )


def _editor_url(plan_id: int, anchor: str = "") -> str:
    return url_for("content.edit_plan", plan_id=plan_id) + anchor


@bp.route("/plans/<int:plan_id>/content", methods=["GET", "POST"])
@login_required
def edit_plan(plan_id: int) -> Response:
    """The plan's areas and activities, with what a coordinator may change; POST adds an area."""
    plan = get_plan_or_404(current_user, plan_id)
    authorize(current_user, Action.EDIT_PLAN, plan)
    if request.method == "GET":
        return _editor(plan)
    form = AreaForm()
    outcome = accepted(form, lambda: content.add_area(current_user, plan, form.title.data))
    if outcome.saved:
        anchor = f"#area-{outcome.result.id}"
        return done(_("The area is added."), _editor_url(plan.id, anchor))
    return _editor(plan, 422, area_form=form)


@bp.post("/areas/<int:area_id>/title")
@login_required
def rename_area(area_id: int) -> Response:
    """Change an area's title."""
    area = get_area_or_404(current_user, area_id)
    form = AreaTitleForm()
    outcome = accepted(
        form,
        lambda: content.rename_area(current_user, area, form.title.data, form.version.data),
    )
    if outcome.saved:
        return done(_("The area is renamed."), _editor_url(area.plan_id, f"#area-{area.id}"))
    if outcome.status == 409:
        _seen(form, area.version)
        return _editor(area.plan, 409, rename_forms={area.id: form}, renamed=area)
    authorize(current_user, Action.EDIT_PLAN, area.plan)
    return _editor(area.plan, 422, rename_forms={area.id: form})


def _seen(form: Any, version: int) -> None:
    """After a conflict, saving again overwrites the version the user has now seen only."""
    form.version.data = version
    form.version.raw_data = [str(version)]


def _direction() -> int:
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    return -1 if direction == "up" else 1


@bp.post("/areas/<int:area_id>/move")
@login_required
def move_area(area_id: int) -> Response:
    """Move an area one step up or down (keyboard users get buttons, not dragging)."""
    area = get_area_or_404(current_user, area_id)
    if EmptyForm().validate_on_submit():
        direction = _direction()
        content.move_area(current_user, area, direction)
        flash(_moved_message(area.title, direction), "info")
    return redirect_to(_editor_url(area.plan_id, f"#area-{area.id}"))


def _moved_message(title: str, direction: int) -> str:
    # The page reloads; the message (a status region) tells a screen-reader user it worked.
    if direction < 0:
        return _('"%(title)s" moved up.', title=title)
    return _('"%(title)s" moved down.', title=title)


@bp.post("/activities/<int:activity_id>/move")
@login_required
def move_activity(activity_id: int) -> Response:
    """Move an activity one step up or down within its area."""
    activity = get_activity_or_404(current_user, activity_id)
    if EmptyForm().validate_on_submit():
        direction = _direction()
        content.move_activity(current_user, activity, direction)
        flash(_moved_message(activity.title, direction), "info")
    return redirect_to(_editor_url(activity.area.plan_id, f"#activity-{activity.id}"))


def _activity_page(
    plan: Plan,
    form: ActivityForm,
    area: Area,
    activity: Activity | None,
    status: int = 200,
    conflict: bool = False,
) -> Response:
    return render(
        "content/activity.html",
        "activity_form",
        status,
        plan=plan,
        area=area,
        activity=activity,
        form=form,
        conflict=conflict,
        changed_by=content.last_edit(activity) if conflict and activity else None,
    )


def _activity_form(
    plan: Plan, activity: Activity | None = None, fresh: bool = True
) -> ActivityForm:
    kwargs: dict[str, Any] = {}
    if fresh:
        kwargs["formdata"] = None
        if activity is not None:
            kwargs.update(
                title=activity.title,
                goal=activity.goal,
                functions=[a.function_id for a in activity.current_assignments],
                version=activity.version,
            )
    # Editing carries the version the coordinator saw; adding has none to carry.
    form = (ActivityEditForm if activity is not None else ActivityForm)(**kwargs)
    form.functions.choices = [
        (f.id, f"{f.code} – {f.organisation.name}") for f in content.selectable_functions(plan)
    ]
    return form


@bp.route("/areas/<int:area_id>/activities/new", methods=["GET", "POST"])
@login_required
def new_activity(area_id: int) -> Response:
    """Add an activity with its goal and responsible functions to an area."""
    area = get_area_or_404(current_user, area_id)
    authorize(current_user, Action.EDIT_PLAN, area.plan)
    form = _activity_form(area.plan, fresh=request.method == "GET")
    outcome = accepted(
        form,
        lambda: content.add_activity(current_user, area, **with_functions(form, "title", "goal")),
    )
    if outcome.saved:
        anchor = f"#activity-{outcome.result.id}"
        return done(_("The activity is added."), _editor_url(area.plan_id, anchor))
    return _activity_page(area.plan, form, area, None, outcome.status)


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit_activity(activity_id: int) -> Response:
    """Change an activity's title, goal and responsible functions. A function taken off
    keeps its history; new ones start as not started."""
    activity = get_activity_or_404(current_user, activity_id)
    plan = activity.area.plan
    authorize(current_user, Action.EDIT_PLAN, plan)
    form = _activity_form(plan, activity, fresh=request.method == "GET")
    outcome = accepted(form, lambda: _save_activity(activity, form))
    if outcome.saved:
        return done(_("The activity is saved."), _editor_url(plan.id, f"#activity-{activity.id}"))
    conflict = outcome.status == 409
    if conflict:
        _seen(form, activity.version)
    return _activity_page(plan, form, activity.area, activity, outcome.status, conflict)


def _save_activity(activity: Activity, form: ActivityEditForm) -> None:
    fields = with_functions(form, "title", "goal")
    content.edit_activity(current_user, activity, **fields, expected_version=form.version.data)


@bp.route("/areas/<int:area_id>/archive", methods=["GET", "POST"])
@login_required
def archive_area(area_id: int) -> Response:
    """Take an area out of the plan, after a confirmation."""
    area = get_area_or_404(current_user, area_id)
    authorize(current_user, Action.EDIT_PLAN, area.plan)
    return _archived(area.plan, content.archive_area, area, _("The area is archived."))


@bp.route("/activities/<int:activity_id>/archive", methods=["GET", "POST"])
@login_required
def archive_activity(activity_id: int) -> Response:
    """Take an activity out of the plan, after a confirmation."""
    activity = get_activity_or_404(current_user, activity_id)
    plan = activity.area.plan
    authorize(current_user, Action.EDIT_PLAN, plan)
    return _archived(plan, content.archive_activity, activity, _("The activity is archived."))


def _archived(
    plan: Plan, archive: Callable[[User, Any], None], item: Area | Activity, message: str
) -> Response:
    """The confirmation, then the archiving: the editor again, or the confirmation with 422."""
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        archive(current_user, item)
        return done(message, _editor_url(plan.id))
    status = 422 if request.method == "POST" else 200
    return render("content/archive.html", "confirm", status, plan=plan, subject=item, form=form)


def _restored(
    plan: Plan,
    restore: Callable[[User, Any, str | None], None],
    item: Area | Activity,
    message: str,
    anchor: str,
) -> Response:
    form = RestoreForm()
    seen = form.archived.data if form.validate() else None
    try:
        restore(current_user, item, seen)
    except StaleWrite:
        return _editor(plan, 409, conflict=item)
    except ValidationFailed as refused:
        return _editor(plan, 422, refused=" ".join(refused.errors.values()))
    return done(message, _editor_url(plan.id, anchor))


@bp.post("/areas/<int:area_id>/restore")
@login_required
def restore_area(area_id: int) -> Response:
    """Bring an archived area back into the plan, with the activities archived with it."""
    area = get_area_or_404(current_user, area_id)
    authorize(current_user, Action.EDIT_PLAN, area.plan)
    message = _('"%(title)s" is back in the plan.', title=area.title)
    return _restored(area.plan, content.restore_area, area, message, f"#area-{area.id}")


@bp.post("/activities/<int:activity_id>/restore")
@login_required
def restore_activity(activity_id: int) -> Response:
    """Bring an archived activity back into its area."""
    activity = get_activity_or_404(current_user, activity_id)
    plan = activity.area.plan
    authorize(current_user, Action.EDIT_PLAN, plan)
    message = _('"%(title)s" is back in the plan.', title=activity.title)
    return _restored(plan, content.restore_activity, activity, message, f"#activity-{activity.id}")


def _plan_state(plan_id: int, reopen: bool) -> Response:
    plan = get_plan_or_404(current_user, plan_id)
    authorize(current_user, Action.REOPEN_PLAN, plan)
    form = PlanVersionForm()
    change = content.reopen_plan if reopen else content.close_plan
    try:
        change(current_user, plan, form.version.data if form.validate() else None)
    except StaleWrite:
        return render(
            "content/plan_state.html",
            "plan_state",
            409,
            plan=plan,
            wanted_open=reopen,
            form=PlanVersionForm(formdata=None, version=plan.version),
        )
    if reopen:
        flash(_("The plan is open for changes until it is closed again."), "info")
    else:
        flash(_("The plan is closed for changes again."), "info")
    return redirect_to(url_for("plans.show", plan_id=plan.id))


@bp.post("/plans/<int:plan_id>/reopen")
@login_required
def reopen_plan(plan_id: int) -> Response:
    """Open a replaced plan for late changes to statuses, reports and content."""
    return _plan_state(plan_id, reopen=True)


@bp.post("/plans/<int:plan_id>/close")
@login_required
def close_plan(plan_id: int) -> Response:
    """Close a reopened plan for changes again."""
    return _plan_state(plan_id, reopen=False)


@bp.route("/plans/<int:plan_id>/copy", methods=["GET", "POST"])
@login_required
def copy_plan(plan_id: int) -> Response:
    """Start the next three-year plan from this one."""
    plan = get_plan_or_404(current_user, plan_id)
    authorize(current_user, Action.EDIT_PLAN, plan)
    form = CopyPlanForm()
    if request.method == "GET":
        form.title.data, form.period_start.data = plan.title, plan.period_end + 1
    outcome = accepted(
        form, lambda: content.copy_plan(current_user, plan, **values(form, "title", "period_start"))
    )
    if outcome.saved:
        message = _("The new plan is ready. Its statuses start as not started.")
        return done(message, url_for("plans.show", plan_id=outcome.result.id))
    if outcome.status == 409:
        form.title.errors = [
            _("Someone else started the next plan from this one while you were writing.")
        ]
    return render("content/copy.html", "copy_form", outcome.status, plan=plan, form=form)
