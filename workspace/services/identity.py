"""Signing in with the organisation's own login: one OpenID Connect provider per
organisation, trusted for that organisation's users only.

Authlib's Flask client runs the flow (authorization code with PKCE, `state` and `nonce`
checked, the ID token's signature against the provider's JWKS, `iss`, `aud`, `exp`, `iat`);
this module keeps the configuration, the encrypted client secret, and who a signed-in
person is in the workspace.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import (
    CLIENT_ID_MAX_LENGTH,
    ISSUER_MAX_LENGTH,
    IdentityProvider,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from ..policy import Action, authorize
from . import accounts, audit, mailer, transaction
from .errors import StaleWrite, ValidationFailed
from .text import clean
from .users import normalise_email

# The claims the workspace reads: `sub` (with `iss`), `email`, `email_verified`, `name`.
SCOPE = "openid email profile"
# An ID token issued more than this far in the future, or expired this long ago, is refused.
CLOCK_SKEW_SECONDS = 60
# A provider that does not answer must not hold a worker for long.
HTTP_TIMEOUT_SECONDS = 10


class SecretUnreadable(Exception):
    """The stored client secret cannot be decrypted with the configured keys."""


def _cipher() -> MultiFernet:
    """The keys of `LOGIN_SECRET_KEYS` (the first encrypts, each decrypts, for rotation);
    without them, a key derived from `SECRET_KEY`."""
    keys = current_app.config.get("LOGIN_SECRET_KEYS") or [_derived_key()]
    return MultiFernet([Fernet(key) for key in keys])


def _derived_key() -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"samverkan login secrets"
    ).derive(secret)
    return base64.urlsafe_b64encode(derived)


def encrypt_secret(secret: str) -> str:
    return _cipher().encrypt(secret.encode()).decode()


def client_secret(provider: IdentityProvider) -> str:
    try:
        return _cipher().decrypt(provider.client_secret_encrypted.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable() from exc


def provider_of(organisation: Organisation) -> IdentityProvider | None:
    return db.session.execute(
        select(IdentityProvider).where(IdentityProvider.organisation_id == organisation.id)
    ).scalar_one_or_none()


def providers_by_organisation() -> dict[int, IdentityProvider]:
    """Every configured provider, by its organisation's id: the login page offers each."""
    return {
        provider.organisation_id: provider
        for provider in db.session.execute(select(IdentityProvider)).scalars()
    }


# --- Configuration -------------------------------------------------------------------------


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _checked_issuer(raw: str | None) -> str:
    issuer = clean(raw)
    parts = urlsplit(issuer)
    # Plain http only to this machine (a provider in a test); anything else needs TLS.
    scheme_ok = parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname))
    if (
        not issuer
        or len(issuer) > ISSUER_MAX_LENGTH
        or not scheme_ok
        or not parts.hostname
        or parts.query
        or parts.fragment
    ):
        raise ValidationFailed({"issuer": _("Write the issuer's address, starting with https://.")})
    return issuer


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def discover(issuer: str) -> dict[str, Any]:
    """The provider's metadata, checked: it must name itself as `issuer` and give the
    endpoints and keys the flow needs."""
    try:
        response = requests.get(discovery_url(issuer), timeout=HTTP_TIMEOUT_SECONDS)
        response.raise_for_status()
        metadata = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ValidationFailed(
            {
                "issuer": _(
                    "No OpenID Connect provider answered at %(url)s.", url=discovery_url(issuer)
                )
            }
        ) from exc
    if not isinstance(metadata, dict) or metadata.get("issuer") != issuer:
        raise ValidationFailed(
            {"issuer": _("The provider names another issuer than %(issuer)s.", issuer=issuer)}
        )
    missing = [
        key
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")
        if not metadata.get(key)
    ]
    if missing:
        raise ValidationFailed(
            {"issuer": _("The provider does not say its %(names)s.", names=", ".join(missing))}
        )
    return metadata


@dataclass(frozen=True)
class ProviderSettings:
    issuer: str | None
    client_id: str | None
    # None or empty: keep the stored secret (required the first time).
    client_secret: str | None
    password_login: bool = True
    creates_unknown_users: bool = False


