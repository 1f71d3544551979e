"""Organisations and their functions."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Function, Organisation, OrganisationKind, User, function_holders


def tenants() -> list[Organisation]:
    """Organisations whose people log in, for the login page."""
    return list(
        db.session.execute(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.TENANT)
            .order_by(Organisation.name)
        ).scalars()
    )


def ensure_organisation(slug: str, name: str, kind: OrganisationKind) -> Organisation:
    """The organisation with this slug, created if missing (name and kind as given)."""
    org = db.session.execute(
        select(Organisation).where(Organisation.slug == slug)
    ).scalar_one_or_none()
    if org is None:
        org = Organisation(slug=slug, name=name, kind=kind)
        db.session.add(org)
        db.session.flush()
    return org


def ensure_function(organisation: Organisation, code: str, name: str) -> Function:
    """The organisation's function with this code, created if missing."""
    function = db.session.execute(
        select(Function).where(Function.organisation_id == organisation.id, Function.code == code)
    ).scalar_one_or_none()
    if function is None:
        function = Function(organisation=organisation, code=code, name=name)
        db.session.add(function)
        db.session.flush()
    return function


def appoint(user: User, function: Function) -> None:
    """Let `user` hold `function`; the database refuses a function of another organisation."""
    if function in user.functions:
        return
    db.session.execute(
        function_holders.insert().values(
            user_id=user.id, function_id=function.id, organisation_id=function.organisation_id
        )
    )
    db.session.expire(user, ["functions"])
    db.session.expire(function, ["holders"])
