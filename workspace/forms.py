"""WTForms forms; every POST form carries Flask-WTF's CSRF token."""

from __future__ import annotations

from functools import cache
from typing import Any

from babel.support import Translations
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import PasswordInput

from .models import (
    AGGREGATION_LABELS,
    EVIDENCE_KIND_LABELS,
    PERIOD_LABELS,
    ROUND_KIND_LABELS,
    STATUS_LABELS,
    VISIBILITY_LABELS,
    Aggregation,
    Area,
    AssignmentStatus,
    EvidenceKind,
    Organisation,
    Period,
    Role,
    RoundKind,
    Visibility,
)
from .services import audit
from .services.notifications import CHOOSABLE_KINDS, DELIVERY_LABELS, KIND_LABELS
from .services.plans import OverviewFilters
from .services.text import without_invisible


def status_choices() -> list[SelectChoice]:
    return [SelectChoice(s.value, STATUS_LABELS[s]) for s in AssignmentStatus]


class Form(FlaskForm):
    """Every form's base: its text fields drop NUL and other control characters on the way
    in (PostgreSQL refuses NUL in text), before validation and before any service sees them.
    Passwords are left as typed: they are only hashed, never stored as text."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                options["filters"] = (*options.get("filters", ()), without_invisible)
            if options.get("name") == self.csrf_field_name:
                # The token has no label to point at: without an id, pages with several
                # forms have no duplicate id="csrf_token".
                options["render_kw"] = {**(options.get("render_kw") or {}), "id": False}
            return super().bind_field(form, unbound_field, options)

        def get_translations(self, form: Any) -> Translations:
            # Flask-WTF reads WTForms' own messages from disk for every form it makes.
            return _wtforms_translations(str(get_locale()))


@cache
def _wtforms_translations(locale: str) -> Translations:
    """WTForms' built-in messages (a wrong number, a choice not in the list) in `locale`."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


class CheckedByService:
    """A field the service checks, in the words it refuses with (the one place they are
    written): required in the browser as with `InputRequired`, and a field left empty or not
    sent at all goes on to the service as such, not as the field's default."""

    field_flags = {"required": True}

    def __call__(self, form: Any, field: Any) -> None:
        if not field.raw_data or not field.raw_data[0]:
            field.errors[:] = []  # "Not a valid date" and the like: the service says it better
            if not field.raw_data:
                field.data = None
            raise StopValidation()


class EmptyForm(Form):
    """A button-only POST (logout) still needs its CSRF token."""


