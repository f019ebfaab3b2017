"""Tables of the auth service. Alembic compares migrations against `metadata`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, INET, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from career.auth.v1 import auth_pb2
from career_kit.conversions import EnumNames
from career_kit.db import new_metadata

# The tiers a user can have, named as stored: the contract's Tier enum ("free", "pro",
# "premium", "admin"). A tier added there also needs a migration of the users.tier check.
TIERS = EnumNames(auth_pb2.Tier, "TIER_")

DEFAULT_PREFERENCES_SQL = (
    """'{"emailNotifications": true, "jobAlerts": true, "newsletter": false, """
    """"theme": "system", "language": "en"}'::jsonb"""
)


class Base(DeclarativeBase):
    metadata = new_metadata()


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        # Uniqueness is case-insensitive; the address is kept as the user typed it.
        Index("uq_users_lower_email", func.lower(text("email")), unique=True),
        CheckConstraint("tier IN ('free', 'pro', 'premium', 'admin')", name="tier"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True,
                                          server_default=text("gen_random_uuid()"))
    email: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    # Null for users who only ever sign in with OAuth.
    password_hash: Mapped[str | None] = mapped_column(Text)
    tier: Mapped[str] = mapped_column(Text, server_default=text("'free'"))
    roles: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    preferences: Mapped[dict[str, Any]] = mapped_column(
        JSONB, server_default=text(DEFAULT_PREFERENCES_SQL))
    social_links: Mapped[dict[str, str]] = mapped_column(JSONB, server_default=text("'{}'"))
    profile_image_url: Mapped[str | None] = mapped_column(Text)
    # An uploaded picture: {"file_id": ..., "urls": {variant: public URL}} (the files service
    # holds the bytes; profile_image_url is then its 512 px square). Null otherwise.
    profile_image: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Consecutive failed logins since the last success or lockout.
    login_attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    lock_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    two_factor_enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # The TOTP secret (Fernet-encrypted when AUTH_TOTP_ENCRYPTION_KEY is set); present from
    # SetupTwoFactor on, in force only with two_factor_enabled.
    totp_secret: Mapped[str | None] = mapped_column(Text)
    # The last TOTP time step accepted: a code is good once, even within its window.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Version of the last subscription.updated applied to `tier` (billing's per-user counter);
    # null until one arrives. Older versions are ignored, so redelivery order does not matter.
    subscription_version: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class RefreshToken(Base):
    """One refresh token; a family (all tokens rotated from one login) is a session."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (
        Index("ix_refresh_tokens_family_id", "family_id"),
        Index("ix_refresh_tokens_user_id", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True,
                                          server_default=text("gen_random_uuid()"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID, ForeignKey("users.id", ondelete="CASCADE"))
    family_id: Mapped[uuid.UUID] = mapped_column(UUID)
    # SHA-256 of the opaque token: a database leak yields no usable tokens.
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user_agent: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(INET)
    # When the user signed in to start this session (the access tokens' `auth_time`): the
    # same on every token rotated from that sign-in.
    authenticated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SecurityEvent(Base):
    """An audit record: failed logins, lockouts, refresh-token reuse, logins, logouts, and the
    rate-limit refusals the gateway reports."""

    __tablename__ = "security_events"
    __table_args__ = (Index("ix_security_events_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True,
                                          server_default=text("gen_random_uuid()"))
    # The audit trail outlives the account it is about.
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID, ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(INET)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class EmailToken(Base):
    """A single-use token mailed to the user: e-mail verification or password reset."""

    __tablename__ = "email_tokens"
    __table_args__ = (
        Index("ix_email_tokens_user_id", "user_id"),
        CheckConstraint("purpose IN ('verify', 'reset')", name="purpose"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True,
                                          server_default=text("gen_random_uuid()"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID, ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(Text)
    # SHA-256 of the token, as for refresh tokens: the raw token exists only in the e-mail.
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class OAuthIdentity(Base):
    """An account at an external identity provider that signs a user in. Only who it is: the
    provider's tokens are not kept (sign-in only)."""

    __tablename__ = "oauth_identities"
    __table_args__ = (
        UniqueConstraint("provider", "subject", name="uq_oauth_identities_provider_subject"),
        Index("ix_oauth_identities_user_id", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True,
                                          server_default=text("gen_random_uuid()"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID, ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    # The address the provider gave when the identity was linked (may be absent, e.g. X).
    email: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class RecoveryCode(Base):
    """A single-use two-factor recovery code, kept as its SHA-256 (the codes are random)."""

    __tablename__ = "two_factor_recovery_codes"
    __table_args__ = (Index("ix_two_factor_recovery_codes_user_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True,
                                          server_default=text("gen_random_uuid()"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID, ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[bytes] = mapped_column(LargeBinary)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
