"""Users: creating and changing them, activation, and authentication."""

from __future__ import annotations

import re
import secrets

from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import Function, IdentityProvider, Organisation, OrganisationKind, Role, User
from ..policy import Action, authorize, can, may_report
from . import accounts, audit, transaction
from .errors import StaleWrite, ValidationFailed
from .organisations import (
    apply_functions,
    ensure_organisation,
    functions_with_assignments,
    held_when_deactivated,
    telling_of_vacancies,
)
from .text import clean

# Checked when no such user exists, so a wrong email costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("timing-equaliser")

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class WouldLeaveVacant(Exception):
    """Deactivating this user leaves functions with assignments and nobody holding them."""

    def __init__(self, functions: list[Function]) -> None:
        super().__init__(", ".join(f.code for f in functions))
        self.functions = functions


def normalise_email(email: str) -> str:
    return clean(email).lower()


def _checked(
    organisation: Organisation,
    email: str | None,
    name: str | None,
    role: Role | str,
    user: User | None = None,
) -> tuple[str, str, Role]:
    errors: dict[str, str] = {}
    email, name = normalise_email(email or ""), clean(name)
    if not EMAIL.match(email) or len(email) > 254:
        errors["email"] = _("Write a valid email address.")
    elif db.session.scalar(
        select(func.count(User.id)).where(
            User.organisation_id == organisation.id,
            User.email == email,
            User.id != (user.id if user else -1),
        )
    ):
        errors["email"] = _(
            "%(organisation)s already has a user with that email address.",
            organisation=organisation.name,
        )
    if not name:
        errors["name"] = _("Write the person's name.")
    try:
        role = Role(role)
    except ValueError:
        errors["role"] = _("Choose a role.")
    if errors:
        raise ValidationFailed(errors)
    return email, name[:200], role


