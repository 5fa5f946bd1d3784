"""Transfers (chuyển sinh hoạt Đoàn) and members leaving the Union: the branch roster a secretary picks from,
the transfers pending for a member or addressed to a branch, and the writes that request, decide, cancel, move
and mark a member as left. None of them commits: the caller owns the transaction.

A member has at most one pending transfer: every write that creates, decides or cancels one first locks the
member's row (`roster_member(..., for_update=True)` or `member_for_update`), so two secretaries acting on the
same member at once queue on PostgreSQL, as every writer does on SQLite (BEGIN IMMEDIATE); and a transfer is
closed only by a conditional update of a still pending row, so it is decided once.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Exists, update
from sqlalchemy.orm import aliased
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from storage.db import key_col
from storage.members import revoke_roles
from storage.models import (
    LeftReason,
    Member,
    MemberStatus,
    Transfer,
    TransferStatus,
    Unit,
    UnitKind,
)
from storage.units import has_child_units

__all__ = [
    "ON_ROSTER",
    "IncomingTransfer",
    "RosterEntry",
    "cancel_transfer",
    "create_transfer",
    "decide_transfer",
    "incoming_transfers",
    "mark_left",
    "member_by_number",
    "member_for_update",
    "move_member",
    "pending_transfer_ids",
    "pending_transfer_of",
    "roster_count",
    "roster_member",
    "roster_page",
    "takes_members",
    "transfer_by_id",
]

# The rows of a branch's roster a secretary acts on: counted members, and those who joined "not on the list".
ON_ROSTER = (MemberStatus.ACTIVE, MemberStatus.PENDING)


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One member of a branch as its secretary's list shows them; `moving` while a transfer is pending."""

    member_id: int
    full_name: str
    birth_year: int
    status: str
    moving: bool


@dataclass(frozen=True, slots=True)
class IncomingTransfer:
    """A pending transfer into a branch, with what its receiving secretary needs to decide."""

    transfer_id: int
    member_id: int
    full_name: str
    birth_year: int
    from_unit: str
    requested_at: datetime


def _moving() -> Exists:
    """The condition that the outer query's member has a pending transfer."""
    return select(Transfer.id).where(col(Transfer.member_id) == Member.id,
                                     Transfer.status == TransferStatus.PENDING).exists()


def _on_roster(unit_id: int, except_member_id: int | None) -> list[ColumnElement[bool]]:
    conditions = [col(Member.unit_id) == unit_id, col(Member.status).in_(ON_ROSTER)]
    if except_member_id is not None:
        conditions.append(col(Member.id) != except_member_id)
    return conditions


async def roster_count(session: AsyncSession, *, unit_id: int, except_member_id: int | None = None) -> int:
    """Count the branch's ACTIVE and PENDING members (leaving out `except_member_id`: the secretary asking)."""
    query = select(func.count()).select_from(Member).where(*_on_roster(unit_id, except_member_id))
    return int((await session.exec(query)).one())


async def roster_page(
    session: AsyncSession, *, unit_id: int, offset: int, limit: int, except_member_id: int | None = None
) -> Sequence[RosterEntry]:
    """Return one page of the branch's ACTIVE and PENDING members by name, each marked `moving` when a
    transfer of theirs is pending."""
    # SQLModel's select() is typed for at most four columns: the Select is built directly, its row type stated.
    columns: Select[int, str, int, str, bool] = Select(
        key_col(Member.id), col(Member.full_name), col(Member.birth_year), col(Member.status),
        _moving())
    query = (
        columns.where(*_on_roster(unit_id, except_member_id))
        .order_by(col(Member.name_key), col(Member.id))
        .offset(offset)
        .limit(limit)
    )
    return [RosterEntry(int(m), name, int(year), status, bool(moving))
            for m, name, year, status, moving in (await session.exec(query)).all()]


async def roster_member(
    session: AsyncSession, *, member_id: int, unit_id: int, for_update: bool = False
) -> Member | None:
    """Return the member if they are on the branch's roster (ACTIVE or PENDING), locked with `for_update`."""
    query = select(Member).where(Member.id == member_id, *_on_roster(unit_id, None))
    if for_update:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def member_for_update(session: AsyncSession, *, member_id: int) -> Member | None:
    """Return the member, whatever their status, locked for a change."""
    return (await session.exec(select(Member).where(Member.id == member_id).with_for_update())).first()


async def member_by_number(session: AsyncSession, *, member_no: str) -> Member | None:
    """Return the member with this member number (`Mã đoàn viên`), if any."""
    return (await session.exec(select(Member).where(Member.member_no == member_no))).first()


async def pending_transfer_of(session: AsyncSession, *, member_id: int) -> Transfer | None:
    """Return the member's pending transfer, if any."""
    query = select(Transfer).where(Transfer.member_id == member_id, Transfer.status == TransferStatus.PENDING)
    return (await session.exec(query.order_by(col(Transfer.id)))).first()


