"""An organisation's own login: the OpenID Connect provider its users sign in with."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .organisations import Organisation, User
from .types import TimestampMixin

ISSUER_MAX_LENGTH = 500
CLIENT_ID_MAX_LENGTH = 255


class IdentityProvider(TimestampMixin, db.Model):
    """One organisation's OpenID Connect issuer; discovery gives its endpoints and keys.

    The client secret is stored encrypted (`services/identity.py`), never in plain text."""

    __tablename__ = "identity_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    issuer: Mapped[str] = mapped_column(String(ISSUER_MAX_LENGTH))
    client_id: Mapped[str] = mapped_column(String(CLIENT_ID_MAX_LENGTH))
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    # Off: the organisation's users sign in only through the provider; its admins keep a
    # password login for when the provider is down (audited).
    password_login: Mapped[bool] = mapped_column(default=True)
    # On: a person the provider vouches for but the workspace does not know becomes a viewer.
    creates_unknown_users: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organisation: Mapped[Organisation] = relationship()
    updated_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def title(self) -> str:
        """How the audit log names it."""
        return self.issuer
