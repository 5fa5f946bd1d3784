"""Processed platform update ids: each inbound update is handled once."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import upsert_insert
from storage.models import ProcessedUpdate

__all__ = ["claim_update"]


async def claim_update(session: AsyncSession, *, channel: str, update_id: str, now: datetime) -> bool:
    """Record the update id; False when it was recorded before (a redelivery).

    Runs in the same transaction as the update's effects, so a crash before commit leaves the id
    unclaimed and the platform's redelivery is processed normally.
    """
    statement = upsert_insert(session, ProcessedUpdate).values(channel=channel, update_id=update_id, processed_at=now)
    result = await session.exec(statement.on_conflict_do_nothing())  # type: ignore[call-overload]
    return bool(result.rowcount == 1)
