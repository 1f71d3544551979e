"""Errors services raise for the web layer to turn into clear answers."""

from __future__ import annotations


class ValidationFailed(Exception):
    """Input breaks a domain rule; `errors` maps field names to messages for the form."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class StaleWrite(Exception):
    """Someone changed the object since the user read it (answers 409)."""
