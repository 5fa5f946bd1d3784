"""The audit log: who did what to which record id, never personal data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Audit

__all__ = ["record", "times_of"]


async def record(session: AsyncSession, *, actor_member_id: int | None, action: str, target: str,
                 at: datetime) -> None:
    session.add(Audit(actor_member_id=actor_member_id, action=action, target=target, at=at))
    await session.flush()


async def times_of(session: AsyncSession, *, action: str, target: str, since: datetime) -> Sequence[datetime]:
    """Return when `action` was recorded against `target` after `since`, oldest first (say, wrong codes)."""
    query = (
        select(Audit.at)
        .where(Audit.action == action, Audit.target == target, col(Audit.at) > since)
        .order_by(col(Audit.at))
    )
    return (await session.exec(query)).all()
