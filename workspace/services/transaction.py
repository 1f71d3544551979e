"""One owner for every write's transaction: the service that makes the change.

A service writes the change and its audit row inside `write()`; leaving the block commits
them together, and any failure rolls both back. Views never commit or roll back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from .errors import StaleWrite


@contextmanager
def write(
    *, conflict_on_duplicate: bool = False, on_failure: Callable[[], None] | None = None
) -> Iterator[None]:
    """Commit what the block wrote, or roll it all back.

    A version check that fails at the flush (`StaleDataError`: someone saved first) becomes
    `StaleWrite`, the 409 conflict. With `conflict_on_duplicate` a unique constraint does too:
    two *first* saves of the same thing both saw none, and the database refuses the later.
    `on_failure` undoes what lives outside the database (a stored file) when nothing commits.
    """
    try:
        yield
        db.session.commit()
    except BaseException as exc:
        db.session.rollback()
        if on_failure is not None:
            on_failure()
        if isinstance(exc, StaleDataError) or (
            conflict_on_duplicate and isinstance(exc, IntegrityError)
        ):
            raise StaleWrite() from exc
        raise