class LoginForm(Form):
    organisation = RadioField(
        _l("Organisation"), validators=[DataRequired(_l("Choose your organisation."))]
    )
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter your email address.")), Length(max=254)],
        render_kw={"autocomplete": "username", "inputmode": "email", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this computer"))

    def set_organisations(self, organisations: list[Organisation]) -> None:
        self.organisation.choices = [SelectChoice(org.slug, org.name) for org in organisations]


class LanguageForm(Form):
    locale = HiddenField(validators=[AnyOf(["sv", "en"])])


class OverviewFilterForm(Form):
    """The plan overview's filters, read from the query string (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    area = SelectField(_l("Area"), validators=[Optional()])
    organisation = SelectField(_l("Organisation"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])

    def set_choices(self, areas: list[Area], organisations: list[Organisation]) -> None:
        self.area.choices = [
            SelectChoice("", _l("All areas")),
            *(SelectChoice(str(a.id), a.title) for a in areas),
        ]
        self.organisation.choices = [
            SelectChoice("", _l("All organisations")),
            *(SelectChoice(org.slug, org.name) for org in organisations),
        ]
        self.status.choices = [SelectChoice("", _l("All statuses")), *status_choices()]

    def filters(self) -> OverviewFilters:
        """The validated choice as service filters (call after `validate`)."""
        return OverviewFilters(
            area_id=int(self.area.data) if self.area.data else None,
            organisation_slug=self.organisation.data or None,
            status=AssignmentStatus(self.status.data) if self.status.data else None,
        )


class StatusForm(Form):
    """Change an assignment's status; `version` is what the user saw, to catch lost updates.

    The status editor (`templates/assignments/edit.html`) writes its inputs itself, so the
    fields carry no widget settings."""

    status = SelectField(
        _l("Status"),
        choices=status_choices,
        validators=[CheckedByService()],
    )
    note = TextAreaField(_l("Note (optional)"), validators=[Optional()])
    version = IntegerField(validators=[InputRequired()])
    next = HiddenField()


class CommentForm(Form):
    """A comment in a follow-up thread; shared with everyone unless the author says otherwise."""

    # The length is checked by the service on the cleaned text (browsers send line ends as
    # two characters), so the message counts what the user sees.
    body = TextAreaField(
        _l("Comment"),
        validators=[CheckedByService()],
        render_kw={"rows": 4},
    )
    visibility = RadioField(
        _l("Who may read it"),
        choices=[SelectChoice(v.value, VISIBILITY_LABELS[v]) for v in Visibility],
        default=Visibility.SHARED.value,
        validators=[CheckedByService()],
    )
    confirm_no_personal_data = BooleanField(
        _l("I have checked: the comment names no individual and holds no personal data")
    )


def _seen_version() -> IntegerField:
    """The version of what the user saw; without it a save could overwrite unseen changes."""
    return IntegerField(
        validators=[InputRequired(_l("The page is out of date. Reload it and try again."))],
        widget=HiddenField.widget,
    )


class CommentEditForm(Form):
    body = CommentForm.body
    confirm_no_personal_data = CommentForm.confirm_no_personal_data
    version = _seen_version()


class RedactForm(Form):
    reason = TextAreaField(
        _l("Why is it redacted?"),
        validators=[CheckedByService()],
        render_kw={"rows": 2, "maxlength": 500},
    )
    version = _seen_version()


class RoundForm(Form):
    kind = RadioField(
        _l("Kind"),
        choices=[SelectChoice(k.value, ROUND_KIND_LABELS[k]) for k in RoundKind],
        default=RoundKind.WORKING_GROUP.value,
        validators=[CheckedByService()],
    )
    title = StringField(_l("Title"), validators=[Optional()])
    due_on = DateField(_l("Report by"), validators=[CheckedByService()])
    # Offered only once the service has said the date has passed.
    confirm_past_due = BooleanField(_l("Yes, create it with a date that has passed"))


class ReportForm(Form):
    what_was_done = TextAreaField(
        _l("What was done"),
        validators=[CheckedByService()],
        render_kw={"rows": 6},
    )
    # The report the user saw (0: none yet); without it a save could overwrite unseen text.
    version = IntegerField(
        validators=[InputRequired(_l("The page is out of date. Reload it and try again."))],
        widget=HiddenField.widget,
    )


class EvidenceForm(Form):
    kind = RadioField(
        _l("Kind of evidence"),
        choices=[SelectChoice(k.value, EVIDENCE_KIND_LABELS[k]) for k in EvidenceKind],
        default=EvidenceKind.REPORT.value,
        validators=[CheckedByService()],
    )
    title = StringField(_l("Title"), validators=[CheckedByService()])
    url = URLField(_l("Link"), validators=[Optional()])
    file = FileField(_l("File"))
    source = StringField(_l("Source (statistics)"), validators=[Optional()])
    dated_on = DateField(_l("Date (statistics or decision)"), validators=[Optional()])
    registry_number = StringField(_l("Registry number (decision)"), validators=[Optional()])


class CloseRoundForm(Form):
    council_evaluation = TextAreaField(
        _l("How the council itself has worked"), render_kw={"rows": 5}
    )
    confirm = BooleanField(
        _l("I understand that the reports are locked when the round is closed"),
        validators=[DataRequired(_l("Confirm that the round may be closed."))],
    )


class IndicatorForm(Form):
    title = StringField(_l("What is measured"), validators=[CheckedByService()])
    unit = StringField(_l("Unit"), validators=[CheckedByService()])
    # Text, so "2,5" works: the service reads Swedish and English decimals alike.
    target = StringField(_l("Target"), validators=[InputRequired(_l("Give the target."))])
    period = RadioField(
        _l("Period"),
        choices=[SelectChoice(p.value, PERIOD_LABELS[p]) for p in Period],
        default=Period.YEAR.value,
        validators=[CheckedByService()],
    )
    aggregation = RadioField(
        _l("The period's value"),
        choices=[SelectChoice(a.value, AGGREGATION_LABELS[a]) for a in Aggregation],
        default=Aggregation.SUM.value,
        validators=[CheckedByService()],
    )


class MeasurementForm(Form):
    value = StringField(_l("Value"), validators=[CheckedByService()])
    measured_on = DateField(_l("Applies to date"), validators=[CheckedByService()])
    source = StringField(_l("Source"), validators=[CheckedByService()])


class IndicatorEditForm(IndicatorForm):
    """An indicator's fields again; `version` is what the coordinator saw."""

    version = IntegerField(validators=[InputRequired()], widget=HiddenField.widget)


class MeasurementCorrectionForm(MeasurementForm):
    """A logged value corrected; `version` is the value the reporter saw."""

    version = IntegerField(validators=[InputRequired()], widget=HiddenField.widget)


class RemoveMeasurementForm(Form):
    version = IntegerField(validators=[InputRequired()], widget=HiddenField.widget)


ROLE_LABELS = {
    Role.VIEWER: _l("Viewer – reads the plan and the follow-up"),
    Role.MEMBER: _l("Member – reports for the organisation's assignments"),
    Role.COORDINATOR: _l("Coordinator – also runs rounds and the plan's content"),
    Role.ADMIN: _l("Admin – also manages the organisation's users"),
}


class UserForm(Form):
    name = StringField(_l("Name"), validators=[CheckedByService()])
    email = EmailField(_l("Email"), validators=[CheckedByService()])
    role = RadioField(
        _l("Role"),
        choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in Role],
        default=Role.MEMBER.value,
        validators=[CheckedByService()],
    )
    functions = SelectMultipleField(_l("Functions the person holds"), coerce=int)


