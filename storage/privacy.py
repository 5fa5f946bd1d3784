"""The data subject's rights in storage: what is held on a young person or a member (export), erasing it while
the counts stay (anonymise, erase), and the records that reached the end of their retention period.

Anonymising keeps what the reports count on a young person's row (unit, introducer, introduced_at, gender,
group, birth year, status and the events' kinds and dates) and blanks everything that names or describes them.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.identities import unlink_member
from storage.members import revoke_roles
from storage.models import Audit, LeftReason, Member, MemberStatus, Participation, Youth
from storage.transfers import cancel_transfer, pending_transfer_of

__all__ = [
    "ConsentBy",
    "EventRecord",
    "anonymise_youth",
    "erase_member",
    "events_of",
    "history_of",
    "member_names",
    "retention_cutoff",
    "youth_due_for_anonymising",
]


class ConsentBy(enum.StrEnum):
    """Who agreed for a young person under 16 (stored in `youth.consent_by`)."""

    PARENT = "parent"
    GUARDIAN = "guardian"


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One participation event as an export shows it, with who recorded it."""

    kind: str
    on_date: date
    activity: str | None
    decision_no: str | None
    note: str | None
    recorded_by: str
    recorded_at: datetime


async def events_of(session: AsyncSession, *, youth_id: int) -> list[EventRecord]:
    """Return a young person's participation events, oldest first, each with its recorder's name."""
    query = (
        select(Participation, Member.full_name)
        .join(Member, col(Member.id) == Participation.recorded_by)
        .where(col(Participation.youth_id) == youth_id)
        .order_by(col(Participation.on_date), col(Participation.id))
    )
    return [EventRecord(event.kind, event.on_date, event.activity, event.decision_no, event.note, name,
                        event.recorded_at)
            for event, name in (await session.exec(query)).all()]


async def history_of(session: AsyncSession, *, target: str) -> list[tuple[str, str | None, datetime]]:
    """Return what was done to `target` ("youth:12"), oldest first: the action, who did it (their name, None
    for a job) and when."""
    query = (
        select(Audit.action, Member.full_name, Audit.at)
        .outerjoin(Member, col(Member.id) == Audit.actor_member_id)
        .where(col(Audit.target) == target)
        .order_by(col(Audit.at), col(Audit.id))
    )
    return [(action, name, at) for action, name, at in (await session.exec(query)).all()]


async def member_names(session: AsyncSession, *, member_ids: Sequence[int]) -> dict[int, str]:
    """Return the names of `member_ids` (who introduced or recorded something), by id."""
    query = select(Member.id, Member.full_name).where(col(Member.id).in_(member_ids))
    return {member_id: name for member_id, name in (await session.exec(query)).all() if member_id is not None}


async def anonymise_youth(session: AsyncSession, *, youth_id: int, at: datetime) -> bool:
    """Blank a young person's personal data and their events' free text; keep what reports count. Return
    False (nothing written) when the row is gone or was anonymised already."""
    blank = (
        update(Youth)
        .where(col(Youth.id) == youth_id, col(Youth.anonymised_at).is_(None))
        .values(full_name="", name_key="", phone=None, notes=None, ethnicity=None, religion=None,
                anonymised_at=at)
    )
    if (await session.exec(blank)).rowcount != 1:
        return False
    await session.exec(update(Participation).where(col(Participation.youth_id) == youth_id)
                       .values(activity=None, decision_no=None, note=None))
    return True


async def erase_member(session: AsyncSession, *, member_id: int, on: date, at: datetime) -> bool:
    """Take a member off the Union's rolls with their personal data: name, phone, birth date and member
    number blanked, chats unlinked, roles gone, status LEFT, a transfer waiting for its receiving branch
    withdrawn. Their introductions stay (counted, anonymous to them). Return False (nothing written) when they
    were erased already."""
    statement = (
        update(Member)
        .where(col(Member.id) == member_id, col(Member.erased_at).is_(None))
        .values(full_name="", name_key="", phone=None, birth_date=None, member_no=None, position=None,
                status=MemberStatus.LEFT, left_reason=LeftReason.LEFT_UNION, left_on=on, nudges=False,
                erased_at=at)
    )
    if (await session.exec(statement)).rowcount != 1:
        return False
    await revoke_roles(session, member_id=member_id)
    await unlink_member(session, member_id=member_id)
    pending = await pending_transfer_of(session, member_id=member_id)
    if pending is not None and pending.id is not None:  # nobody left to move: the receiving side stops seeing it
        await cancel_transfer(session, transfer_id=pending.id, cancelled_by=None, now=at)
    return True


def retention_cutoff(now: datetime, *, years: int) -> datetime:
    """Return the instant `years` before `now` (29 February falls back to the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


async def youth_due_for_anonymising(
    session: AsyncSession, *, before: datetime, limit: int
) -> Sequence[tuple[int, int]]:
    """Return (id, unit id) of young people not anonymised whose record was last written before `before` (a
    record from before writes were dated counts from its last status change)."""
    last_write = func.coalesce(col(Youth.updated_at), col(Youth.status_at))
    query = (
        select(Youth.id, Youth.unit_id)
        .where(col(Youth.anonymised_at).is_(None), last_write < before)
        .order_by(col(Youth.id))
        .limit(limit)
    )
    return [(youth_id, unit_id) for youth_id, unit_id in (await session.exec(query)).all() if youth_id is not None]

