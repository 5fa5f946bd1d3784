"""What a branch secretary sees and does for their branch: members' 1+1 progress, young people by status,
who to nudge, who joined "chưa có trong danh sách" and waits to be confirmed, and a member's choice to receive
the monthly nudge or not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from storage.db import key_col
from storage.models import ChatIdentity, Member, MemberStatus, Role, RoleName, Unit, UnitKind, Youth

__all__ = [
    "MemberProgress",
    "PendingMember",
    "Recipient",
    "member_progress",
    "members_to_nudge",
    "members_without_introduction_since",
    "pending_count",
    "pending_member",
    "pending_members",
    "secretary_branches",
    "secretary_chats",
    "set_nudges",
    "youth_by_status",
]


@dataclass(frozen=True, slots=True)
class MemberProgress:
    member_id: int
    full_name: str
    introduced: int


@dataclass(frozen=True, slots=True)
class PendingMember:
    """Someone who joined a branch "chưa có trong danh sách", as they gave their details."""

    member_id: int
    full_name: str
    birth_year: int
    phone: str | None
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a push to one person goes: one reachable chat identity."""

    member_id: int
    channel: str
    chat_id: str
    locale: str | None
    unit_id: int


# The columns of a `Recipient`, in the order of its fields.
RECIPIENT_COLUMNS = (key_col(Member.id), col(ChatIdentity.channel), col(ChatIdentity.chat_id), col(ChatIdentity.locale),
                     col(Member.unit_id))


async def secretary_branches(session: AsyncSession, *, member_id: int) -> Sequence[Unit]:
    """Return the active branches where `member_id` holds the secretary role, by path."""
    query = (
        select(Unit)
        .join(Role, col(Role.unit_id) == Unit.id)
        .where(Role.member_id == member_id, Role.role == RoleName.SECRETARY, Unit.kind == UnitKind.BRANCH,
               col(Unit.active).is_(True))
        .order_by(col(Unit.path))
    )
    return (await session.exec(query)).all()


async def member_progress(
    session: AsyncSession, *, unit_id: int, start: datetime, end: datetime
) -> Sequence[MemberProgress]:
    """Return each active member of the branch with how many young people they introduced in [start, end)."""
    introduced = func.count(col(Youth.id))
    query = (
        select(key_col(Member.id), col(Member.full_name), introduced)
        .outerjoin(Youth, and_(col(Youth.introduced_by) == Member.id, col(Youth.introduced_at) >= start,
                               col(Youth.introduced_at) < end))
        .where(Member.unit_id == unit_id, Member.status == MemberStatus.ACTIVE)
        .group_by(col(Member.id), col(Member.full_name))
        .order_by(col(Member.full_name), col(Member.id))
    )
    return [MemberProgress(int(m), name, int(n)) for m, name, n in (await session.exec(query)).all()]


async def youth_by_status(session: AsyncSession, *, unit_id: int) -> dict[str, int]:
    """Return how many young people of the branch are in each status."""
    query = select(Youth.status, func.count()).where(Youth.unit_id == unit_id).group_by(col(Youth.status))
    return {status: int(count) for status, count in (await session.exec(query)).all()}


async def members_to_nudge(
    session: AsyncSession, *, start: datetime, end: datetime, unit_id: int | None = None,
    respect_opt_out: bool = True,
) -> Sequence[Recipient]:
    """Return the reachable identities of active members who introduced nobody in [start, end).

    `unit_id` limits it to one branch (a secretary's /nhacnho); without it, every branch (the monthly nudge).
    """
    introduced = (
        select(Youth.id)
        .where(col(Youth.introduced_by) == Member.id, col(Youth.introduced_at) >= start,
               col(Youth.introduced_at) < end)
        .exists()
    )
    # SQLModel's select() is typed for at most four columns: the Select is built directly, its row type stated.
    recipients: Select[int, str, str, str | None, int] = Select(*RECIPIENT_COLUMNS)
    query = (
        recipients
        .join(ChatIdentity, col(ChatIdentity.member_id) == Member.id)
        .where(Member.status == MemberStatus.ACTIVE, col(ChatIdentity.reachable).is_(True), ~introduced)
        .order_by(col(Member.id), col(ChatIdentity.id))
    )
    if unit_id is not None:
        query = query.where(Member.unit_id == unit_id)
    if respect_opt_out:
        query = query.where(col(Member.nudges).is_(True))
    return [Recipient(*row) for row in (await session.exec(query)).all()]


