"""How the council worked: the meetings of the crime-prevention council (BRÅ) and its
working group, who came from each organisation, and what they decided.

The annual evaluation reports it. Names of people are not kept: responsibility sits with
functions, and attendance is counted per organisation.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .organisations import Organisation, User, enum_column
from .plans import Plan
from .rounds import FollowUpRound
from .types import TimestampMixin, UTCDateTime

MEETING_TITLE_MAX_LENGTH = 200
MEETING_DECISIONS_MAX_LENGTH = 10_000
MAX_ATTENDEES = 99


class CouncilBody(StrEnum):
    """The plan's two bodies: the council meets every May, its working group every April
    and October; either may meet at other times too."""

    COUNCIL = "council"
    WORKING_GROUP = "working_group"

    @property
    def label(self) -> str:
        return str(COUNCIL_BODY_LABELS[self])


COUNCIL_BODY_LABELS = {
    CouncilBody.COUNCIL: _l("Crime-prevention council"),
    CouncilBody.WORKING_GROUP: _l("Working group"),
}


class CouncilMeeting(TimestampMixin, db.Model):
    """One meeting of the council or its working group: when, what it was, who came and
    what it decided. A body meets at most once a day in a plan."""

    __tablename__ = "council_meetings"
    __table_args__ = (
        UniqueConstraint("plan_id", "body", "held_on"),
        CheckConstraint(
            f"length(decisions) <= {MEETING_DECISIONS_MAX_LENGTH}", name="decisions_length"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    body: Mapped[CouncilBody] = mapped_column(enum_column(CouncilBody, "council_body"))
    held_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(MEETING_TITLE_MAX_LENGTH))
    decisions: Mapped[str] = mapped_column(Text, default="")
    # The follow-up round the meeting went through, when it was recorded from the round.
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("follow_up_rounds.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    plan: Mapped[Plan] = relationship()
    round: Mapped[FollowUpRound | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    attendance: Mapped[list[MeetingAttendance]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", lazy="selectin"
    )

    # An edit made on an older version fails instead of overwriting.
    __mapper_args__ = {"version_id_col": version}

    @property
    def decision_lines(self) -> list[str]:
        """The decisions one per line, list marks dropped."""
        lines = (line.strip().lstrip("-–•*").strip() for line in self.decisions.splitlines())
        return [line for line in lines if line]


class MeetingAttendance(db.Model):
    """Whether an organisation of the plan came to a meeting, and how many of its people."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (
        UniqueConstraint("meeting_id", "organisation_id"),
        CheckConstraint(
            f"attendees IS NULL OR attendees BETWEEN 1 AND {MAX_ATTENDEES}",
            name="attendees_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique constraint's index, meeting first, serves lookups by meeting too.
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meetings.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    attended: Mapped[bool] = mapped_column(default=False)
    attendees: Mapped[int | None] = mapped_column(SmallInteger)

    meeting: Mapped[CouncilMeeting] = relationship(back_populates="attendance")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
