"""WTForms forms; every POST form carries Flask-WTF's CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, RadioField, SelectField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from ..models import STATUS_LABELS, Area, AssignmentStatus, Organisation
from ..services.plans import OverviewFilters


class EmptyForm(FlaskForm):
    """A button-only POST (logout) still needs its CSRF token."""


class LoginForm(FlaskForm):
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

    def set_organisations(self, organisations: list[Organisation]) -> None:
        self.organisation.choices = [(org.slug, org.name) for org in organisations]


class LanguageForm(FlaskForm):
    locale = HiddenField(validators=[AnyOf(["sv", "en"])])


class OverviewFilterForm(FlaskForm):
    """The plan overview's filters, read from the query string (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    area = SelectField(_l("Area"), validators=[Optional()])
    organisation = SelectField(_l("Organisation"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])

    def set_choices(self, areas: list[Area], organisations: list[Organisation]) -> None:
        self.area.choices = [("", _l("All areas")), *((str(a.id), a.title) for a in areas)]
        self.organisation.choices = [
            ("", _l("All organisations")),
            *((org.slug, org.name) for org in organisations),
        ]
        self.status.choices = [
            ("", _l("All statuses")),
            *((s.value, STATUS_LABELS[s]) for s in AssignmentStatus),
        ]

    def filters(self) -> OverviewFilters:
        """The validated choice as service filters (call after `validate`)."""
        return OverviewFilters(
            area_id=int(self.area.data) if self.area.data else None,
            organisation_slug=self.organisation.data or None,
            status=AssignmentStatus(self.status.data) if self.status.data else None,
        )