def create_user(
    organisation: Organisation,
    *,
    email: str,
    name: str,
    role: Role | str,
    password: str | None = None,
    actor: User | None = None,
) -> User:
    """Create a user of a tenant organisation (partners have no logins), inside the caller's
    transaction (`add_user` is the admin's whole action). Without a password the account
    cannot log in until its owner sets one through a one-time link."""
    if organisation.kind is not OrganisationKind.TENANT:
        raise ValidationFailed({"organisation": _("Partner organisations have no logins.")})
    if actor is not None:
        authorize(actor, Action.MANAGE_USERS, organisation)
    email, name, role = _checked(organisation, email, name, role)
    if password is not None:
        problem = accounts.password_problem(password)
        if problem:
            raise ValidationFailed({"password": problem})
    user = User(
        organisation=organisation,
        email=email,
        name=name,
        role=role,
        password_hash=accounts.hash_password(password or secrets.token_urlsafe(32)),
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", user, organisation_id=organisation.id, role=role.value)
    return user


def add_user(
    actor: User,
    organisation: Organisation,
    *,
    email: str,
    name: str,
    role: Role | str,
    function_ids: set[int],
) -> User:
    """An admin adds a person with the functions they hold: one transaction, so a refused
    function leaves no user behind."""
    with transaction.write():
        user = create_user(organisation, email=email, name=name, role=role, actor=actor)
        apply_functions(actor, user, function_ids)
    return user


def create_organisation(
    slug: str,
    name: str,
    kind: OrganisationKind,
    *,
    admin_email: str | None = None,
    admin_name: str | None = None,
    admin_password: str | None = None,
) -> Organisation:
    """The operator's organisation (created if missing) and, given an email, its first
    admin with that password, in one transaction."""
    with transaction.write():
        organisation = ensure_organisation(slug, name, kind)
        if admin_email is not None:
            create_user(
                organisation,
                email=admin_email,
                name=admin_name or "",
                role=Role.ADMIN,
                password=admin_password,
            )
    return organisation


def update_user(
    actor: User,
    user: User,
    *,
    email: str,
    name: str,
    role: Role | str,
    function_ids: set[int] | None = None,
) -> User:
    """An admin changes a user's name, email, role and (given) the functions they hold, in
    one transaction."""
    authorize(actor, Action.MANAGE_USERS, user)
    email, name, role = _checked(user.organisation, email, name, role, user)
    if user.id == actor.id and role is not Role.ADMIN:
        raise ValidationFailed({"role": _("You cannot take away your own admin role.")})
    changes = {
        field: [str(getattr(user, field)), str(value)]
        for field, value in (("email", email), ("name", name), ("role", role.value))
        if str(getattr(user, field)) != str(value)
    }
    with transaction.write(), telling_of_vacancies(user.organisation_id):
        user.email, user.name, user.role = email, name, role
        if changes:  # a form saved unchanged (say, only functions changed) is no user change
            audit.record(actor, "user.updated", user, changes=changes)
        if function_ids is not None:
            apply_functions(actor, user, function_ids)
    return user


def vacated_by(user: User) -> list[Function]:
    """Functions with assignments that become vacant without this user: nobody else who
    may report holds them (a viewer's functions are vacant already)."""
    if not may_report(user):
        return []
    with_work = functions_with_assignments(user.organisation_id)
    return [
        f
        for f in user.functions
        if f.id in with_work and not any(may_report(h) and h.id != user.id for h in f.holders)
    ]


def set_active(
    actor: User,
    user: User,
    active: bool,
    *,
    accept_vacancy: bool = False,
    restore: set[int] | None = None,
) -> None:
    """Deactivate or reactivate a user; nobody is ever deleted, so their history stays.

    A deactivated user gives up the functions they held: someone who has left carries no
    responsibility, but the holding history keeps what they held. Reactivating gives back
    those of them the admin chose (`restore`, among `held_when_deactivated`). Deactivating
    the last holder who may report for a function with assignments is refused with
    `WouldLeaveVacant` unless the admin has seen the warning (`accept_vacancy`). Both answer
    `StaleWrite` when someone else did it first."""
    authorize(actor, Action.MANAGE_USERS, user)
    if not active and user.id == actor.id:
        raise ValidationFailed({"user": _("You cannot deactivate yourself.")})
    if user.active == active:
        raise StaleWrite()
    if not active and not accept_vacancy:
        vacant = vacated_by(user)
        if vacant:
            raise WouldLeaveVacant(vacant)
    with transaction.write(), telling_of_vacancies(user.organisation_id):
        if active:
            offered = held_when_deactivated(user)
            chosen = set(restore or ())
            if chosen - {f.id for f in offered}:
                raise ValidationFailed(
                    {"functions": _("Choose among the functions the person held.")}
                )
            user.active = True
            apply_functions(actor, user, {f.id for f in user.functions} | chosen)
            functions = [f for f in offered if f.id in chosen]
        else:
            functions = apply_functions(actor, user, set(), deactivation=True)
            user.active = False
            user.session_token = secrets.token_urlsafe(32)
        audit.record(
            actor,
            "user.reactivated" if active else "user.deactivated",
            user,
            functions=[f.code for f in functions],  # the person's own organisation's
        )


def find_user(organisation_slug: str, email: str) -> User | None:
    return db.session.execute(
        select(User)
        .join(Organisation)
        .where(Organisation.slug == organisation_slug, User.email == normalise_email(email))
    ).scalar_one_or_none()


def authenticate(organisation_slug: str, email: str, password: str) -> User | None:
    """The active user with these credentials, or None; records the attempt in the audit log.

    Every failure looks the same to the caller, so nobody learns which part was wrong. Right
    credentials of a user whose organisation has switched password login off raise `Denied`.
    """
    user = find_user(organisation_slug, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        with transaction.write():
            audit.record(None, "login.failed", email=normalise_email(email)[:254])
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        with transaction.write():
            audit.record(None, "login.failed", user, organisation_id=user.organisation_id)
        return None
    provider = db.session.execute(
        select(IdentityProvider).where(IdentityProvider.organisation_id == user.organisation_id)
    ).scalar_one_or_none()
    if not can(user, Action.LOG_IN_WITH_PASSWORD, provider):
        with transaction.write():
            audit.record(
                None,
                "login.refused",
                user,
                organisation_id=user.organisation_id,
                method="password",
                reason="password_login_off",
            )
        authorize(user, Action.LOG_IN_WITH_PASSWORD, provider)
    with transaction.write():
        # An admin's password while the organisation signs in through its provider: the
        # break-glass way in, for when the provider is down.
        break_glass = provider is not None and not provider.password_login
        audit.record(
            user, "login", user, method="password", **({"break_glass": True} if break_glass else {})
        )
    return user
