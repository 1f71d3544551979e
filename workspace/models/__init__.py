"""Typed SQLAlchemy models for the whole domain."""

from .accounts import PasswordLink
from .feedback import (
    ACCESSIBILITY_DESCRIPTION_MAX_LENGTH,
    PAGE_ADDRESS_MAX_LENGTH,
    AccessibilityReport,
)
from .history import NOTE_MAX_LENGTH, AppendOnlyError, AuditEvent, StatusChange
from .indicators import (
    AGGREGATION_LABELS,
    PERIOD_LABELS,
    Aggregation,
    Indicator,
    Measurement,
    Period,
)
from .organisations import (
    Function,
    FunctionHolding,
    Organisation,
    OrganisationKind,
    Role,
    User,
    function_holders,
)
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
from .rounds import (
    EVIDENCE_KIND_LABELS,
    REPORT_TEXT_MAX_LENGTH,
    ROUND_KIND_LABELS,
    Evidence,
    EvidenceKind,
    FollowUpRound,
    Report,
    RoundKind,
)
from .threads import COMMENT_MAX_LENGTH, VISIBILITY_LABELS, Comment, ReadMarker, Thread, Visibility

__all__ = [
    "ACCESSIBILITY_DESCRIPTION_MAX_LENGTH",
    "AGGREGATION_LABELS",
    "COMMENT_MAX_LENGTH",
    "EVIDENCE_KIND_LABELS",
    "NOTE_MAX_LENGTH",
    "PAGE_ADDRESS_MAX_LENGTH",
    "PERIOD_LABELS",
    "REPORT_TEXT_MAX_LENGTH",
    "ROUND_KIND_LABELS",
    "STATUS_LABELS",
    "VISIBILITY_LABELS",
    "AccessibilityReport",
    "Activity",
    "Aggregation",
    "AppendOnlyError",
    "Area",
    "Assignment",
    "AssignmentStatus",
    "AuditEvent",
    "Comment",
    "Evidence",
    "EvidenceKind",
    "FollowUpRound",
    "Function",
    "FunctionHolding",
    "Indicator",
    "Measurement",
    "Organisation",
    "OrganisationKind",
    "PasswordLink",
    "Period",
    "Plan",
    "ReadMarker",
    "Report",
    "Role",
    "RoundKind",
    "StatusChange",
    "Thread",
    "User",
    "Visibility",
    "function_holders",
    "overall_status",
    "plan_participants",
]
