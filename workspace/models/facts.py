"""Step 1 of the cycle: the facts each organisation brings to the plan for a year."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .organisations import Organisation, User, enum_column
from .plans import Plan
from .threads import Visibility
from .types import TimestampMixin, UTCDateTime

FACT_TEXT_MAX_LENGTH = 5_000


class FactKind(StrEnum):
    STATISTICS = "statistics"  # "Anmälda tillgreppsbrott, Sollefteå, 2025: 412"
    SURVEY = "survey"  # the police's trygghetsmätning, Brå's NTU
    OBSERVATION = "observation"  # what the field workers see, in words

    @property
    def label(self) -> str:
        return str(FACT_KIND_LABELS[self])


FACT_KIND_LABELS = {
    FactKind.STATISTICS: _l("Statistics"),
    FactKind.SURVEY: _l("Survey result"),
    FactKind.OBSERVATION: _l("Observation"),
}


class Fact(TimestampMixin, db.Model):
    """A statistic, survey result or observation an organisation brings for a plan's year:
    its source and period, a value with its unit or a text, and a link or file behind it."""

    __tablename__ = "facts"
    __table_args__ = (
        CheckConstraint("year BETWEEN 1990 AND 2100", name="year_range"),
        CheckConstraint(f"length(text) <= {FACT_TEXT_MAX_LENGTH}", name="text_length"),
        Index("ix_facts_plan_id_year", "plan_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    year: Mapped[int]
    # The recording organisation: it alone edits the fact, and alone sees it when internal.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility, "visibility"))
    kind: Mapped[FactKind] = mapped_column(enum_column(FactKind, "kind"))
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(300), default="")
    period: Mapped[str] = mapped_column(String(100), default="")  # "2025", "jan–jun 2025"
    value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    unit: Mapped[str] = mapped_column(String(60), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(2000))
    # The file lives outside the web root under this random key, as evidence's does.
    attachment_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    plan: Mapped[Plan] = relationship()
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    # An edit made on an older version fails instead of overwriting.
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_shared(self) -> bool:
        return self.visibility is Visibility.SHARED
