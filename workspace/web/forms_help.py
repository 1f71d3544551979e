"""Putting a service's refusal next to the form fields it concerns."""

from __future__ import annotations

from typing import Any

from ..services.errors import ValidationFailed


def errors_onto(form: Any, refused: ValidationFailed) -> None:
    for name, message in refused.errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [message]
