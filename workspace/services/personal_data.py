"""Finding Swedish personal identity numbers, so nobody posts one by mistake.

Follow-up threads are about the plan, never about individual cases. A personnummer or
samordningsnummer (day + 60) is found with or without century and separator, and only
counts when its date is real and its check digit (Luhn) is right, so phone numbers and
registry numbers rarely trip it.
"""

from __future__ import annotations

import re
from datetime import date

_CANDIDATE = re.compile(
    r"(?<![\d-])(?P<century>\d{2})?(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})"
    r"\s?(?P<sep>[-+])?\s?(?P<serial>\d{3})(?P<check>\d)(?![\d-])"
)


def _luhn_ok(ten_digits: str) -> bool:
    total = 0
    for position, char in enumerate(ten_digits[:9]):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10 == int(ten_digits[9])


def _date_ok(century: str | None, yy: str, mm: str, dd: str) -> bool:
    day = int(dd)
    if day > 60:  # samordningsnummer
        day -= 60
    # Without a century any year of it may be meant; 2000 is a leap year, so 29 February passes.
    year = int(century + yy) if century else 2000
    try:
        date(year, int(mm), day)
    except ValueError:
        return False
    return True


def find_identity_numbers(text: str) -> list[str]:
    """Every valid personnummer or samordningsnummer in `text`, as written."""
    found = []
    for match in _CANDIDATE.finditer(text):
        if match["century"] and match["century"] not in ("18", "19", "20"):
            continue
        if not _date_ok(match["century"], match["yy"], match["mm"], match["dd"]):
            continue
        ten = match["yy"] + match["mm"] + match["dd"] + match["serial"] + match["check"]
        if _luhn_ok(ten):
            found.append(match.group(0).strip())
    return found
