"""Builders for test data that go through the services, so tests exercise the real rules."""

from __future__ import annotations

from sqlalchemy import select

from workspace.extensions import db
from workspace.models import (
    Activity,
    Area,
    Assignment,
    Function,
    Organisation,
    OrganisationKind,
    Plan,
    Role,
    User,
)
from workspace.services import users
from workspace.services.organisations import ensure_organisation

PASSWORD = "test-password-1"

# The seed plan's six areas, in the plan's order.
SEED_AREAS = [
    "Våld i offentlig miljö",
    "Tryggt centrum",
    "Barn och ungdomar",
    "Tillgreppsbrott",
    "Grov organiserad brottslighet",
    "Våld i nära relationer",
]


def demo_user(slug: str, local_part: str) -> User:
    user = users.find_user(slug, f"{local_part}@{slug}.example")
    assert user is not None
    return user


def seed_plan() -> Plan:
    return db.session.execute(select(Plan).order_by(Plan.id)).scalars().first()


def assignment(org_slug: str, function_code: str, area: int = 1, activity: int = 1) -> Assignment:
    """The seed plan's assignment for a function, by area and activity position."""
    return db.session.execute(
        select(Assignment)
        .join(Activity)
        .join(Area)
        .join(Function)
        .join(Organisation)
        .where(Area.position == area, Activity.position == activity)
        .where(Organisation.slug == org_slug, Function.code == function_code)
    ).scalar_one()


def outside_tenant(slug: str = "harnosand", role: Role = Role.ADMIN) -> User:
    """A user of a tenant that takes part in no plan of the demo workspace."""
    org = ensure_organisation(slug, "Härnösands kommun", OrganisationKind.TENANT)
    user = users.create_user(
        org, email=f"{role.value}@{slug}.example", name="Utomstående", role=role, password=PASSWORD
    )
    db.session.commit()
    return user
