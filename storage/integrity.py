"""Integrity flags for inspectors: record ids and a machine-readable kind, never personal data."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import IntegrityFlag

__all__ = ["FlagKind", "SameAnswer", "nth_latest_flag_at", "record_flag"]


class FlagKind(enum.StrEnum):
    DUPLICATE_PHONE = "duplicate_phone"
    SAME_PERSON = "same_person"
    # A member was refused so many phones registered elsewhere that further phone entries are held back.
    PHONE_PROBING = "phone_probing"


class SameAnswer(enum.StrEnum):
    """What the member answered to "is this the same person?"."""

    SAME = "same"
    DIFFERENT = "different"


async def record_flag(
    session: AsyncSession, *, kind: FlagKind, unit_id: int, member_id: int | None, at: datetime,
    youth_id: int | None = None, other_youth_id: int | None = None, answer: str | None = None,
) -> IntegrityFlag:
    """Keep one flag: `other_youth_id` is the record already there, `youth_id` the new one if any."""
    flag = IntegrityFlag(kind=kind, unit_id=unit_id, member_id=member_id, youth_id=youth_id,
                         other_youth_id=other_youth_id, answer=answer, created_at=at)
    session.add(flag)
    await session.flush()
    return flag


async def nth_latest_flag_at(
    session: AsyncSession, *, member_id: int, kind: FlagKind, since: datetime, n: int
) -> datetime | None:
    """Return when `member_id`'s `n`-th most recent flag of `kind` since `since` was kept, or None when they
    have fewer than `n` such flags."""
    query = (
        select(IntegrityFlag.created_at)
        .where(IntegrityFlag.member_id == member_id, IntegrityFlag.kind == kind,
               col(IntegrityFlag.created_at) >= since)
        .order_by(col(IntegrityFlag.created_at).desc())
        .offset(n - 1)
        .limit(1)
    )
    return (await session.exec(query)).first()
