"""User accounts and roles, the log-in sessions kept on the server, personal API tokens, and the
log-in counters."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from annotator.db import Base, UTCDateTime, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    CURATOR = "curator"
    ANNOTATOR = "annotator"


ROLES = tuple(r.value for r in Role)


class User(UserMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    # NFKC + case-folded name (auth.names.username_key): `Ann1` and `ann1` are one account.
    username_key: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20), default=Role.ANNOTATOR.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The secret of the log-in session this object was loaded for (not a column): Flask-Login
    # keeps it in the signed cookie as the user's id, and the server looks it up each request.
    login_key = None  # str | None; unannotated, so the ORM maps no column for it

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)  # werkzeug's scrypt by default

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def get_id(self) -> str | None:
        return self.login_key


class LoginSession(Base):
    """One log-in: its cookie carries a secret whose SHA-256 is ``key_hash``. Deleting the row
    ends the session whatever the cookie says (log-out, new password, deactivation)."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class ApiToken(Base):
    """A personal API token: ``Authorization: Bearer <secret>`` opens ``/api/...`` as its owner.
    Only the SHA-256 of the secret is kept (the secret is shown once, when made); ``prefix``,
    its first characters, tells tokens apart. Revoked tokens stay, for the record."""

    __tablename__ = "api_token"
    __table_args__ = (CheckConstraint("scope IN ('read', 'write')", name="scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(10))  # "read" (GET, HEAD) | "write" (any method)
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who made it (the owner on their account page, or an admin); NULL: the command line.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Updated at most once a minute per token (auth.api_tokens.USE_RESOLUTION), to spare writes.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # NULL: never
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who revoked it (the owner or an admin); NULL with revoked_at set: the command line.
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class RateLimitCounter(Base):
    """A fixed-window counter of the log-in rate limits (``auth.limit_storage``), shared by
    every worker and app server through the database."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # Unix time, as limits uses
