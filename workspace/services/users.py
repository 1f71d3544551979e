"""Users: creation and authentication."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import Organisation, OrganisationKind, Role, User
from . import audit
from .errors import ValidationFailed
from .text import clean

# Checked when no such user exists, so a wrong email costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("timing-equaliser")

MIN_PASSWORD_LENGTH = 10


def normalise_email(email: str) -> str:
    return clean(email).lower()


def create_user(
    organisation: Organisation,
    *,
    email: str,
    name: str,
    role: Role,
    password: str,
    actor: User | None = None,
) -> User:
    """Create a user of a tenant organisation (partners have no logins)."""
    if organisation.kind is not OrganisationKind.TENANT:
        raise ValidationFailed({"organisation": _("Partner organisations have no logins.")})
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            {
                "password": _(
                    "The password must have at least %(count)d characters.",
                    count=MIN_PASSWORD_LENGTH,
                )
            }
        )
    user = User(
        organisation=organisation,
        email=normalise_email(email),
        name=name.strip(),
        role=role,
        password_hash=generate_password_hash(password),
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", user, organisation_id=organisation.id, role=role.value)
    return user


def find_user(organisation_slug: str, email: str) -> User | None:
    return db.session.execute(
        select(User)
        .join(Organisation)
        .where(Organisation.slug == organisation_slug, User.email == normalise_email(email))
    ).scalar_one_or_none()


def authenticate(organisation_slug: str, email: str, password: str) -> User | None:
    """The active user with these credentials, or None; records the attempt in the audit log.

    Every failure looks the same to the caller, so nobody learns which part was wrong.
    """
    user = find_user(organisation_slug, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        audit.record(None, "login.failed", email=normalise_email(email)[:254])
        db.session.commit()
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        audit.record(None, "login.failed", user, organisation_id=user.organisation_id)
        db.session.commit()
        return None
    audit.record(user, "login", user)
    db.session.commit()
    return user
