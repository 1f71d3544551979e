"""Facts (step 1 of the cycle): the year's statistics, survey results and observations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileField
from werkzeug.wrappers import Response
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from ..forms import CheckedByService, Form
from ..htmx import render
from ..models import FACT_KIND_LABELS, VISIBILITY_LABELS, Fact, FactKind, Plan, Visibility
from ..policy import (
    Action,
    Denied,
    FactUse,
    authorize,
    get_fact_or_404,
    get_indicator_or_404,
    get_plan_or_404,
)
from ..services import attachments, facts
from ..services.errors import StaleWrite, ValidationFailed
from ..services.rounds import local_today
from .forms_help import done, errors_onto

bp = Blueprint("facts", __name__)


class FactForm(Form):
    kind = RadioField(
        _l("Kind of fact"),
        choices=[SelectChoice(k.value, FACT_KIND_LABELS[k]) for k in FactKind],
        default=FactKind.STATISTICS.value,
        validators=[CheckedByService()],
    )
    title = StringField(_l("What it is about"), validators=[CheckedByService()])
    year = StringField(_l("Year"), validators=[CheckedByService()])
    source = StringField(_l("Source"), validators=[Optional()])
    period = StringField(_l("Period"), validators=[Optional()])
    # Text, so "2,5" works as it does for indicators.
    value = StringField(_l("Value"), validators=[Optional()])
    unit = StringField(_l("Unit"), validators=[Optional()])
    text = TextAreaField(_l("Text"), validators=[Optional()], render_kw={"rows": 4})
    url = URLField(_l("Link"), validators=[Optional()])
    file = FileField(_l("File"))
    visibility = RadioField(
        _l("Who sees it"),
        choices=[SelectChoice(v.value, VISIBILITY_LABELS[v]) for v in Visibility],
        default=Visibility.SHARED.value,
        validators=[CheckedByService()],
    )


class FactEditForm(FactForm):
    """The fact's fields again; `version` is the fact the user saw."""

    version = IntegerField(validators=[InputRequired()], widget=HiddenField.widget)


class RemoveFactForm(Form):
    version = IntegerField(validators=[InputRequired()], widget=HiddenField.widget)


class UseFactForm(Form):
    measured_on = DateField(_l("Applies to date"), validators=[CheckedByService()])


def _year(plan: Plan) -> int:
    """The year asked for; else the newest with facts (gathered the year after, mostly), else
    this year."""
    year = request.args.get("year", type=int)
    if year and facts.FIRST_YEAR <= year <= facts.LAST_YEAR:
        return year
    return facts.newest_year(current_user, plan) or local_today().year


@bp.get("/plans/<int:plan_id>/facts")
@login_required
def index(plan_id: int) -> Response:
    """The year's facts, grouped by kind, with a year chooser."""
    plan = get_plan_or_404(current_user, plan_id)
    year = _year(plan)
    return render(
        "facts/index.html",
        "fact_list",
        plan=plan,
        year=year,
        years=facts.years_of(current_user, plan, local_today()),
        grouped=facts.facts_of(current_user, plan, year),
        indicators_for=lambda fact: facts.indicators_for(current_user, fact),
        use_form=UseFactForm(formdata=None, measured_on=local_today()),
    )


def _fields(form: FactForm) -> dict[str, Any]:
    upload = form.file.data if form.file.data and getattr(form.file.data, "filename", "") else None
    return {
        **{name: form[name].data for name in facts.FACT_FIELDS},
        "upload": upload.stream if upload else None,
        "filename": upload.filename if upload else None,
    }


def _form_page(plan: Plan, form: FactForm, status: int = 200, **extra: Any) -> Response:
    return render("facts/form.html", "fact_form", status, plan=plan, form=form, **extra)


@bp.route("/plans/<int:plan_id>/facts/new", methods=["GET", "POST"])
@login_required
def new(plan_id: int) -> Response:
    """Record a fact; a refusal answers in place with what the user typed."""
    plan = get_plan_or_404(current_user, plan_id)
    if request.method == "GET":
        authorize(current_user, Action.RECORD_FACT, plan)
        return _form_page(plan, FactForm(formdata=None, year=str(_year(plan))))
    form = FactForm()
    try:
        authorize(current_user, Action.RECORD_FACT, plan)
        if form.validate():
            fact = facts.record(current_user, plan, **_fields(form))
            return done(_("The fact is recorded."), _list_url(fact))
    except ValidationFailed as refused:
        errors_onto(form, refused)
    except Denied as refused:
        return _form_page(plan, form, refused.status, refused=refused.message)
    return _form_page(plan, form, 422)


