"""The audit log: who did what to which record id, never personal data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Audit, Unit
from storage.units import in_subtree

__all__ = ["lines", "record", "times_of"]


async def record(session: AsyncSession, *, actor_member_id: int | None, action: str, target: str,
                 at: datetime, unit_id: int | None = None) -> None:
    """Write one audit line; `unit_id` is the unit the record belongs to (for `bot11 admin audit --unit`)."""
    session.add(Audit(actor_member_id=actor_member_id, action=action, target=target, at=at, unit_id=unit_id))
    await session.flush()


async def times_of(session: AsyncSession, *, action: str, target: str, since: datetime) -> Sequence[datetime]:
    """Return when `action` was recorded against `target` after `since`, oldest first (say, wrong codes)."""
    query = (
        select(Audit.at)
        .where(Audit.action == action, Audit.target == target, col(Audit.at) > since)
        .order_by(col(Audit.at))
    )
    return (await session.exec(query)).all()


async def lines(session: AsyncSession, *, root_path: str | None = None, since: datetime | None = None,
                actions: Sequence[str] | None = None) -> Sequence[tuple[Audit, str | None]]:
    """Return audit lines oldest first with their unit's code: those of units under `root_path` only when
    given, from `since` on when given, of `actions` only when given."""
    query = select(Audit, Unit.code).outerjoin(Unit, col(Unit.id) == Audit.unit_id)
    if root_path is not None:
        query = query.where(in_subtree(Unit.path, root_path))
    if since is not None:
        query = query.where(col(Audit.at) >= since)
    if actions is not None:
        query = query.where(col(Audit.action).in_(actions))
    return (await session.exec(query.order_by(col(Audit.at), col(Audit.id)))).all()
