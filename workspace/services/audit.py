"""The append-only audit log."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import AuditEvent, User


def record(
    actor: User | None,
    action: str,
    obj: Any = None,
    *,
    organisation_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit row to the caller's transaction (the caller commits)."""
    event = AuditEvent(
        organisation_id=actor.organisation_id if actor else organisation_id,
        user_id=actor.id if actor else None,
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        details=details,
    )
    db.session.add(event)
    return event
