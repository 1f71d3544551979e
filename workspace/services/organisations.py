"""Organisations and their functions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Activity,
    Area,
    Assignment,
    Function,
    FunctionHolding,
    Notification,
    NotificationKind,
    Organisation,
    OrganisationKind,
    Role,
    User,
    function_holders,
)
from ..models.types import utcnow
from ..policy import Action, authorize, reporting_roles
from . import audit, notifications
from .errors import ValidationFailed


def tenant_by_slug(slug: str) -> Organisation | None:
    return db.session.execute(
        select(Organisation).where(
            Organisation.slug == slug, Organisation.kind == OrganisationKind.TENANT
        )
    ).scalar_one_or_none()


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


def appoint(user: User, function: Function, *, at: datetime | None = None) -> None:
    """Let `user` hold `function`, opening a holding in its history; the database refuses a
    function of another organisation."""
    if function in user.functions:
        return
    db.session.execute(
        function_holders.insert().values(
            user_id=user.id, function_id=function.id, organisation_id=function.organisation_id
        )
    )
    db.session.add(
        FunctionHolding(
            user_id=user.id,
            function_id=function.id,
            organisation_id=function.organisation_id,
            held_from=at or utcnow(),
        )
    )
    db.session.expire(user, ["functions"])
    db.session.expire(function, ["holders"])


def relieve(
    user: User, function_id: int, *, at: datetime | None = None, deactivation: bool = False
) -> None:
    """Take `function_id` from `user`, closing the open holding in its history."""
    db.session.execute(
        function_holders.delete().where(
            function_holders.c.user_id == user.id,
            function_holders.c.function_id == function_id,
        )
    )
    db.session.execute(
        update(FunctionHolding)
        .where(
            FunctionHolding.user_id == user.id,
            FunctionHolding.function_id == function_id,
            FunctionHolding.held_until.is_(None),
        )
        .values(held_until=at or utcnow(), ended_by_deactivation=deactivation)
    )


def apply_functions(
    actor: User, user: User, function_ids: set[int], *, deactivation: bool = False
) -> list[Function]:
    """An admin decides which of the organisation's functions a user holds, inside the
    caller's transaction; the audit rows name the function and the person. Returns the
    functions taken away."""
    authorize(actor, Action.MANAGE_USERS, user)
    own = {f.id: f for f in user.organisation.functions}
    unknown = function_ids - own.keys()
    if unknown:
        raise ValidationFailed({"functions": _("Choose among your organisation's functions.")})
    held = {f.id for f in user.functions}
    now = utcnow()
    person = audit.name_of(user)
    for function_id in sorted(function_ids - held, key=lambda i: own[i].code):
        appoint(user, own[function_id], at=now)
        audit.record(actor, "function.appointed", own[function_id], person=person, user_id=user.id)
    relieved = sorted((own[i] for i in held - function_ids), key=lambda f: f.code)
    for function in relieved:
        relieve(user, function.id, at=now, deactivation=deactivation)
        audit.record(actor, "function.relieved", function, person=person, user_id=user.id)
    db.session.expire(user, ["functions"])
    return relieved


def held_when_deactivated(user: User) -> list[Function]:
    """The functions `user` gave up when last deactivated (all closed in one moment) and
    does not hold again: what reactivating them offers back."""
    last = db.session.scalar(
        select(func.max(FunctionHolding.held_until)).where(
            FunctionHolding.user_id == user.id, FunctionHolding.ended_by_deactivation.is_(True)
        )
    )
    if last is None:
        return []
    held = {f.id for f in user.functions}
    return [
        f
        for f in db.session.execute(
            select(Function)
            .join(FunctionHolding, FunctionHolding.function_id == Function.id)
            .where(
                FunctionHolding.user_id == user.id,
                FunctionHolding.ended_by_deactivation.is_(True),
                FunctionHolding.held_until == last,
            )
            .order_by(Function.code)
        ).scalars()
        if f.id not in held
    ]


def functions_with_assignments(organisation_id: int) -> set[int]:
    """Ids of the organisation's functions that are responsible for some assignment."""
    return set(
        db.session.execute(
            select(Assignment.function_id)
            .join(Function)
            .where(Function.organisation_id == organisation_id, Assignment.archived_at.is_(None))
            .distinct()
        ).scalars()
    )