async def members_without_introduction_since(
    session: AsyncSession, *, member_ids: Sequence[int], since: datetime, respect_opt_out: bool
) -> set[int]:
    """Return those of `member_ids` who are active and have introduced nobody since `since` (and, with
    `respect_opt_out`, still take the monthly nudge)."""
    introduced = (
        select(Youth.id).where(col(Youth.introduced_by) == Member.id, col(Youth.introduced_at) >= since).exists()
    )
    query = select(key_col(Member.id)).where(
        col(Member.id).in_(list(member_ids)), Member.status == MemberStatus.ACTIVE, ~introduced)
    if respect_opt_out:
        query = query.where(col(Member.nudges).is_(True))
    return {int(member_id) for member_id in (await session.exec(query)).all()}


async def set_nudges(session: AsyncSession, *, member_id: int, on: bool) -> None:
    """Turn the member's monthly nudge on or off."""
    await session.exec(update(Member).where(col(Member.id) == member_id).values(nudges=on))


# The columns of a `PendingMember`, in the order of its fields.
_PENDING_COLUMNS = (key_col(Member.id), col(Member.full_name), col(Member.birth_year), col(Member.phone),
                    col(Member.joined_at))


def _pending(unit_id: int) -> ColumnElement[bool]:
    return and_(col(Member.unit_id) == unit_id, col(Member.status) == MemberStatus.PENDING)


async def pending_count(session: AsyncSession, *, unit_id: int) -> int:
    """Count the people waiting for the branch's secretary to confirm them."""
    return (await session.exec(select(func.count()).select_from(Member).where(_pending(unit_id)))).one()


async def pending_members(session: AsyncSession, *, unit_id: int, limit: int) -> Sequence[PendingMember]:
    """Return the first `limit` people waiting for the branch's secretary to confirm them, longest waiting first."""
    columns: Select[int, str, int, str | None, datetime] = Select(*_PENDING_COLUMNS)
    query = columns.where(_pending(unit_id)).order_by(col(Member.joined_at), col(Member.id)).limit(limit)
    return [PendingMember(*row) for row in (await session.exec(query)).all()]


async def pending_member(session: AsyncSession, *, member_id: int, unit_id: int) -> PendingMember | None:
    """Return `member_id` if they wait to be confirmed in branch `unit_id`, else None."""
    columns: Select[int, str, int, str | None, datetime] = Select(*_PENDING_COLUMNS)
    row = (await session.exec(columns.where(_pending(unit_id), col(Member.id) == member_id))).first()
    return PendingMember(*row) if row is not None else None


async def secretary_chats(session: AsyncSession, *, unit_id: int) -> Sequence[Recipient]:
    """Return the reachable chats of the members holding the secretary role on exactly branch `unit_id`."""
    # SQLModel's select() is typed for at most four columns: the Select is built directly, its row type stated.
    recipients: Select[int, str, str, str | None, int] = Select(*RECIPIENT_COLUMNS)
    query = (
        recipients
        .join(Role, col(Role.member_id) == Member.id)
        .join(ChatIdentity, col(ChatIdentity.member_id) == Member.id)
        .where(Role.unit_id == unit_id, Role.role == RoleName.SECRETARY, col(ChatIdentity.reachable).is_(True))
        .order_by(col(Member.id), col(ChatIdentity.id))
    )
    return [Recipient(*row) for row in (await session.exec(query)).all()]
