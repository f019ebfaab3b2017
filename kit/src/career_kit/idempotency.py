"""Client-supplied idempotency keys, honoured the same way by every service.

A client that may retry a call (a checkout, a post, an upload) sends an `Idempotency-Key`;
the gateway passes it on in the request message. A key is never trusted as a global name:

- It is *scoped*: by the operation (`scope`, e.g. "billing.checkout") and by its owner (the
  calling user), so two users, or two operations, sending the same key never meet.
- It is *bound to the request*: the hash of the request message (with the key itself left out)
  is stored with it; the same key with another request is refused with `IdempotencyKeyReused`
  (INVALID_ARGUMENT, problem type `idempotency-key-reused`, which the gateway answers 422, as
  the IETF Idempotency-Key draft says).
- Its *answer is stored* with it, in the same transaction as the work, so a retry gets the same
  answer without doing the work again. A concurrent retry waits on the row lock of the first
  call's insert and then replays its answer (or, if that call rolled back, does the work).
- Keys *expire* after `KEY_TTL` (the window Stripe keeps keys for); an expired key starts anew.
- A third party never sees the client's key: `IdempotencyKey.for_provider()` derives a stable,
  scoped key for the provider's own idempotency header, so a retry after a crash reaches the
  same provider object, and no other user's key can.

Usage in a servicer, inside its unit of work:

    key = IdempotencyKey.of("billing.checkout", owner=user_id, key=request.idempotency_key,
                            request=request)
    return await run_once(session, key, billing_pb2.CheckoutSession, lambda: do_checkout(...))

Keys that services or events supply (ConsumeQuota's, event ids) are not the client's: the quota
ledger keys its grants by (user, key) and binds them to the feature and amount the same way;
event ids are made by the publishing service and deduplicated per consumer by the inbox.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from google.protobuf.message import Message
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from career_kit.errors import InvalidArgument, Unauthenticated
from career_kit.tables import idempotency_keys

M = TypeVar("M", bound=Message)

KEY_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255
# The field a request message carries the client's key in (left out of the request's hash).
KEY_FIELD = "idempotency_key"


class IdempotencyKeyReused(InvalidArgument):
    """The key was used before with a different request."""

    problem_type = "idempotency-key-reused"


@dataclass(frozen=True)
class IdempotencyKey:
    """A client's key, scoped to an operation and its owner and bound to one request."""

    scope: str
    owner: str
    key: str
    request_hash: str

    @classmethod
    def of(cls, scope: str, *, owner: str, key: str, request: Message) -> IdempotencyKey | None:
        """The key of `request` (None when the client sent none). Its `idempotency_key` field
        is left out of the hash; every other field is in it."""
        key = key.strip()
        if not key:
            return None
        if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
            raise InvalidArgument(
                f"an idempotency key is 1 to {MAX_KEY_LENGTH} printable ASCII characters",
                problem_type="invalid-idempotency-key")
        if not owner:
            raise Unauthenticated("an idempotency key needs a signed-in caller")
        return cls(scope, owner, key, request_hash(request))

    def for_provider(self) -> str:
        """A stable key for a third party's idempotency header: the same for every retry of
        this call, different for every owner, scope and request (so a key that expired here
        and came back with another request cannot collide at the provider), and not the
        client's own text."""
        digest = hashlib.sha256("\x00".join(
            (self.scope, self.owner, self.key, self.request_hash)).encode()).hexdigest()
        return f"{self.scope}:{digest[:48]}"


def request_hash(request: Message) -> str:
    """SHA-256 of the request's deterministic encoding, without its idempotency key."""
    copy = type(request)()
    copy.CopyFrom(request)
    if KEY_FIELD in copy.DESCRIPTOR.fields_by_name:
        copy.ClearField(KEY_FIELD)
    body = copy.SerializeToString(deterministic=True)
    return hashlib.sha256(copy.DESCRIPTOR.full_name.encode() + b"\x00" + body).hexdigest()


async def run_once(session: AsyncSession, key: IdempotencyKey | None, response_type: type[M],
                   work: Callable[[], Awaitable[M]]) -> M:
    """`work()`'s answer, done once per key: a retry with the same request gets the stored
    answer, one with another request `IdempotencyKeyReused`. Without a key, just `work()`.
    Must run inside the unit of work that `work` changes, so the answer commits with it."""
    if key is None:
        return await work()
    stored = await _claim(session, key)
    if stored is not None:
        reply = response_type()
        reply.ParseFromString(stored)
        return reply
    reply = await work()
    await session.execute(update(idempotency_keys).where(*_row(key))
                          .values(response=reply.SerializeToString(deterministic=True)))
    return reply


async def _claim(session: AsyncSession, key: IdempotencyKey) -> bytes | None:
    """Take the key for this call (None: do the work), or the answer stored for it."""
    # A concurrent call with the same key holds the row's index entry until it commits or
    # rolls back; this insert waits for that, then either conflicts (replay) or goes in.
    inserted = await session.execute(
        insert(idempotency_keys)
        .values(scope=key.scope, owner=key.owner, key=key.key, request_hash=key.request_hash)
        .on_conflict_do_nothing()
        .returning(idempotency_keys.c.key))
    if inserted.first() is not None:
        return None
    row = (await session.execute(
        select(idempotency_keys.c.request_hash, idempotency_keys.c.response,
               idempotency_keys.c.created_at < func.now() - KEY_TTL)
        .where(*_row(key)).with_for_update())).one()
    request_hash_, response, expired = row
    if expired or response is None:
        # Expired, or committed without an answer (work that recorded and then refused):
        # the key starts again for this request.
        await session.execute(update(idempotency_keys).where(*_row(key)).values(
            request_hash=key.request_hash, response=None, created_at=func.now()))
        return None
    if request_hash_ != key.request_hash:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used with a different request; "
            "use a new key for a new request")
    return bytes(response)


def _row(key: IdempotencyKey) -> tuple:
    return (idempotency_keys.c.scope == key.scope, idempotency_keys.c.owner == key.owner,
            idempotency_keys.c.key == key.key)


async def delete_expired(session: AsyncSession) -> int:
    """Remove keys older than `KEY_TTL`; how many. Safe to run from every replica at once."""
    result = await session.execute(
        delete(idempotency_keys).where(idempotency_keys.c.created_at < func.now() - KEY_TTL))
    return result.rowcount or 0
