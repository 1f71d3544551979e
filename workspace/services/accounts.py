"""Passwords: the rules, changing one's own, and one-time links to set one."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import Notification, NotificationKind, PasswordLink, User
from ..models.types import utcnow
from ..policy import Action, authorize
from . import audit, mailer, notifications, transaction
from .errors import ValidationFailed

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
LINK_LIFETIME = timedelta(hours=48)
_COMMON = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"


@cache
def _common_passwords() -> frozenset[str]:
    lines = _COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, user: User | None = None) -> str | None:
    """Why a password is not good enough, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password must have at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("The password may have at most %(count)d characters.", count=MAX_PASSWORD_LENGTH)
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) <= 2:
        return _("That password is too common. Choose one that is harder to guess.")
    if user is not None and lowered in {user.email.lower(), user.email.split("@")[0].lower()}:
        return _("The password must not be your email address.")
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def change_password(user: User, current: str, new: str) -> None:
    """The user changes their own password; the current one is required."""
    if not check_password_hash(user.password_hash, current or ""):
        raise ValidationFailed({"current_password": _("The current password is wrong.")})
    problem = password_problem(new, user)
    if problem:
        raise ValidationFailed({"new_password": problem})
    with transaction.write():
        user.password_hash = hash_password(new)
        # Sessions and remember-me cookies elsewhere end with the old password.
        user.session_token = secrets.token_urlsafe(32)
        audit.record(user, "account.password_changed", user)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mails_password_link(user: User) -> bool:
    """Whether a new password link is mailed to `user` (mail is on and the account active)
    rather than shown to the admin to hand over."""
    return mailer.mail_enabled() and user.is_active


def issue_password_link(actor: User, user: User) -> str:
    """A one-time secret for `user` to set a password, valid 48 hours. Earlier unused links
    stop working, so only the newest one handed over counts. When `mails_password_link`,
    the link is mailed to the user in the same transaction (the app never shows it)."""
    authorize(actor, Action.MANAGE_USERS, user)
    now = utcnow()
    token = secrets.token_urlsafe(32)
    with transaction.write():
        for link in db.session.execute(
            select(PasswordLink).where(
                PasswordLink.user_id == user.id, PasswordLink.used_at.is_(None)
            )
        ).scalars():
            link.used_at = now
        db.session.add(
            PasswordLink(
                user=user,
                token_hash=_digest(token),
                expires_at=now + LINK_LIFETIME,
                created_by_id=actor.id,
            )
        )
        audit.record(actor, "user.password_link_issued", user)
        if mails_password_link(user):
            notifications.notify(
                user,
                NotificationKind.PASSWORD_LINK,
                link=notifications.path_for("account.index"),
                params={
                    notifications.SECRET_LINK: notifications.path_for(
                        "account.set_password", token=token
                    ),
                    "organisation": user.organisation.name,
                },
            )
    return token


@notifications.renders(NotificationKind.PASSWORD_LINK)
def _password_link_text(notification: Notification) -> notifications.NotificationText:
    # The link itself is in the mail only (`notifications.secret_link`).
    return notifications.NotificationText(
        _("A link to set your password"),
        [
            _(
                "An admin made a one-time link for you to set your password in Samverkan. "
                "It has been mailed to you, works once and for 48 hours."
            )
        ],
        _(
            "You get this because you have an account in %(organisation)s.",
            organisation=notification.params.get("organisation", ""),
        ),
    )


def valid_link(token: str) -> PasswordLink | None:
    """The link for this secret if it is unused and not expired."""
    link = db.session.execute(
        select(PasswordLink).where(PasswordLink.token_hash == _digest(token or ""))
    ).scalar_one_or_none()
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        return None
    return link


def set_password_with_link(token: str, password: str) -> User:
    """Use a one-time link: set the password, and the link is spent."""
    link = valid_link(token)
    if link is None:
        raise ValidationFailed({"token": _("The link has expired or has already been used.")})
    problem = password_problem(password, link.user)
    if problem:
        raise ValidationFailed({"password": problem})
    with transaction.write():
        link.used_at = utcnow()
        link.user.password_hash = hash_password(password)
        link.user.session_token = secrets.token_urlsafe(32)
        audit.record(link.user, "account.password_set_with_link", link.user)
    return link.user


def start_session(user: User) -> None:
    """Give the user a session token if they have none (their sessions carry it)."""
    if not user.session_token:
        # Two first logins at once, on two workers, must not each set a token: the later
        # write would end the other session. Only a row still without one is written.
        with transaction.write():
            db.session.execute(
                update(User)
                .where(User.id == user.id, User.session_token.is_(None))
                .values(session_token=secrets.token_urlsafe(32))
                .execution_options(synchronize_session=False)
            )
        db.session.refresh(user)


def end_sessions(user: User) -> None:
    """Log the user out everywhere: every session and remember-me cookie stops working."""
    with transaction.write():
        user.session_token = secrets.token_urlsafe(32)


def set_locale(user: User, locale: str) -> None:
    """Remember the language the user chose, for their next sessions too."""
    with transaction.write():
        user.locale = locale
