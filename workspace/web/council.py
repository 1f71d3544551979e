"""The council's and the working group's meetings: who came from each organisation, what
was decided, and the year's summary."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from ..forms import CheckedByService, Form, _seen_version
from ..htmx import render
from ..models import COUNCIL_BODY_LABELS, CouncilBody, CouncilMeeting, Plan
from ..policy import (
    Action,
    Denied,
    authorize,
    get_meeting_or_404,
    get_plan_or_404,
    get_round_or_404,
)
from ..routing import DB_INT_MAX, query_int
from ..services import council
from ..services.errors import StaleWrite, ValidationFailed
from ..services.rounds import local_today
from ..services.threads import PersonalDataSuspected
from .forms_help import done, errors_onto

bp = Blueprint("council", __name__)


class MeetingForm(Form):
    body = RadioField(
        _l("Which body met"),
        choices=[SelectChoice(b.value, COUNCIL_BODY_LABELS[b]) for b in CouncilBody],
        validators=[CheckedByService()],
    )
    held_on = DateField(_l("Date"), validators=[CheckedByService()])
    title = StringField(_l("Title"), validators=[CheckedByService()])
    decisions = TextAreaField(
        _l("Decisions"),
        validators=[Optional()],
        description=_l("What the meeting decided, one decision a line."),
        render_kw={"rows": 6},
    )
    # The follow-up round the meeting was recorded from, if any.
    round_id = IntegerField(
        _l("Follow-up round"),
        validators=[Optional(), NumberRange(1, DB_INT_MAX)],
        widget=HiddenField.widget,
    )
    confirm_no_personal_data = BooleanField(
        _l("I have checked: the text names no individual and holds no personal data")
    )


class MeetingEditForm(MeetingForm):
    version = _seen_version()


class RemoveMeetingForm(Form):
    version = IntegerField(validators=[InputRequired()], widget=HiddenField.widget)


def _year(plan: Plan) -> int:
    """The year asked for; else the newest with a meeting, else this year."""
    year = request.args.get("year", type=int)
    if year and council.FIRST_YEAR <= year <= council.LAST_YEAR:
        return year
    return council.newest_year(plan) or local_today().year


@bp.get("/plans/<int:plan_id>/meetings")
@login_required
def index(plan_id: int) -> Response:
    """The year's meetings, newest first, under the year's summary, with a year chooser."""
    plan = get_plan_or_404(current_user, plan_id)
    year = _year(plan)
    return render(
        "council/index.html",
        "meeting_list",
        plan=plan,
        year=year,
        years=council.years_of(plan, local_today()),
        meetings=council.meetings_of(plan, year),
        summary=council.summary(plan, year),
    )


def _typed_attendance(plan: Plan) -> dict[int, council.Attendance]:
    """Each organisation's row of the form as sent: ticked, and the number typed."""
    return {
        org.id: council.Attendance(
            attended=bool(request.form.get(f"attended-{org.id}")),
            attendees=request.form.get(council.attendance_field(org.id)),
        )
        for org in council.members(plan)
    }


def _saved_attendance(meeting: CouncilMeeting) -> dict[int, council.Attendance]:
    return {
        row.organisation_id: council.Attendance(
            row.attended, "" if row.attendees is None else str(row.attendees)
        )
        for row in meeting.attendance
    }


def _given(form: MeetingForm, typed: dict[int, council.Attendance]) -> council.MeetingText:
    return council.MeetingText(
        body=form.body.data,
        held_on=form.held_on.data,
        title=form.title.data,
        decisions=form.decisions.data,
        attendance=typed,
        round_id=form.round_id.data,
        confirmed_no_personal_data=bool(form.confirm_no_personal_data.data),
    )


def _form_page(
    plan: Plan,
    form: MeetingForm,
    typed: dict[int, council.Attendance],
    status: int = 200,
    **extra: Any,
) -> Response:
    return render(
        "council/form.html",
        "meeting_form",
        status,
        plan=plan,
        form=form,
        members=council.members(plan),
        typed=typed,
        attendance_field=council.attendance_field,
        **extra,
    )


def _refused(form: MeetingForm, refused: ValidationFailed) -> dict[str, str]:
    """The refusal's messages onto the form's fields; the attendance rows' ones returned."""
    errors_onto(form, refused)
    return {name: message for name, message in refused.errors.items() if name not in form}


