"""What a sent form comes to: saved, or shown again with why and with which status."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import flash
from werkzeug.wrappers import Response

from ..htmx import redirect_to
from ..services.errors import StaleWrite, ValidationFailed

T = TypeVar("T")


def errors_onto(form: Any, refused: ValidationFailed) -> None:
    """Put a service's refusal next to the form fields it concerns."""
    for name, message in refused.errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [message]


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """`saved` with the service's `result`, or the `status` to show the form again with."""

    status: int
    saved: bool = False
    result: Any = None


def accepted(form: Any, save: Callable[[], T]) -> Outcome[T]:
    """Validate a sent form and run `save`: 200 when nothing was sent, 422 when the form or
    the service refused it (the service's messages go onto the fields), 409 when someone
    else saved first."""
    if not form.is_submitted():
        return Outcome(200)
    if not form.validate():
        return Outcome(422)
    try:
        return Outcome(200, saved=True, result=save())
    except ValidationFailed as refused:
        errors_onto(form, refused)
        return Outcome(422)
    except StaleWrite:
        return Outcome(409)


def values(form: Any, *names: str) -> dict[str, Any]:
    """The named fields' data, as keyword arguments for a service."""
    return {name: form[name].data for name in names}


def done(message: str, url: str) -> Response:
    """Say what was done on the next page, and go there (POST/redirect/GET)."""
    flash(message, "info")
    return redirect_to(url)


def versioned(form: Any, *names: str) -> dict[str, Any]:
    """The named fields' data and the version the user saw, for a service that checks it."""
    return {**values(form, *names), "expected_version": form.version.data}


def with_functions(form: Any, *names: str) -> dict[str, Any]:
    """The named fields' data and the ids of the functions chosen in the form."""
    return {**values(form, *names), "function_ids": set(form.functions.data or [])}
