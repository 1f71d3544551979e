"""The plan's public page: frozen versions of what citizens may read, each published only
once a coordinator of every participating organisation with logins has agreed to it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .organisations import Organisation, User
from .plans import Plan
from .types import UTCDateTime

INTRO_MAX_LENGTH = 2_000


class Publication(db.Model):
    """One prepared version of the public page: `content` is what the page shows, taken when
    it was prepared, so later changes of the plan reach the page only with a new version."""

    __tablename__ = "publications"
    # Two coordinators preparing at once both take the same next number: one gets 409.
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    plan: Mapped[Plan] = relationship()
    prepared_by: Mapped[User] = relationship(foreign_keys=[prepared_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
    agreements: Mapped[list[PublicationAgreement]] = relationship(
        back_populates="publication",
        order_by="PublicationAgreement.agreed_at",
        cascade="all, delete-orphan",
    )

    @property
    def title(self) -> str:
        """How the audit log names it."""
        return f"{self.plan.title}, {self.number}"


class PublicationAgreement(db.Model):
    """One organisation's coordinator agrees that one version may be public."""

    __tablename__ = "publication_agreements"
    __table_args__ = (UniqueConstraint("publication_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publications.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    coordinator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    publication: Mapped[Publication] = relationship(back_populates="agreements")
    organisation: Mapped[Organisation] = relationship()
    coordinator: Mapped[User] = relationship()
