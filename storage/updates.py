"""Processed platform update ids: each inbound update is handled once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, text
from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import keyed
from storage.models import AwareDateTime, ProcessedUpdate

__all__ = ["CLAIM", "claim_update", "forget_updates_before"]


async def claim_update(session: AsyncSession, *, channel: str, update_id: str, now: datetime) -> bool:
    """Record the update id; False when it was recorded before (a redelivery).

    Runs in the same transaction as the update's effects, so a crash before commit leaves the id
    unclaimed and the platform's redelivery is processed normally.
    """
    result = await session.exec(CLAIM,  # type: ignore[call-overload]
                                params={"channel": channel, "update_id": update_id, "processed_at": now})
    return bool(result.rowcount == 1)


# The claim every update runs: one statement for both databases (SQLite since 3.24 and PostgreSQL both take ON
# CONFLICT DO NOTHING), in SQL. The dialects' own INSERT constructs (`sqlite.insert(...)`) have no cache key in
# SQLAlchemy 2.0, so built with them it was compiled anew for every update.
CLAIM = keyed(text("INSERT INTO processed_update (channel, update_id, processed_at) "
                   "VALUES (:channel, :update_id, :processed_at) ON CONFLICT DO NOTHING"
                   ).bindparams(bindparam("processed_at", type_=AwareDateTime())))


async def forget_updates_before(session: AsyncSession, *, before: datetime) -> int:
    """Delete the ids of updates processed before `before`; return how many. Platforms stop redelivering long
    before (Telegram keeps an update 24 hours), so older ids only take space."""
    statement = delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < before)
    result = await session.exec(statement)
    return int(result.rowcount or 0)
