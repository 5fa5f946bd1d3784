"""Processed platform update ids: each inbound update is handled once."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import upsert_insert
from storage.models import ProcessedUpdate

__all__ = ["claim_update", "forget_updates_before"]


async def claim_update(session: AsyncSession, *, channel: str, update_id: str, now: datetime) -> bool:
    """Record the update id; False when it was recorded before (a redelivery).

    Runs in the same transaction as the update's effects, so a crash before commit leaves the id
    unclaimed and the platform's redelivery is processed normally.
    """
    # Against the table, not the model: a Core INSERT skips the ORM's bulk-insert bookkeeping (every update
    # runs this).
    table = ProcessedUpdate.metadata.tables[ProcessedUpdate.__tablename__]
    statement = upsert_insert(session, table).values(channel=channel, update_id=update_id, processed_at=now)
    result = await session.exec(statement.on_conflict_do_nothing())
    return bool(result.rowcount == 1)


async def forget_updates_before(session: AsyncSession, *, before: datetime) -> int:
    """Delete the ids of updates processed before `before`; return how many. Platforms stop redelivering long
    before (Telegram keeps an update 24 hours), so older ids only take space."""
    statement = delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < before)
    result = await session.exec(statement)
    return int(result.rowcount or 0)
