"""Typed SQLAlchemy models for the whole domain."""

from .history import NOTE_MAX_LENGTH, AppendOnlyError, AuditEvent, StatusChange
from .organisations import Function, Organisation, OrganisationKind, Role, User, function_holders
from .plans import (
    STATUS_LABELS,
    Activity,
    Area,
    Assignment,
    AssignmentStatus,
    Plan,
    overall_status,
    plan_participants,
)
from .threads import COMMENT_MAX_LENGTH, VISIBILITY_LABELS, Comment, ReadMarker, Thread, Visibility

__all__ = [
    "COMMENT_MAX_LENGTH",
    "NOTE_MAX_LENGTH",
    "STATUS_LABELS",
    "VISIBILITY_LABELS",
    "Activity",
    "AppendOnlyError",
    "Area",
    "Assignment",
    "AssignmentStatus",
    "AuditEvent",
    "Comment",
    "Function",
    "Organisation",
    "OrganisationKind",
    "Plan",
    "ReadMarker",
    "Role",
    "StatusChange",
    "Thread",
    "User",
    "Visibility",
    "function_holders",
    "overall_status",
    "plan_participants",
]
