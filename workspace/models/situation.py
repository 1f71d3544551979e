"""The joint lägesbild (step 2 of the plan's five): one per plan and year, in the three parts
lag 2023:196 names, and the problems it names, which the plan's areas and activities address.

A section cites facts (step 1) of its plan, shared ones only: the lägesbild is a joint
document.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .facts import Fact
from .organisations import Organisation, User, enum_column
from .plans import Activity, Area, Plan
from .types import TimestampMixin, UTCDateTime

SECTION_MAX_LENGTH = 50_000
PROBLEM_TITLE_MAX_LENGTH = 300
PROBLEM_DESCRIPTION_MAX_LENGTH = 5_000


class SituationPart(StrEnum):
    """The three parts the law names, in its order."""

    MAPPING = "mapping"  # crime, its extent and its consequences
    OTHER = "other"  # other relevant information
    ANALYSIS = "analysis"  # analysis, with causes

    @property
    def label(self) -> str:
        return str(PART_LABELS[self])

    @property
    def hint(self) -> str:
        return str(PART_HINTS[self])


PART_LABELS = {
    SituationPart.MAPPING: _l("Mapping"),
    SituationPart.OTHER: _l("Other relevant information"),
    SituationPart.ANALYSIS: _l("Analysis, with causes"),
}
PART_HINTS = {
    SituationPart.MAPPING: _l("The crime in the municipality, its extent and its consequences."),
    SituationPart.OTHER: _l("What else matters for the picture, such as how safe people feel."),
    SituationPart.ANALYSIS: _l("Why the problems arise, and what follows from it."),
}


class SituationPicture(TimestampMixin, db.Model):
    """The joint picture of one plan for one year: drafted, agreed by each organisation,
    then fixed, after which nothing in it changes."""

    __tablename__ = "situation_pictures"
    __table_args__ = (UniqueConstraint("plan_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Every change of a section or a problem takes the next one; an agreement names the one
    # it agreed to, so an agreement to older content is seen as withdrawn.
    content_version: Mapped[int] = mapped_column(default=1, server_default="1")
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fixed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    plan: Mapped[Plan] = relationship()
    fixed_by: Mapped[User | None] = relationship(foreign_keys=[fixed_by_id])
    sections: Mapped[list[SituationSection]] = relationship(
        back_populates="picture", order_by="SituationSection.id", cascade="all, delete-orphan"
    )
    agreements: Mapped[list[SituationAgreement]] = relationship(
        back_populates="picture", cascade="all, delete-orphan"
    )
    problems: Mapped[list[Problem]] = relationship(
        back_populates="picture", order_by="Problem.position", cascade="all, delete-orphan"
    )

    @property
    def is_fixed(self) -> bool:
        return self.fixed_at is not None

    @property
    def title(self) -> str:
        """How the audit log and the pages name it."""
        return f"{_l('Situation picture')} {self.year}"

    def section(self, part: SituationPart) -> SituationSection:
        return next(s for s in self.sections if s.part is part)


situation_section_facts = Table(
    "situation_section_facts",
    db.metadata,
    Column(
        "section_id",
        Integer,
        ForeignKey("situation_sections.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "fact_id", Integer, ForeignKey("facts.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class SituationSection(db.Model):
    """One part of the lägesbild, written on its own with its own version."""

    __tablename__ = "situation_sections"
    __table_args__ = (UniqueConstraint("picture_id", "part"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    picture_id: Mapped[int] = mapped_column(
        ForeignKey("situation_pictures.id", ondelete="CASCADE"), index=True
    )
    part: Mapped[SituationPart] = mapped_column(enum_column(SituationPart, "situation_part"))
    body: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    picture: Mapped[SituationPicture] = relationship(back_populates="sections")
    updated_by: Mapped[User | None] = relationship()
    # What the part rests on; citing is part of its text, so of its version.
    facts: Mapped[list[Fact]] = relationship(
        secondary=situation_section_facts, order_by=(Fact.year.desc(), Fact.id)
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def title(self) -> str:
        return f"{self.part.label} ({self.picture.title})"

    @property
    def cited_facts(self) -> list[Fact]:
        """The cited facts every participant may read: a cited fact stays shared, and should
        one slip through as internal it is still never shown to the others."""
        return [fact for fact in self.facts if fact.is_shared]


class SituationAgreement(db.Model):
    """One organisation's coordinator stands behind one version of the lägesbild."""

    __tablename__ = "situation_agreements"
    __table_args__ = (UniqueConstraint("picture_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    picture_id: Mapped[int] = mapped_column(
        ForeignKey("situation_pictures.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    content_version: Mapped[int]
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    picture: Mapped[SituationPicture] = relationship(back_populates="agreements")
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()

    @property
    def is_current(self) -> bool:
        """Agreed to the content as it is now; any later edit withdraws it."""
        return self.content_version == self.picture.content_version


problem_areas = Table(
    "problem_areas",
    db.metadata,
    Column("problem_id", Integer, ForeignKey("problems.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", Integer, ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True),
)
problem_activities = Table(
    "problem_activities",
    db.metadata,
    Column("problem_id", Integer, ForeignKey("problems.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "activity_id",
        Integer,
        ForeignKey("activities.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Problem(TimestampMixin, db.Model):
    """A problem the lägesbild names, such as violence in public places at closing time."""

    __tablename__ = "problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    picture_id: Mapped[int] = mapped_column(
        ForeignKey("situation_pictures.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(PROBLEM_TITLE_MAX_LENGTH))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)
    # The links to the measures change on their own, after the picture is fixed too, so they
    # are versioned apart from the agreed text (`version`).
    links_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The problem of the year before it was carried over from, when the lägesbild was started.
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("problems.id", ondelete="SET NULL")
    )

    picture: Mapped[SituationPicture] = relationship(back_populates="problems")
    carried_from: Mapped[Problem | None] = relationship(remote_side=[id])
    areas: Mapped[list[Area]] = relationship(secondary=problem_areas, order_by=Area.position)
    activities: Mapped[list[Activity]] = relationship(
        secondary=problem_activities, order_by=Activity.position
    )

    __mapper_args__ = {"version_id_col": version}
