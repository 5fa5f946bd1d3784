"""Members and their roles."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import key_col, upsert_insert
from storage.models import ChatIdentity, LeftReason, Member, MemberStatus, Role, Unit
from storage.units import ancestor_ids

__all__ = [
    "RosterCandidate",
    "add_member",
    "confirm_pending",
    "grant_role",
    "pending_member_ids",
    "person_key",
    "reject_pending",
    "revoke_roles",
    "role_holder",
    "roles_of",
    "roles_over_unit",
    "roster_candidates",
]


@dataclass(frozen=True, slots=True)
class RosterCandidate:
    """A roster row a person joining may be, as the roster has it, and whether a chat identity already uses it."""

    member_id: int
    full_name: str
    birth_year: int
    linked: bool


def person_key(name: str) -> str:
    """Return the key a person's name is matched by, whatever its case, diacritics or spacing
    ("Nguyễn  Thị Ánh" and "NGUYEN THI ANH" → "nguyen thi anh"); migration 0005 keeps a frozen copy."""
    composed = " ".join(unicodedata.normalize("NFC", name).split()).casefold()
    bare = "".join(ch for ch in unicodedata.normalize("NFD", composed) if not unicodedata.combining(ch))
    return bare.replace("đ", "d")[:100]


async def add_member(
    session: AsyncSession, *, full_name: str, birth_year: int, unit_id: int, joined_at: datetime,
    gender: str | None = None, phone: str | None = None, status: str = MemberStatus.ACTIVE,
) -> Member:
    """Add a member (ACTIVE: on the roster and counted; PENDING or STAFF: not counted) and return it."""
    member = Member(
        full_name=full_name, name_key=person_key(full_name), birth_year=birth_year, unit_id=unit_id,
        joined_at=joined_at, gender=gender, phone=phone, status=status,
    )
    session.add(member)
    await session.flush()
    return member


async def roster_candidates(
    session: AsyncSession, *, unit_id: int, name_key: str, birth_year: int | None = None, phone: str | None = None
) -> Sequence[RosterCandidate]:
    """Return the active members of branch `unit_id` whose folded name is `name_key` (see `person_key`) and,
    when given, born in `birth_year` or with `phone`, each saying whether someone already uses it on the bot."""
    linked = select(ChatIdentity.id).where(col(ChatIdentity.member_id) == Member.id).exists()
    query = (
        select(key_col(Member.id), col(Member.full_name), col(Member.birth_year), linked)
        .where(Member.unit_id == unit_id, Member.name_key == name_key, Member.status == MemberStatus.ACTIVE)
        .order_by(col(Member.id))
    )
    if birth_year is not None:
        query = query.where(Member.birth_year == birth_year)
    if phone is not None:
        query = query.where(Member.phone == phone)
    return [RosterCandidate(int(m), name, int(year), bool(used)) for m, name, year, used in
            (await session.exec(query)).all()]


async def confirm_pending(session: AsyncSession, *, member_id: int, unit_id: int) -> bool:
    """Put a member who joined "chưa có trong danh sách" on the roster of branch `unit_id` (ACTIVE: counted
    from now on); False when they are no longer pending there (decided meanwhile, or never were)."""
    return await _decide_pending(session, member_id=member_id, unit_id=unit_id, status=MemberStatus.ACTIVE)


async def reject_pending(session: AsyncSession, *, member_id: int, unit_id: int, on: date) -> bool:
    """Mark a member who joined "chưa có trong danh sách" as not of branch `unit_id` (LEFT, REJECTED, on `on`);
    False when they are no longer pending there."""
    return await _decide_pending(session, member_id=member_id, unit_id=unit_id, status=MemberStatus.LEFT,
                                 left_reason=LeftReason.REJECTED, left_on=on)


async def _decide_pending(session: AsyncSession, *, member_id: int, unit_id: int, status: str,
                          **values: object) -> bool:
    # One conditional UPDATE: of two secretaries deciding at once, exactly one changes the row.
    statement = (
        update(Member)
        .where(col(Member.id) == member_id, col(Member.unit_id) == unit_id,
               col(Member.status) == MemberStatus.PENDING)
        .values(status=status, **values)
    )
    return bool((await session.exec(statement)).rowcount == 1)


async def grant_role(session: AsyncSession, *, member_id: int, role: str, unit_id: int) -> None:
    """Give `member_id` the `role` over `unit_id`'s subtree; granting it twice changes nothing."""
    statement = upsert_insert(session, Role).values(member_id=member_id, role=role, unit_id=unit_id)
    await session.exec(statement.on_conflict_do_nothing())


async def revoke_roles(session: AsyncSession, *, member_id: int, unit_id: int | None = None) -> None:
    """Take every role away from `member_id`, or only those held on exactly `unit_id`."""
    statement = delete(Role).where(col(Role.member_id) == member_id)
    if unit_id is not None:
        statement = statement.where(col(Role.unit_id) == unit_id)
    await session.exec(statement)


async def roles_of(session: AsyncSession, *, member_id: int) -> Sequence[tuple[str, Unit]]:
    """Return the member's roles with the unit each applies to."""
    query = (
        select(Role.role, Unit)
        .join(Unit, col(Unit.id) == Role.unit_id)
        .where(Role.member_id == member_id)
        .order_by(col(Unit.path))
    )
    return (await session.exec(query)).all()


async def roles_over_unit(session: AsyncSession, *, member_id: int, unit: Unit) -> set[str]:
    """Return the roles the member holds on `unit` or on any unit above it."""
    query = select(Role.role).where(
        Role.member_id == member_id, col(Role.unit_id).in_(ancestor_ids(unit.path))
    )
    return set((await session.exec(query)).all())


async def role_holder(session: AsyncSession, *, unit_id: int, role: str) -> int | None:
    """Return the id of a member holding `role` on exactly `unit_id`, if any (the lowest id)."""
    query = select(Role.member_id).where(Role.unit_id == unit_id, Role.role == role).order_by(col(Role.member_id))
    return (await session.exec(query)).first()


async def pending_member_ids(session: AsyncSession, *, member_ids: Collection[int]) -> set[int]:
    """Return those of `member_ids` who joined "chưa có trong danh sách" and still wait for the secretary."""
    if not member_ids:
        return set()
    query = select(key_col(Member.id)).where(
        col(Member.id).in_(sorted(member_ids)), Member.status == MemberStatus.PENDING)
    return {int(found) for found in (await session.exec(query)).all()}
