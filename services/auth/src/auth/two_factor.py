"""Two-factor authentication parts: TOTP codes (RFC 6238 via pyotp) with a one-step window and
replay protection, the secret's encryption at rest, recovery codes, and the short-lived token
that carries a half-finished login (password or OAuth done, second factor due) in Redis."""

from __future__ import annotations

import hashlib
import secrets
import time

import pyotp
import redis.asyncio as aioredis
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

ISSUER = "Career Tools"
RECOVERY_CODES = 10
LOGIN_TOKEN_TTL_SECONDS = 300
MAX_CODE_LENGTH = 64
# Marks a Fernet-encrypted secret; a plain base32 secret never contains ":".
_ENCRYPTED = "fernet:"


class SecretBox:
    """Encrypts TOTP secrets when keys are configured; otherwise stores them as they are."""

    def __init__(self, keys: str | None) -> None:
        parts = [k.strip() for k in (keys or "").split(",") if k.strip()]
        self._fernet = MultiFernet([Fernet(k) for k in parts]) if parts else None

    def seal(self, secret: str) -> str:
        if self._fernet is None:
            return secret
        return _ENCRYPTED + self._fernet.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(_ENCRYPTED):
            return stored
        if self._fernet is None:
            raise RuntimeError("a TOTP secret is encrypted but AUTH_TOTP_ENCRYPTION_KEY is unset")
        try:
            return self._fernet.decrypt(stored[len(_ENCRYPTED):].encode()).decode()
        except InvalidToken as exc:
            raise RuntimeError("no AUTH_TOTP_ENCRYPTION_KEY decrypts a TOTP secret") from exc


def new_secret() -> str:
    return pyotp.random_base32()


def otpauth_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def matching_step(secret: str, code: str, last_step: int | None, now: float | None = None
                  ) -> int | None:
    """The time step (previous, current or next) whose code `code` is, if it is later than
    `last_step` (a code that was used once, or an older one, is refused); else None."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time() if now is None else now)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes like `k3v9-8xqa-2m7p` (60 random bits each)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return ["-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
            for _ in range(RECOVERY_CODES)]


def hash_recovery_code(code: str) -> bytes:
    # Random, high-entropy codes: a fast hash is enough (as for refresh tokens).
    return hashlib.sha256(code.strip().lower().replace(" ", "").encode()).digest()


class TwoFactorLoginTokens:
    """A login waiting for its second factor: an opaque token -> user id, five minutes."""

    def __init__(self, redis: aioredis.Redis, key_prefix: str) -> None:
        self.redis = redis
        self.key_prefix = key_prefix

    def key(self, token: str) -> str:
        return f"{self.key_prefix}auth:2fa-login:{hashlib.sha256(token.encode()).hexdigest()}"

    async def issue(self, user_id: str) -> str:
        token = secrets.token_urlsafe(32)
        await self.redis.set(self.key(token), user_id, ex=LOGIN_TOKEN_TTL_SECONDS)
        return token

    async def user_id(self, token: str) -> str | None:
        raw = await self.redis.get(self.key(token))
        return None if raw is None else raw.decode() if isinstance(raw, bytes) else str(raw)

    async def spend(self, token: str) -> None:
        await self.redis.delete(self.key(token))
