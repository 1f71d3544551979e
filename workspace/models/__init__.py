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

__all__ = [
    "NOTE_MAX_LENGTH",
    "STATUS_LABELS",
    "Activity",
    "AppendOnlyError",
    "Area",
    "Assignment",
    "AssignmentStatus",
    "AuditEvent",
    "Function",
    "Organisation",
    "OrganisationKind",
    "Plan",
    "Role",
    "StatusChange",
    "User",
    "function_holders",
    "overall_status",
    "plan_participants",
]
