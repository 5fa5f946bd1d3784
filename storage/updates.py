"""Processed platform update ids: each inbound update is handled once."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import on_postgres
from storage.models import ProcessedUpdate

__all__ = ["claim_update", "forget_updates_before"]


async def claim_update(session: AsyncSession, *, channel: str, update_id: str, now: datetime) -> bool:
    """Record the update id; False when it was recorded before (a redelivery).

    Runs in the same transaction as the update's effects, so a crash before commit leaves the id
    unclaimed and the platform's redelivery is processed normally.
    """
    result = await session.exec(_claim(on_postgres(session)),
                                params={"channel": channel, "update_id": update_id, "processed_at": now})
    return bool(result.rowcount == 1)


@cache
def _claim(postgres: bool) -> Insert:
    """The claim, built once per database kind with the update as parameters (every update runs it), against
    the table rather than the model: a Core INSERT skips the ORM's bulk-insert bookkeeping."""
    table = ProcessedUpdate.metadata.tables[ProcessedUpdate.__tablename__]
    insert = postgresql.insert(table) if postgres else sqlite.insert(table)
    values: dict[str, Any] = {name: bindparam(name) for name in ("channel", "update_id", "processed_at")}
    return insert.values(values).on_conflict_do_nothing()


async def forget_updates_before(session: AsyncSession, *, before: datetime) -> int:
    """Delete the ids of updates processed before `before`; return how many. Platforms stop redelivering long
    before (Telegram keeps an update 24 hours), so older ids only take space."""
    statement = delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < before)
    result = await session.exec(statement)
    return int(result.rowcount or 0)