def _list_url(fact: Fact) -> str:
    return url_for("facts.index", plan_id=fact.plan_id, year=fact.year) + f"#fact-{fact.id}"


@bp.route("/facts/<int:fact_id>/edit", methods=["GET", "POST"])
@login_required
def edit(fact_id: int) -> Response:
    """Correct a fact: 422 with the messages, 409 with both versions, 403 in place."""
    fact = get_fact_or_404(current_user, fact_id)
    if request.method == "GET":
        authorize(current_user, Action.EDIT_FACT, fact)
        form = FactEditForm(formdata=None, data=_as_typed(fact))
        return _form_page(fact.plan, form, fact=fact)
    form, status, extra = FactEditForm(), 422, {}
    try:
        authorize(current_user, Action.EDIT_FACT, fact)
        if form.validate():
            facts.edit(current_user, fact, expected_version=form.version.data, **_fields(form))
            return done(_("The fact is saved."), _list_url(fact))
    except ValidationFailed as refused:
        errors_onto(form, refused)
    except StaleWrite:
        status, extra = 409, {"conflict": True}
        form.version.data = fact.version  # saving again overwrites what the user now saw
    except Denied as refused:
        status, extra = refused.status, {"refused": refused.message}
    return _form_page(fact.plan, form, status, fact=fact, **extra)


def _as_typed(fact: Fact) -> dict[str, Any]:
    """The fact's fields as the form shows them; the value as a Swedish user types it."""
    value = "" if fact.value is None else f"{fact.value.normalize():f}".replace(".", ",")
    data = {name: getattr(fact, name) for name in facts.FACT_FIELDS}
    kinds = {"kind": fact.kind.value, "visibility": fact.visibility.value}
    return {**data, **kinds, "year": str(fact.year), "value": value, "version": fact.version}


@bp.route("/facts/<int:fact_id>/remove", methods=["GET", "POST"])
@login_required
def remove(fact_id: int) -> Response:
    """Confirm, then remove a fact of one's own organisation (audited)."""
    fact = get_fact_or_404(current_user, fact_id)
    authorize(current_user, Action.EDIT_FACT, fact)
    form = RemoveFactForm() if request.method == "POST" else RemoveFactForm(formdata=None)
    status, refused = 200, None
    if request.method == "POST":
        status = 422
        try:
            if form.validate():
                facts.remove(current_user, fact, expected_version=form.version.data)
                return done(_("The fact is removed."), _list_url(fact))
        except ValidationFailed as cited:
            refused = cited.errors["fact"]
        except StaleWrite:
            status = 409
    form.version.data = fact.version
    return render("facts/remove.html", "remove_form", status, fact=fact, form=form, refused=refused)


@bp.get("/facts/<int:fact_id>/file")
@login_required
def download(fact_id: int) -> Response:
    """The fact's file, only to those who may read the fact, never shown inline."""
    fact = get_fact_or_404(current_user, fact_id)
    if not fact.attachment_key:
        abort(404)
    return attachments.send(fact.attachment_key, fact.filename, fact.content_type)


@bp.post("/facts/<int:fact_id>/indicators/<int:indicator_id>/value")
@login_required
def use_as_value(fact_id: int, indicator_id: int) -> Response:
    """Take a shared statistic as an indicator's value: the number is entered once."""
    fact = get_fact_or_404(current_user, fact_id)
    indicator = get_indicator_or_404(current_user, indicator_id)
    authorize(current_user, Action.USE_FACT, FactUse(fact, indicator))
    form = UseFactForm()
    try:
        if form.validate():
            facts.use_as_value(current_user, fact, indicator, form.measured_on.data)
            return done(_("The value is logged from the fact."), _list_url(fact))
    except ValidationFailed as refused:
        errors_onto(form, refused)
        message = next(iter(refused.errors.values()))
    else:
        message = _("Give the date the value applies to.")
    return render(
        "errors/error.html",
        "error",
        422,
        title=_("Nothing was logged"),
        message=message,
        reload=False,
        link=(_list_url(fact), _("Back to the facts")),
    )