def _carried() -> Select[tuple[int]]:
    """Ids of the functions that someone who may report holds: every other function with
    assignments is vacant (`policy.may_report`, as a query)."""
    return (
        select(function_holders.c.function_id)
        .join(User, User.id == function_holders.c.user_id)
        .where(User.active.is_(True), User.role.in_(reporting_roles()))
    )


def vacant_functions(organisation_id: int) -> list[Function]:
    """Functions with assignments that no active user who may report holds: work that
    nobody can carry on. Their holders come loaded, to say why they do not count."""
    with_work = functions_with_assignments(organisation_id)
    return list(
        db.session.execute(
            select(Function)
            .where(Function.id.in_(with_work), Function.id.not_in(_carried()))
            .order_by(Function.code)
            .options(selectinload(Function.holders))
        ).scalars()
    )


# Built once: the overview asks on every view, and building it took as long as running it.
_VACANT_IN_PLAN = (
    select(Function)
    .join(Organisation)
    .where(
        Organisation.kind == OrganisationKind.TENANT,
        Function.id.in_(
            select(Assignment.function_id)
            .join(Activity)
            .join(Area)
            .where(
                Area.plan_id == bindparam("plan_id"),
                Area.archived_at.is_(None),
                Activity.archived_at.is_(None),
                Assignment.archived_at.is_(None),
            )
        ),
        Function.id.not_in(_carried()),
    )
    .order_by(Organisation.name, Function.code)
)


def vacant_in_plan(plan_id: int) -> list[Function]:
    """The plan's tenant functions with assignments and no active holder who may report
    (partners have no users, so their functions are never vacant). One query."""
    return list(db.session.execute(_VACANT_IN_PLAN, {"plan_id": plan_id}).scalars())


@contextmanager
def telling_of_vacancies(organisation_id: int) -> Iterator[None]:
    """Wrap a change of who holds what, or who may report, inside the caller's transaction:
    each function it leaves vacant is told to the organisation's admins and coordinators
    (`FUNCTION_VACANT`) in the same transaction. Only a function vacant after the change
    and not before counts, so a vacancy is told once; a later one is told again."""
    before = {f.id for f in vacant_functions(organisation_id)}
    yield
    db.session.flush()
    left_vacant = [f for f in vacant_functions(organisation_id) if f.id not in before]
    if not left_vacant:
        return
    moment = utcnow().isoformat()
    told = db.session.execute(
        select(User)
        .where(
            User.organisation_id == organisation_id,
            User.active.is_(True),
            User.role.in_([Role.ADMIN, Role.COORDINATOR]),
        )
        .order_by(User.id)
    ).scalars()
    for user in list(told):
        for function in left_vacant:
            notifications.notify(
                user,
                NotificationKind.FUNCTION_VACANT,
                link=notifications.path_for(
                    "admin.users_index" if user.role is Role.ADMIN else "plans.index"
                ),
                params={
                    "function_id": function.id,
                    "code": function.code,
                    "name": function.name,
                    "organisation": function.organisation.name,
                },
                reason={"role": True},
                dedupe_key=f"function_vacant:function={function.id}:at={moment}:user={user.id}",
            )


@notifications.renders(NotificationKind.FUNCTION_VACANT)
def _vacant_text(notification: Notification) -> notifications.NotificationText:
    params = notification.params
    return notifications.NotificationText(
        _("%(code)s is vacant", code=params["code"]),
        [
            _(
                "No active user of %(organisation)s who may report holds the function "
                "%(code)s (%(name)s) any more, and it is responsible for assignments. "
                "Appoint someone to it so that its work is carried on.",
                organisation=params["organisation"],
                code=params["code"],
                name=params["name"],
            )
        ],
    )
