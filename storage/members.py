"""Members and their roles."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import upsert_insert
from storage.models import Member, MemberStatus, Role, Unit
from storage.units import ancestor_ids

__all__ = ["add_member", "grant_role", "person_key", "role_holder", "roles_of", "roles_over_unit"]


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



async def grant_role(session: AsyncSession, *, member_id: int, role: str, unit_id: int) -> None:
    """Give `member_id` the `role` over `unit_id`'s subtree; granting it twice changes nothing."""
    statement = upsert_insert(session, Role).values(member_id=member_id, role=role, unit_id=unit_id)
    await session.exec(statement.on_conflict_do_nothing())


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
