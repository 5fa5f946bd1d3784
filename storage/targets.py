"""Targets (chỉ tiêu): a quota per unit, year and metric, set by the officers of the unit's parent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import upsert_insert
from storage.models import Target, TargetMetric

__all__ = ["TARGET_MAX", "set_target", "targets_for"]

TARGET_MAX = 10_000_000


async def targets_for(session: AsyncSession, *, unit_ids: Sequence[int], year: int) -> dict[int, dict[str, int]]:
    """Return the targets of `unit_ids` for `year`: unit id → metric → value."""
    if not unit_ids:
        return {}
    query = select(Target.unit_id, Target.metric, Target.value).where(
        col(Target.unit_id).in_(list(unit_ids)), Target.year == year
    )
    found: dict[int, dict[str, int]] = {}
    for unit_id, metric, value in (await session.exec(query)).all():
        found.setdefault(unit_id, {})[metric] = value
    return found


async def set_target(
    session: AsyncSession, *, unit_id: int, year: int, metric: TargetMetric, value: int, set_by: int, at: datetime
) -> None:
    """Set (or replace) the target of `unit_id` for `year` and `metric`. The caller checks the right to."""
    if not 0 <= value <= TARGET_MAX:
        raise ValueError(f"target out of range: {value}")
    values = {"unit_id": unit_id, "year": year, "metric": metric.value, "value": value, "set_by": set_by,
              "set_at": at}
    statement = upsert_insert(session, Target).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["unit_id", "year", "metric"],
        set_={"value": value, "set_by": set_by, "set_at": at},
    )
    await session.exec(statement)
