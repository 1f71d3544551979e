"""The action plan: areas, activities and the assignments that are followed up."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .organisations import Function, Organisation, User, enum_column
from .types import TimestampMixin, UTCDateTime


class AssignmentStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    ONGOING = "ongoing"  # continuous work that is on track
    DONE = "done"
    DELAYED = "delayed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    AssignmentStatus.NOT_STARTED: _l("Not started"),
    AssignmentStatus.IN_PROGRESS: _l("In progress"),
    AssignmentStatus.ONGOING: _l("Ongoing"),
    AssignmentStatus.DONE: _l("Done"),
    AssignmentStatus.DELAYED: _l("Delayed"),
    AssignmentStatus.CANCELLED: _l("Cancelled"),
}


def overall_status(statuses: Iterable[AssignmentStatus]) -> AssignmentStatus:
    """An activity's status, derived from its assignments (never stored).

    Cancelled assignments do not count unless all are cancelled; one delayed party delays the
    activity; it is done when every party is done, ongoing when every party is done or ongoing,
    and in progress as soon as anyone has started.
    """
    S = AssignmentStatus
    statuses = list(statuses)
    if not statuses:
        return S.NOT_STARTED
    counted = [s for s in statuses if s is not S.CANCELLED]
    if not counted:
        return S.CANCELLED
    if S.DELAYED in counted:
        return S.DELAYED
    if all(s is S.DONE for s in counted):
        return S.DONE
    if all(s in (S.DONE, S.ONGOING) for s in counted):
        return S.ONGOING
    if any(s is not S.NOT_STARTED for s in counted):
        return S.IN_PROGRESS
    return S.NOT_STARTED


plan_participants = Table(
    "plan_participants",
    db.metadata,
    Column("plan_id", Integer, db.ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "organisation_id",
        Integer,
        db.ForeignKey("organisations.id"),
        primary_key=True,
        index=True,
    ),
)


class Plan(TimestampMixin, db.Model):
    """A three-year action plan: the workspace the participating organisations share."""

    __tablename__ = "plans"
    __table_args__ = (CheckConstraint("period_end >= period_start", name="period_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[int]
    period_end: Mapped[int]
    # Starting the next plan ends this one: it is closed for changes (statuses, reports,
    # content) until a coordinator reopens it, and "close again" clears the reopening.
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Reopening and closing again can race; the one who read an older version gets 409.
    version: Mapped[int] = mapped_column(default=1)

    participants: Mapped[list[Organisation]] = relationship(
        secondary=plan_participants, order_by=Organisation.name
    )
    areas: Mapped[list[Area]] = relationship(
        back_populates="plan", order_by="Area.position", cascade="all, delete-orphan"
    )
    replaced_by: Mapped[Plan | None] = relationship(
        remote_side="Plan.id", foreign_keys=[replaced_by_id]
    )
    reopened_by: Mapped[User | None] = relationship(foreign_keys=[reopened_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_ended(self) -> bool:
        """The next plan has replaced this one."""
        return self.ended_at is not None

    @property
    def is_closed(self) -> bool:
        """Ended and not reopened: nothing in it changes any more."""
        return self.ended_at is not None and self.reopened_at is None

    @property
    def period_label(self) -> str:
        return f"{self.period_start}–{self.period_end}"

    def __repr__(self) -> str:
        return f"<Plan {self.id} {self.title!r}>"


class Area(TimestampMixin, db.Model):
    """One of the plan's problem areas, in the plan's order."""

    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("plan_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]
    # Archived content leaves the plan but keeps its history.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped by edits of the title only (not by moves or archiving): what an edit form saw.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    plan: Mapped[Plan] = relationship(back_populates="areas")
    activities: Mapped[list[Activity]] = relationship(
        back_populates="area", order_by="Activity.position", cascade="all, delete-orphan"
    )


class Activity(TimestampMixin, db.Model):
    """What is to be done, with its goal (Mål)."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    goal: Mapped[str] = mapped_column(Text)
    position: Mapped[int]
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped by edits of title, goal or responsible functions (not by moves or archiving).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    area: Mapped[Area] = relationship(back_populates="activities")
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="activity", order_by="Assignment.id", cascade="all, delete-orphan"
    )

    @property
    def current_assignments(self) -> list[Assignment]:
        """The responsible functions now; archived assignments keep their history only."""
        return [a for a in self.assignments if a.archived_at is None]

    @property
    def overall_status(self) -> AssignmentStatus:
        return overall_status(a.status for a in self.current_assignments)


class Assignment(db.Model):
    """One activity for one responsible function: the unit that is followed up."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("activity_id", "function_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    function_id: Mapped[int] = mapped_column(ForeignKey("functions.id"), index=True)
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_column(AssignmentStatus, "status"), default=AssignmentStatus.NOT_STARTED
    )
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    activity: Mapped[Activity] = relationship(back_populates="assignments")
    function: Mapped[Function] = relationship(lazy="joined")
    updated_by: Mapped[User | None] = relationship()

    # A concurrent writer who read an older version fails instead of overwriting.
    __mapper_args__ = {"version_id_col": version}

    @property
    def organisation(self) -> Organisation:
        return self.function.organisation
