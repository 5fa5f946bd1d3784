"""The audit log: who did what to which record id, never personal data."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Audit

__all__ = ["record"]


async def record(session: AsyncSession, *, actor_member_id: int | None, action: str, target: str,
                 at: datetime) -> None:
    session.add(Audit(actor_member_id=actor_member_id, action=action, target=target, at=at))
    await session.flush()