class ReactivateForm(Form):
    """Reactivating a person: which of the functions they held they take back."""

    # The service says which functions may be given back, in words the admin understands.
    functions = SelectMultipleField(_l("Functions to give back"), coerce=int, validate_choice=False)


class ConfirmForm(Form):
    """A destructive action the user must confirm in so many words."""

    confirm = BooleanField(validators=[DataRequired(_l("Confirm to go on."))])


class PasswordChangeForm(Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired(_l("Choose a new password."))],
        render_kw={"autocomplete": "new-password"},
    )


class SetPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(_l("Choose a new password."))],
        render_kw={"autocomplete": "new-password"},
    )


def _audit_day(form: Form, field: DateField) -> None:
    """A day the audit log can be narrowed to (`audit.day_start` turns it into an instant)."""
    if field.data is not None and not audit.FIRST_DAY <= field.data <= audit.LAST_DAY:
        raise ValidationError(
            _l(
                "Choose a date between %(first)s and %(last)s.",
                first=audit.FIRST_DAY.isoformat(),
                last=audit.LAST_DAY.isoformat(),
            )
        )


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    user = SelectField(_l("Who"), validators=[Optional()])
    action = SelectField(_l("What"), validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional(), _audit_day])
    until = DateField(_l("To"), validators=[Optional(), _audit_day])


class AreaForm(Form):
    title = StringField(_l("Title"), validators=[CheckedByService()])


class AreaTitleForm(AreaForm):
    """Renaming an area; `version` is the title the coordinator saw."""

    version = _seen_version()


class ActivityForm(Form):
    title = StringField(_l("Activity"), validators=[InputRequired(_l("Write a title."))])
    goal = TextAreaField(
        _l("Goal"), validators=[InputRequired(_l("Write the goal."))], render_kw={"rows": 4}
    )
    functions = SelectMultipleField(_l("Responsible functions"), coerce=int)


class ActivityEditForm(ActivityForm):
    """An activity's fields again; `version` is the activity the coordinator saw."""

    version = _seen_version()


class CopyPlanForm(Form):
    title = StringField(
        _l("Title of the new plan"), validators=[InputRequired(_l("Write a title."))]
    )
    period_start = IntegerField(
        _l("First year"), validators=[InputRequired(_l("Give the first year of the new plan."))]
    )


class PlanVersionForm(Form):
    """Reopen a replaced plan or close it again; `version` is the plan the user saw."""

    version = IntegerField(validators=[Optional()], widget=HiddenField.widget)


class RestoreForm(Form):
    """Bring archived content back; `archived` is the archiving the user saw."""

    archived = HiddenField()


class AccessibilityReportForm(Form):
    """The accessibility statement's report form; the service checks what is written."""

    description = TextAreaField(_l("What is the problem?"), render_kw={"rows": 6})
    page_address = StringField(
        _l("Address of the page (optional)"), render_kw={"autocomplete": "url"}
    )
    contact_email = EmailField(
        _l("Your email address, if you want an answer (optional)"),
        render_kw={"autocomplete": "email"},
    )


class NotificationSettingsForm(Form):
    """How the user wants each kind of notification they may choose for; the fields, one per
    kind, are added below. Mandatory kinds have none: a forged one is not even read."""


for _kind in CHOOSABLE_KINDS:
    setattr(
        NotificationSettingsForm,
        _kind.value,
        RadioField(
            KIND_LABELS[_kind],
            choices=[SelectChoice(d.value, label) for d, label in DELIVERY_LABELS.items()],
            validators=[InputRequired(_l("Choose how you want these notifications."))],
        ),
    )


class LoginProviderForm(Form):
    """The organisation's own login, as its admin sets it up."""

    issuer = URLField(_l("Issuer"), validators=[CheckedByService()])
    client_id = StringField(_l("Client id"), validators=[CheckedByService()])
    # Kept on a refused save, as everything the admin typed is; never shown once stored.
    client_secret = PasswordField(
        _l("Client secret"), widget=PasswordInput(hide_value=False), validators=[Optional()]
    )
    password_login = BooleanField(
        _l("The organisation's users may also log in with a password"), default=True
    )
    creates_unknown_users = BooleanField(
        _l("People the login vouches for, whom Samverkan does not know, become viewers")
    )
    # Empty: none was set up when the page was read.
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])
