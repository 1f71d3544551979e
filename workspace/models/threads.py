"""Follow-up threads: comments on an activity or a plan, and who has read how far."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .organisations import Organisation, User, enum_column
from .plans import Activity, Plan
from .types import TimestampMixin, UTCDateTime

COMMENT_MAX_LENGTH = 10_000


class Visibility(StrEnum):
    SHARED = "shared"  # every participating organisation
    INTERNAL = "internal"  # only the author's organisation

    @property
    def label(self) -> str:
        return str(VISIBILITY_LABELS[self])


VISIBILITY_LABELS = {
    Visibility.SHARED: _l("Shared with all organisations"),
    Visibility.INTERNAL: _l("Internal to my organisation"),
}


GENERAL_THREAD = "activity_id IS NULL AND round_id IS NULL AND situation_picture_id IS NULL"
# At most one subject: an activity, a round or a lägesbild (none: the plan in general).
ONE_SUBJECT = (
    "(activity_id IS NULL OR round_id IS NULL) AND (situation_picture_id IS NULL"
    " OR (activity_id IS NULL AND round_id IS NULL))"
)


class Thread(TimestampMixin, db.Model):
    """The discussion of one activity, of one follow-up round, of one lägesbild, or of the
    plan in general."""

    __tablename__ = "threads"
    __table_args__ = (
        UniqueConstraint("activity_id"),
        UniqueConstraint("round_id"),
        UniqueConstraint("situation_picture_id"),
        CheckConstraint(ONE_SUBJECT, name="one_subject"),
        # One general thread per plan; SQLite and PostgreSQL both know partial indexes.
        Index(
            "uq_threads_general_per_plan",
            "plan_id",
            unique=True,
            sqlite_where=text(GENERAL_THREAD),
            postgresql_where=text(GENERAL_THREAD),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("follow_up_rounds.id", ondelete="CASCADE")
    )
    situation_picture_id: Mapped[int | None] = mapped_column(
        ForeignKey("situation_pictures.id", ondelete="CASCADE")
    )

    plan: Mapped[Plan] = relationship()
    activity: Mapped[Activity | None] = relationship()


class Comment(TimestampMixin, db.Model):
    """A post in a thread. Deleting or redacting keeps the row and drops the text."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint(f"length(body) <= {COMMENT_MAX_LENGTH}", name="body_length"),
        Index("ix_comments_thread_id_id", "thread_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The author's organisation when posting: it decides who may read an internal comment.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility, "visibility"))
    body: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    thread: Mapped[Thread] = relationship()
    author: Mapped[User] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")

    # An edit, removal or redaction made on an older version fails instead of overwriting.
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_removed(self) -> bool:
        return self.deleted_at is not None or self.redacted_at is not None


class ReadMarker(db.Model):
    """How far a user has read a thread: the newest comment id they have seen."""

    __tablename__ = "read_markers"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    )
    last_read_comment_id: Mapped[int] = mapped_column(default=0)
