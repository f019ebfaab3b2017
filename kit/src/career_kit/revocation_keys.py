"""Where revoked access tokens are marked in Redis: the one key schema that auth writes
(auth/repository.py `AccessTokenDenylist`) and the gateway reads (gateway/access_tokens.py),
so the two can never drift apart.

- `denylist_key(jti)`: one token, logged out before it expired.
- `session_revoked_key(session id)`: every token of an ended session (its `sid` claim).
- `revoked_before_key(user id)`: a Unix time; every token of the user issued before it
  (logout everywhere, password reset or change, deletion, a reused refresh token).

Each key starts with the platform's `REDIS_KEY_PREFIX`.
"""

from __future__ import annotations


def denylist_key(key_prefix: str, jti: str) -> str:
    """The mark of one logged-out access token, by its `jti`."""
    return f"{key_prefix}auth:denylist:{jti}"


def revoked_before_key(key_prefix: str, user_id: str) -> str:
    """The time (Unix seconds) before which every access token of the user is revoked."""
    return f"{key_prefix}auth:revoked-before:{user_id}"


def session_revoked_key(key_prefix: str, session_id: str) -> str:
    """The mark of an ended session, whose access tokens (their `sid`) are all revoked."""
    return f"{key_prefix}auth:session-revoked:{session_id}"