def configure(
    actor: User | None,
    organisation: Organisation,
    given: ProviderSettings,
    expected_version: int | None = None,
) -> IdentityProvider:
    """Set the organisation's provider, by its admin or (`actor` None) an operator at the
    command line. Discovery must answer before anything is stored. `StaleWrite` when another
    admin changed it since `expected_version` was read, or set it up meanwhile."""
    if actor is not None:
        authorize(actor, Action.MANAGE_LOGIN, organisation)
    if organisation.kind is not OrganisationKind.TENANT:
        raise ValidationFailed({"issuer": _("Partner organisations have no logins.")})
    issuer = _checked_issuer(given.issuer)
    client_id = clean(given.client_id)
    if not client_id or len(client_id) > CLIENT_ID_MAX_LENGTH:
        raise ValidationFailed({"client_id": _("Write the client id the provider gave you.")})
    provider = provider_of(organisation)
    if provider is not None:
        db.session.refresh(provider)
    if (provider.version if provider else None) != expected_version and actor is not None:
        raise StaleWrite()
    secret = given.client_secret or ""
    if provider is None and not secret:
        raise ValidationFailed(
            {"client_secret": _("Write the client secret the provider gave you.")}
        )
    discover(issuer)
    with transaction.write(conflict_on_duplicate=True):
        if provider is None:
            provider = IdentityProvider(organisation=organisation)
            db.session.add(provider)
        provider.issuer, provider.client_id = issuer, client_id
        if secret:
            provider.client_secret_encrypted = encrypt_secret(secret)
        provider.password_login = given.password_login
        provider.creates_unknown_users = given.creates_unknown_users
        provider.updated_by_id = actor.id if actor else None
        db.session.flush()
        audit.record(
            actor,
            "login_provider.configured",
            provider,
            organisation_id=organisation.id,
            issuer=issuer,
            client=client_id,
            secret_changed=bool(secret),
            password_login=given.password_login,
            creates_unknown_users=given.creates_unknown_users,
            by="admin" if actor else "operator",
        )
    return provider


def disable(actor: User | None, organisation: Organisation) -> bool:
    """Remove the organisation's provider: its users log in with passwords again. The
    subjects bound to users stay, so setting the same issuer up again finds them."""
    if actor is not None:
        authorize(actor, Action.MANAGE_LOGIN, organisation)
    provider = provider_of(organisation)
    if provider is None:
        return False
    with transaction.write():
        audit.record(
            actor,
            "login_provider.removed",
            provider,
            organisation_id=organisation.id,
            issuer=provider.issuer,
            by="admin" if actor else "operator",
        )
        db.session.delete(provider)
    return True


def redirect_uri_for(organisation: Organisation) -> str:
    """The address the provider sends people back to, which its IT department registers:
    as this request reaches the site, or (at the command line) under `PUBLIC_URL`."""
    if has_request_context():
        return url_for("auth.provider_callback", slug=organisation.slug, _external=True)
    with current_app.test_request_context():
        path = url_for("auth.provider_callback", slug=organisation.slug)
    try:
        return mailer.absolute(path)
    except mailer.MailConfigError:
        return f"(PUBLIC_URL){path}"


# --- The flow -------------------------------------------------------------------------------


def client(provider: IdentityProvider) -> FlaskOAuth2App:
    """Authlib's client for the provider, built per request from the stored settings, so an
    admin's change takes effect at once. Its state, nonce and PKCE verifier live in the
    session under the organisation's name."""
    name = f"login-{provider.organisation.slug}"
    return FlaskOAuth2App(
        FlaskIntegration(name),
        name=name,
        client_id=provider.client_id,
        client_secret=client_secret(provider),
        server_metadata_url=discovery_url(provider.issuer),
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "default_timeout": HTTP_TIMEOUT_SECONDS,
        },
    )


