"""Cleaning free text before it is stored."""

from __future__ import annotations

import re

# C0 control characters other than tab and newline, DEL, and lone surrogates: nothing a
# person means to write, and PostgreSQL refuses NUL outright.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def without_invisible(text: str | None) -> str | None:
    """The text with Windows line ends made plain and stray control characters removed;
    every form's text fields pass through it, so NUL never reaches a query."""
    if not text:
        return text
    return _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def clean(text: str | None) -> str:
    """The text with Windows line ends made plain, stray control characters removed and
    surrounding whitespace trimmed."""
    return (without_invisible(text) or "").strip()


# A spreadsheet runs a cell that starts with one of these as a formula (or DDE command).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text that a spreadsheet shows as text: a leading apostrophe before a formula start."""
    return "'" + text if text.startswith(_FORMULA_START) else text
