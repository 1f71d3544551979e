"""Organisations, the functions that carry responsibility, and the users who log in."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import (
    Column,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import TimestampMixin, UTCDateTime, utcnow


def enum_column(enum: type[StrEnum], name: str) -> Enum:
    """A VARCHAR holding the enum's values, guarded by a CHECK constraint on every backend."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class OrganisationKind(StrEnum):
    TENANT = "tenant"  # its people log in
    PARTNER = "partner"  # named responsible in the plan, but without logins


class Role(StrEnum):
    VIEWER = "viewer"
    MEMBER = "member"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    def at_least(self, other: Role) -> bool:
        """Roles are ordered viewer < member < coordinator < admin."""
        order = list(Role)
        return order.index(self) >= order.index(other)

    @property
    def label(self) -> str:
        return str(ROLE_NAMES[self])


ROLE_NAMES = {
    Role.VIEWER: _l("Viewer"),
    Role.MEMBER: _l("Member"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.ADMIN: _l("Admin"),
}


class Organisation(TimestampMixin, db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind, "kind"))

    functions: Mapped[list[Function]] = relationship(
        back_populates="organisation", order_by="Function.code"
    )

    @property
    def is_partner(self) -> bool:
        return self.kind is OrganisationKind.PARTNER

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


# Who holds which function. The composite keys make the database refuse a user holding a
# function of another organisation.
function_holders = Table(
    "function_holders",
    db.metadata,
    Column("user_id", Integer, primary_key=True),
    Column("function_id", Integer, primary_key=True),
    Column("organisation_id", Integer, nullable=False),
    ForeignKeyConstraint(
        ["user_id", "organisation_id"],
        ["users.id", "users.organisation_id"],
        name="fk_function_holders_user",
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["function_id", "organisation_id"],
        ["functions.id", "functions.organisation_id"],
        name="fk_function_holders_function",
        ondelete="CASCADE",
    ),
)


class FunctionHolding(db.Model):
    """Who held which function, from when until when: `function_holders` says who holds it
    now, this keeps the past, so a reactivated person is offered back what they held."""

    __tablename__ = "function_holdings"
    __table_args__ = (
        ForeignKeyConstraint(
            ["user_id", "organisation_id"],
            ["users.id", "users.organisation_id"],
            name="fk_function_holdings_user",
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["function_id", "organisation_id"],
            ["functions.id", "functions.organisation_id"],
            name="fk_function_holdings_function",
            ondelete="CASCADE",
        ),
        Index("ix_function_holdings_user_until", "user_id", "held_until"),
        Index("ix_function_holdings_function", "function_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column()
    function_id: Mapped[int] = mapped_column()
    user_id: Mapped[int] = mapped_column()
    held_from: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Open (None) while the person holds the function.
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Ended because the person was deactivated, not because an admin took it away.
    ended_by_deactivation: Mapped[bool] = mapped_column(default=False)

    function: Mapped[Function] = relationship(
        foreign_keys=[function_id],
        primaryjoin="FunctionHolding.function_id == Function.id",
        viewonly=True,
    )


class Function(TimestampMixin, db.Model):
    """A position or body that carries responsibility, so work survives staff turnover."""

    __tablename__ = "functions"
    __table_args__ = (
        UniqueConstraint("organisation_id", "code"),
        UniqueConstraint("organisation_id", "name"),
        UniqueConstraint("id", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship(back_populates="functions")
    holders: Mapped[list[User]] = relationship(
        secondary=function_holders, back_populates="functions", viewonly=True
    )

    def __repr__(self) -> str:
        return f"<Function {self.code} of {self.organisation_id}>"


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("organisation_id", "email"),
        UniqueConstraint("id", "organisation_id"),
        # One person at one identity provider is one user of the workspace.
        UniqueConstraint("login_issuer", "login_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    # Part of every session and remember-me cookie: changing it logs the user out everywhere.
    session_token: Mapped[str | None] = mapped_column(String(64))
    # Who the user is at their organisation's identity provider (`iss` + `sub` of its ID
    # token), bound at their first login there.
    login_issuer: Mapped[str | None] = mapped_column(String(500))
    login_subject: Mapped[str | None] = mapped_column(String(255))

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    functions: Mapped[list[Function]] = relationship(
        secondary=function_holders,
        back_populates="holders",
        viewonly=True,
        order_by="Function.code",
    )

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<User {self.email} of {self.organisation_id}>"
