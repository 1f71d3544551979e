"""The marker an open page polls against."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, select

from ..extensions import db
from ..models import Comment, StatusChange


class Marker(NamedTuple):
    """The newest status change and the newest comment anywhere."""

    status_change: int
    comment: int


def current_marker() -> Marker:
    """Both newest ids in one query of two primary-key lookups, so an idle poll is cheap."""
    row = db.session.execute(
        select(
            select(func.max(StatusChange.id)).scalar_subquery(),
            select(func.max(Comment.id)).scalar_subquery(),
        )
    ).one()
    return Marker(row[0] or 0, row[1] or 0)
