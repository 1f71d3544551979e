"""Measurable targets on activities, and the values logged against them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .facts import Fact
from .organisations import Organisation, User, enum_column
from .plans import Activity
from .types import TimestampMixin, UTCDateTime


class Period(StrEnum):
    YEAR = "year"
    MONTH = "month"

    @property
    def label(self) -> str:
        return str(PERIOD_LABELS[self])


PERIOD_LABELS = {Period.YEAR: _l("per year"), Period.MONTH: _l("per month")}


class Aggregation(StrEnum):
    """How a period's measurements make one value."""

    SUM = "sum"  # counts that add up: visits, inspections
    LATEST = "latest"  # a level at a moment: a share, a number of certified shops

    @property
    def label(self) -> str:
        return str(AGGREGATION_LABELS[self])


AGGREGATION_LABELS = {
    Aggregation.SUM: _l("add up the period's values"),
    Aggregation.LATEST: _l("the period's latest value counts"),
}


class Indicator(TimestampMixin, db.Model):
    """ "Grundligt besök av radiobil: minst 12 per år": a target per period on an activity."""

    __tablename__ = "indicators"
    __table_args__ = (CheckConstraint("target > 0", name="target_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(60))
    target: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    period: Mapped[Period] = mapped_column(enum_column(Period, "period"))
    aggregation: Mapped[Aggregation] = mapped_column(enum_column(Aggregation, "aggregation"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Archived: out of the activity's list, the dashboard and new reports; values kept.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    activity: Mapped[Activity] = relationship()
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    # Only the values that stand: a removed one keeps its row (and its audit trail) but
    # leaves every chart, table and export, which all read this collection.
    measurements: Mapped[list[Measurement]] = relationship(
        primaryjoin="and_(Measurement.indicator_id == Indicator.id, "
        "Measurement.removed_at.is_(None))",
        order_by="(Measurement.measured_on, Measurement.id)",
        viewonly=True,
    )

    # A concurrent editor who read an older version fails instead of overwriting.
    __mapper_args__ = {"version_id_col": version}


class Measurement(TimestampMixin, db.Model):
    """A logged value: what, when it was measured, from which source, by whom."""

    __tablename__ = "measurements"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    measured_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(300))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Taken from a shared statistics fact: its value is the fact's and follows the fact's
    # corrections, so a number is entered once. A removed fact leaves the value as it was.
    fact_id: Mapped[int | None] = mapped_column(
        ForeignKey("facts.id", ondelete="SET NULL"), index=True
    )

    indicator: Mapped[Indicator] = relationship()
    fact: Mapped[Fact | None] = relationship()
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    # Two people correcting the same value: the second is told, not silently overwritten.
    __mapper_args__ = {"version_id_col": version}
