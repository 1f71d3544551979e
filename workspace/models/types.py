"""Column types and mixins shared by the models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Set only while history from before the workspace is recorded (the demo's past year).
_recorded_at: ContextVar[datetime | None] = ContextVar("recorded_at", default=None)


def utcnow() -> datetime:
    """Now, in UTC; inside `recorded_at(moment)`, that moment."""
    return _recorded_at.get() or datetime.now(UTC)


def recording_history() -> bool:
    """Inside `recorded_at`: what is written happened before the workspace."""
    return _recorded_at.get() is not None


@contextmanager
def recorded_at(moment: datetime) -> Iterator[None]:
    """Record what the services write inside the block as done at `moment`.

    Every timestamp the services and models take (created, reported, closed, audited)
    comes from `utcnow`, so history from before the workspace is written through the same
    rules as today's clicks, only dated when it happened. Never used for a user's request.
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use an aware UTC datetime")
    token = _recorded_at.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _recorded_at.reset(token)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