def _list_url(meeting: CouncilMeeting) -> str:
    url = url_for("council.index", plan_id=meeting.plan_id, year=meeting.held_on.year)
    return f"{url}#meeting-{meeting.id}"


@bp.route("/plans/<int:plan_id>/meetings/new", methods=["GET", "POST"])
@login_required
def new(plan_id: int) -> Response:
    """Record a meeting; from a round (`?round=`) its body, date and title come filled in.
    A refusal answers in place with what the user typed."""
    plan = get_plan_or_404(current_user, plan_id)
    if request.method == "GET":
        authorize(current_user, Action.RECORD_MEETING, plan)
        rnd = (
            get_round_or_404(current_user, query_int(request.args, "round"))
            if ("round" in request.args)
            else None
        )
        form = MeetingForm(formdata=None, data=council.new_meeting(plan, rnd, local_today()))
        return _form_page(plan, form, {})
    form, typed = MeetingForm(), _typed_attendance(plan)
    status, extra = 422, {}
    try:
        authorize(current_user, Action.RECORD_MEETING, plan)
        if form.validate():
            meeting = council.record(current_user, plan, _given(form, typed))
            return done(_("The meeting is recorded."), _list_url(meeting))
    except ValidationFailed as refused:
        extra = {"attendance_errors": _refused(form, refused)}
    except PersonalDataSuspected as suspected:
        extra = {"personal_data": suspected.numbers}
    except StaleWrite:
        taken = council.meeting_on(plan, form.body.data, form.held_on.data)
        status, extra = 409, {"taken": taken}
    except Denied as refused:
        status, extra = refused.status, {"refused": refused.message}
    return _form_page(plan, form, typed, status, **extra)


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int) -> Response:
    """Correct a meeting: 422 with the messages, 409 with both versions (or the meeting that
    date already has), 403 in place; what the user typed is kept."""
    meeting = get_meeting_or_404(current_user, meeting_id)
    plan = meeting.plan
    if request.method == "GET":
        authorize(current_user, Action.EDIT_MEETING, meeting)
        form = MeetingEditForm(formdata=None, obj=meeting, body=meeting.body.value)
        return _form_page(plan, form, _saved_attendance(meeting), meeting=meeting)
    form, typed = MeetingEditForm(), _typed_attendance(plan)
    status, extra = 422, {}
    try:
        authorize(current_user, Action.EDIT_MEETING, meeting)
        if form.validate():
            council.edit(current_user, meeting, _given(form, typed), form.version.data)
            return done(_("The meeting is saved."), _list_url(meeting))
    except ValidationFailed as refused:
        extra = {"attendance_errors": _refused(form, refused)}
    except PersonalDataSuspected as suspected:
        extra = {"personal_data": suspected.numbers}
    except StaleWrite:
        taken = council.meeting_on(plan, form.body.data, form.held_on.data, other_than=meeting)
        status, extra = 409, {"taken": taken, "conflict": taken is None}
        if taken is None:
            # Saving again overwrites what the user has now seen.
            form.version.data = meeting.version
            form.version.raw_data = [str(meeting.version)]
    except Denied as refused:
        status, extra = refused.status, {"refused": refused.message}
    return _form_page(plan, form, typed, status, meeting=meeting, **extra)


@bp.route("/meetings/<int:meeting_id>/remove", methods=["GET", "POST"])
@login_required
def remove(meeting_id: int) -> Response:
    """Confirm, then remove a meeting recorded by mistake (audited)."""
    meeting = get_meeting_or_404(current_user, meeting_id)
    authorize(current_user, Action.EDIT_MEETING, meeting)
    form = RemoveMeetingForm() if request.method == "POST" else RemoveMeetingForm(formdata=None)
    status = 200
    if request.method == "POST":
        status = 422
        try:
            if form.validate():
                url = url_for("council.index", plan_id=meeting.plan_id, year=meeting.held_on.year)
                council.remove(current_user, meeting, form.version.data)
                return done(_("The meeting is removed."), url)
        except StaleWrite:
            status = 409
    form.version.data = meeting.version
    return render("council/remove.html", "remove_form", status, meeting=meeting, form=form)
