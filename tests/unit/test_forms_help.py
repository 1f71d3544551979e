"""What `accepted` makes of a form and its save: the status every form view answers with."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from workspace.services.errors import StaleWrite, ValidationFailed
from workspace.web.forms_help import accepted


class _Form:
    def __init__(self, submitted: bool = True, valid: bool = True) -> None:
        self.submitted, self.valid = submitted, valid
        self.title = SimpleNamespace(errors=[])

    def is_submitted(self) -> bool:
        return self.submitted

    def validate(self) -> bool:
        return self.valid


def _refuse(error: Exception):
    def save() -> None:
        raise error

    return save


def test_a_saved_form_carries_the_services_result() -> None:
    outcome = accepted(_Form(), lambda: 7)
    assert (outcome.saved, outcome.result) == (True, 7)


@pytest.mark.parametrize(
    ("form", "save", "status"),
    [
        (_Form(submitted=False), lambda: pytest.fail("saved a form nobody sent"), 200),
        (_Form(valid=False), lambda: pytest.fail("saved an invalid form"), 422),
        (_Form(), _refuse(ValidationFailed({"title": "No."})), 422),
        (_Form(), _refuse(StaleWrite()), 409),
    ],
)
def test_a_form_not_saved_says_with_which_status_to_show_it(form, save, status) -> None:
    outcome = accepted(form, save)
    assert (outcome.saved, outcome.status) == (False, status)


def test_the_services_refusal_goes_onto_its_field() -> None:
    form = _Form()
    accepted(form, _refuse(ValidationFailed({"title": "No.", "gone": "Ignored."})))
    assert form.title.errors == ["No."]