class SignInRefused(Exception):
    """The provider vouched for the person, but they are not a user the workspace lets in."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


def _refused(provider: IdentityProvider, reason: str, message: str, **details: Any) -> None:
    with transaction.write():
        audit.record(
            None,
            "login.refused",
            organisation_id=provider.organisation_id,
            method="provider",
            reason=reason,
            **details,
        )
    raise SignInRefused(reason, message)


def record_failure(provider: IdentityProvider, reason: str) -> None:
    """A login through the provider that failed before anyone was known: the audit log of
    the organisation says why, for its IT department."""
    with transaction.write():
        audit.record(
            None,
            "login.failed",
            organisation_id=provider.organisation_id,
            method="provider",
            reason=reason,
        )


def _unknown_message(organisation: Organisation) -> str:
    return _(
        "Your login is fine, but Samverkan has no user for you at %(organisation)s. Ask your "
        "organisation's admin to add you with the e-mail address your login gives.",
        organisation=organisation.name,
    )


def sign_in(provider: IdentityProvider, claims: dict[str, Any]) -> User:
    """The organisation's user the verified ID token names: the one bound to its `iss` and
    `sub`, or at the first login only the one whose verified e-mail matches, after which the
    subject is bound. Anyone else is refused, with an audit row; nobody is created unless
    the organisation chose to create unknown people as viewers."""
    organisation = provider.organisation
    issuer, subject = str(claims.get("iss") or ""), str(claims.get("sub") or "")
    if issuer != provider.issuer or not subject:
        _refused(provider, "issuer", _unknown_message(organisation), issuer=issuer)
    subject_details = {"subject": subject[:255]}
    user = db.session.execute(
        select(User).where(User.login_issuer == issuer, User.login_subject == subject)
    ).scalar_one_or_none()
    if user is not None and user.organisation_id != organisation.id:
        # The provider is trusted for its own organisation's users only.
        _refused(provider, "other_organisation", _unknown_message(organisation), **subject_details)
    if user is None:
        user = _first_login(provider, claims, subject_details)
    if not user.active:
        _refused(
            provider,
            "deactivated",
            _(
                "Your user at %(organisation)s is deactivated. Ask your organisation's admin if "
                "you need it again.",
                organisation=organisation.name,
            ),
            user_id=user.id,
        )
    with transaction.write():
        audit.record(user, "login", user, method="provider")
    return user


def _email_verified(claims: dict[str, Any]) -> bool:
    """The provider vouches for the address: `email_verified`, or Microsoft Entra ID's
    optional claim `xms_edov` (its domain owner verified it), since Entra sends no
    `email_verified`."""
    return claims.get("email_verified") is True or claims.get("xms_edov") is True


def _first_login(
    provider: IdentityProvider, claims: dict[str, Any], subject_details: dict[str, Any]
) -> User:
    organisation = provider.organisation
    email = normalise_email(str(claims.get("email") or ""))[:254]
    if not email or not _email_verified(claims):
        _refused(provider, "email_not_verified", _unknown_message(organisation), **subject_details)
    user = db.session.execute(
        select(User).where(User.organisation_id == organisation.id, User.email == email)
    ).scalar_one_or_none()
    if user is not None and user.login_subject is not None:
        # Bound to another subject already: the e-mail alone does not move it.
        _refused(provider, "bound_to_another", _unknown_message(organisation), user_id=user.id)
    if user is None and not provider.creates_unknown_users:
        _refused(provider, "unknown", _unknown_message(organisation), email=email)
    with transaction.write(conflict_on_duplicate=True):
        if user is None:
            user = User(
                organisation=organisation,
                email=email,
                name=clean(str(claims.get("name") or ""))[:200] or email,
                role=Role.VIEWER,
                # No password: the person signs in through the provider.
                password_hash=accounts.hash_password(secrets.token_urlsafe(32)),
            )
            db.session.add(user)
            db.session.flush()
            audit.record(
                None,
                "user.created",
                user,
                organisation_id=organisation.id,
                role=Role.VIEWER.value,
                by="provider",
            )
        user.login_issuer, user.login_subject = provider.issuer, subject_details["subject"]
        audit.record(user, "login.bound", user, issuer=provider.issuer, **subject_details)
    return user


def end_session_url(provider: IdentityProvider, id_token: str, after: str) -> str | None:
    """Where to send the browser so the provider's session ends too, when it offers
    RP-initiated logout; None when it does not, or does not answer."""
    try:
        return client(provider).create_logout_url(
            post_logout_redirect_uri=after, id_token_hint=id_token, client_id=provider.client_id
        )["url"]
    except (RuntimeError, SecretUnreadable, requests.RequestException, ValueError):
        return None
