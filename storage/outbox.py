"""The outbox: one row per intended push, unique by `dedupe_key`.

Life of a row: `pending` → claimed (`sending`, with a lease) → `sent`, or back to `pending` with a later
`not_before` (retryable failure, throttling), or `blocked` / `failed` for good, or `dropped` when what it says
is no longer true at the time it would go out (its reason in `last_error`).

A claim is a lease: the claimer sets `status = sending`, pushes `not_before` to the end of the lease and
increments `attempts`. The pair (id, attempts) is the fencing token: every outcome is written only where the
row still carries the attempt that was claimed, so a sender whose lease ran out can never overwrite the work of
the sender that took the row over. A row left `sending` by a killed process becomes claimable again when its
lease ends.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import upsert_insert
from storage.models import ChatIdentity, Outbox, OutboxStatus

__all__ = [
    "SENDING",
    "Push",
    "block_chat",
    "claim_due",
    "enqueue",
    "enqueue_many",
    "enqueued_at",
    "existing_keys",
    "mark_dropped",
    "mark_retry",
    "mark_sent",
    "mark_sent_many",
    "mark_unsendable",
    "outbox_counts",
    "release",
    "rewrite_payload",
]

# Not a member of OutboxStatus on purpose: the model's statuses are the lasting outcomes; `sending` is the
# transient state of a lease.
SENDING = "sending"
_CLAIMABLE = (OutboxStatus.PENDING, SENDING)


@dataclass(frozen=True, slots=True)
class Push:
    """One message to enqueue."""

    dedupe_key: str
    channel: str
    chat_id: str
    payload: dict[str, Any]
    not_before: datetime


async def enqueue(session: AsyncSession, *, push: Push, now: datetime) -> bool:
    """Add one push; False when a row with its dedupe key exists already (nothing changes then)."""
    return await enqueue_many(session, pushes=[push], now=now) == 1


async def enqueue_many(session: AsyncSession, *, pushes: Sequence[Push], now: datetime, chunk: int = 500) -> int:
    """Add pushes whose dedupe key is new, in chunks; return how many rows were inserted.

    `ON CONFLICT DO NOTHING` on the unique key makes two concurrent runs, or the same run twice, insert each
    message once: the loser of the race inserts nothing and gets no error.
    """
    inserted = 0
    for start in range(0, len(pushes), chunk):
        rows = [
            {"dedupe_key": p.dedupe_key, "channel": p.channel, "chat_id": p.chat_id, "payload": p.payload,
             "not_before": p.not_before, "attempts": 0, "status": OutboxStatus.PENDING, "created_at": now}
            for p in pushes[start:start + chunk]
        ]
        statement = upsert_insert(session, Outbox).values(rows).on_conflict_do_nothing()
        result = await session.exec(statement)
        inserted += max(result.rowcount, 0)
    return inserted


async def existing_keys(session: AsyncSession, *, prefix: str) -> Sequence[str]:
    """Return the dedupe keys that start with `prefix` (e.g. a branch's reminders of one day)."""
    upper = prefix + "\U0010ffff"
    query = select(Outbox.dedupe_key).where(col(Outbox.dedupe_key) >= prefix, col(Outbox.dedupe_key) < upper)
    return (await session.exec(query)).all()


async def enqueued_at(session: AsyncSession, *, keys: Sequence[str], chunk: int = 500) -> dict[str, datetime]:
    """Return when each of `keys` that exists was enqueued."""
    found: dict[str, datetime] = {}
    for start in range(0, len(keys), chunk):
        query = select(Outbox.dedupe_key, Outbox.created_at).where(
            col(Outbox.dedupe_key).in_(keys[start:start + chunk]))
        found.update({key: at for key, at in (await session.exec(query)).all()})
    return found


async def claim_due(
    session: AsyncSession, *, channel: str, now: datetime, lease: timedelta, limit: int
) -> Sequence[Outbox]:
    """Lease up to `limit` due rows of `channel` to the caller and return them (their `attempts` is the token).

    PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent senders take disjoint rows without waiting. SQLite:
    the transaction began with BEGIN IMMEDIATE, which serialises claimers.
    """
    due = (
        select(Outbox.id)
        .where(col(Outbox.status).in_(_CLAIMABLE), col(Outbox.channel) == channel, col(Outbox.not_before) <= now)
        .order_by(col(Outbox.not_before), col(Outbox.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list((await session.exec(due)).all())
    if not ids:
        return []
    await session.exec(
        update(Outbox)
        .where(col(Outbox.id).in_(ids))
        .values(status=SENDING, not_before=now + lease, attempts=col(Outbox.attempts) + 1)
    )
    query = select(Outbox).where(col(Outbox.id).in_(ids)).order_by(col(Outbox.id)).execution_options(
        populate_existing=True)
    return (await session.exec(query)).all()


def _held(row_id: int, attempt: int) -> ColumnElement[bool]:
    return and_(col(Outbox.id) == row_id, col(Outbox.attempts) == attempt, col(Outbox.status) == SENDING)


async def mark_sent(session: AsyncSession, *, row_id: int, attempt: int, now: datetime) -> bool:
    """Record a delivery; False when the lease was lost meanwhile (another sender holds the row)."""
    return await mark_sent_many(session, held=[(row_id, attempt)], now=now) == 1


async def mark_sent_many(session: AsyncSession, *, held: Sequence[tuple[int, int]], now: datetime) -> int:
    """Record deliveries given as (id, attempt) leases; return how many were still held and are now sent."""
    by_attempt: dict[int, list[int]] = defaultdict(list)
    for row_id, attempt in held:
        by_attempt[attempt].append(row_id)
    recorded = 0
    for attempt, ids in by_attempt.items():
        statement = (
            update(Outbox)
            .where(col(Outbox.id).in_(ids), col(Outbox.attempts) == attempt, col(Outbox.status) == SENDING)
            .values(status=OutboxStatus.SENT, sent_at=now, last_error=None)
        )
        result = await session.exec(statement)
        recorded += result.rowcount
    return recorded


async def mark_retry(
    session: AsyncSession, *, row_id: int, attempt: int, not_before: datetime, error: str
) -> bool:
    """Put a row back in the queue for another try at `not_before`."""
    statement = update(Outbox).where(_held(row_id, attempt)).values(
        status=OutboxStatus.PENDING, not_before=not_before, last_error=error[:500])
    result = await session.exec(statement)
    return result.rowcount == 1


async def release(session: AsyncSession, *, row_id: int, attempt: int, not_before: datetime) -> bool:
    """Give back a claimed row that was not tried (shutdown, per-chat pacing); the attempt is not counted."""
    statement = update(Outbox).where(_held(row_id, attempt)).values(
        status=OutboxStatus.PENDING, not_before=not_before, attempts=attempt - 1)
    result = await session.exec(statement)
    return result.rowcount == 1


async def mark_unsendable(session: AsyncSession, *, row_id: int, attempt: int, status: str, error: str) -> bool:
    """Close a row for good: `failed` (refused, or out of attempts) or `blocked`."""
    statement = update(Outbox).where(_held(row_id, attempt)).values(status=status, last_error=error[:500])
    result = await session.exec(statement)
    return result.rowcount == 1


async def mark_dropped(session: AsyncSession, *, row_id: int, attempt: int, reason: str) -> bool:
    """Close a claimed row that is no longer true without sending it; the attempt is not counted."""
    statement = update(Outbox).where(_held(row_id, attempt)).values(
        status=OutboxStatus.DROPPED, attempts=attempt - 1, last_error=reason[:500])
    result = await session.exec(statement)
    return result.rowcount == 1


async def rewrite_payload(session: AsyncSession, *, row_id: int, attempt: int, payload: dict[str, Any]) -> bool:
    """Replace what a claimed row will send (its text brought up to date before it goes out)."""
    statement = update(Outbox).where(_held(row_id, attempt)).values(payload=payload)
    result = await session.exec(statement)
    return result.rowcount == 1


async def block_chat(session: AsyncSession, *, channel: str, chat_id: str, error: str) -> int:
    """Mark the chat's identities unreachable and close its other queued pushes; return how many were closed."""
    await session.exec(
        update(ChatIdentity)
        .where(col(ChatIdentity.channel) == channel, col(ChatIdentity.chat_id) == chat_id)
        .values(reachable=False)
    )
    result = await session.exec(
        update(Outbox)
        .where(col(Outbox.channel) == channel, col(Outbox.chat_id) == chat_id,
               or_(col(Outbox.status) == OutboxStatus.PENDING, col(Outbox.status) == SENDING))
        .values(status=OutboxStatus.BLOCKED, last_error=error[:500])
    )
    return result.rowcount


async def outbox_counts(session: AsyncSession, *, channel: str | None = None) -> dict[str, int]:
    """Return the number of rows per status (optionally for one channel)."""
    query = select(Outbox.status, func.count()).group_by(col(Outbox.status))
    if channel is not None:
        query = query.where(col(Outbox.channel) == channel)
    return {status: count for status, count in (await session.exec(query)).all()}