async def transfer_by_id(session: AsyncSession, *, transfer_id: int) -> Transfer | None:
    """Return the transfer (deciding it is a conditional update: see `decide_transfer`)."""
    return await session.get(Transfer, transfer_id)


async def incoming_transfers(session: AsyncSession, *, unit_id: int, limit: int) -> Sequence[IncomingTransfer]:
    """Return the oldest `limit` pending transfers into the branch, with the member and the branch they leave."""
    source = aliased(Unit, name="source")
    # SQLModel's select() is typed for at most four columns: the Select is built directly, its row type stated.
    columns: Select[int, int, str, int, str, datetime] = Select(
        key_col(Transfer.id), col(Transfer.member_id), col(Member.full_name), col(Member.birth_year),
        col(source.name), col(Transfer.requested_at))
    query = (
        columns
        .join(Member, col(Member.id) == Transfer.member_id)
        .join(source, col(source.id) == Transfer.from_unit_id)
        .where(Transfer.to_unit_id == unit_id, Transfer.status == TransferStatus.PENDING)
        .order_by(col(Transfer.requested_at), col(Transfer.id))
        .limit(limit)
    )
    return [IncomingTransfer(*row) for row in (await session.exec(query)).all()]


async def takes_members(session: AsyncSession, *, unit: Unit) -> bool:
    """Tell whether `unit` can receive a member: an active branch with no unit under it."""
    if not unit.active or unit.kind != UnitKind.BRANCH or unit.id is None:
        return False
    return not await has_child_units(session, unit_id=unit.id)


async def create_transfer(
    session: AsyncSession, *, member_id: int, from_unit_id: int, to_unit_id: int, requested_by: int | None,
    now: datetime,
) -> Transfer:
    """Record a pending transfer of the member between two branches and return it; the member stays where they
    are until it is accepted."""
    transfer = Transfer(member_id=member_id, from_unit_id=from_unit_id, to_unit_id=to_unit_id,
                        status=TransferStatus.PENDING, requested_by=requested_by, requested_at=now)
    session.add(transfer)
    await session.flush()
    return transfer


async def decide_transfer(
    session: AsyncSession, *, transfer_id: int, status: str, decided_by: int | None, now: datetime
) -> bool:
    """Close a pending transfer as ACCEPTED or REFUSED (by the receiving side); False when it was no longer
    pending, and then nothing changes."""
    return await _close(session, transfer_id=transfer_id, status=status, by=decided_by, now=now)


async def cancel_transfer(session: AsyncSession, *, transfer_id: int, cancelled_by: int | None, now: datetime) -> bool:
    """Withdraw a pending transfer (by the sending side, or because the member left); False when it was no
    longer pending, and then nothing changes."""
    return await _close(session, transfer_id=transfer_id, status=TransferStatus.CANCELLED, by=cancelled_by, now=now)


async def _close(session: AsyncSession, *, transfer_id: int, status: str, by: int | None, now: datetime) -> bool:
    statement = (
        update(Transfer)
        .where(col(Transfer.id) == transfer_id, col(Transfer.status) == TransferStatus.PENDING)
        .values(status=status, decided_by=by, decided_at=now)
    )
    result = await session.exec(statement)
    return bool(result.rowcount == 1)


async def move_member(session: AsyncSession, *, member_id: int, unit_id: int) -> None:
    """Put the member on another branch's roster; the member trigger moves their count, and the young people
    they introduced stay where they were registered. A role held on the branch they leave (its secretary) stays
    there: it is that branch's, not the person's."""
    member = await session.get(Member, member_id)
    if member is not None and member.unit_id != unit_id:
        await revoke_roles(session, member_id=member_id, unit_id=member.unit_id)
    await session.exec(update(Member).where(col(Member.id) == member_id).values(unit_id=unit_id))


async def mark_left(session: AsyncSession, *, member_id: int, reason: LeftReason, on: date) -> None:
    """Take the member off the roster (status LEFT) with why and when, and every role they held; their chat
    identity and the young people they introduced are kept (the engine no longer sees them as a member)."""
    await revoke_roles(session, member_id=member_id)
    statement = (
        update(Member).where(col(Member.id) == member_id)
        .values(status=MemberStatus.LEFT, left_reason=reason, left_on=on)
    )
    await session.exec(statement)


async def pending_transfer_ids(session: AsyncSession, *, transfer_ids: Collection[int]) -> set[int]:
    """Return those of `transfer_ids` still waiting for the receiving secretary."""
    if not transfer_ids:
        return set()
    query = select(key_col(Transfer.id)).where(
        col(Transfer.id).in_(sorted(transfer_ids)), Transfer.status == TransferStatus.PENDING)
    return {int(found) for found in (await session.exec(query)).all()}
