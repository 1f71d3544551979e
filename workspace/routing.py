"""Numbers from the URL: path ids and query counters that fit the database's integers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort, request
from werkzeug.routing import IntegerConverter

# Ids and counters are 32-bit INTEGER columns. A bigger number names nothing, and binding one
# fails in the driver (SQLite cannot take more than 64 bits), so it never reaches a query.
DB_INT_MAX = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number beyond the database's range is a 404."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def query_int(args: Mapping[str, str], name: str) -> int:
    """A whole number from 0 to DB_INT_MAX from the query string, or a 400."""
    raw = args.get(name, "")
    if not (raw.isascii() and raw.isdigit()) or int(raw) > DB_INT_MAX:
        abort(400)
    return int(raw)


def page_number() -> int:
    """The `page` of a paged list; anything that is not a page the database can offset to
    (missing, negative, text, beyond its integers) starts at the first page."""
    number = request.args.get("page", 1, type=int)
    return number if 1 <= number <= DB_INT_MAX else 1
