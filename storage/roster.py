"""The queries of a roster import: the branches a file names, their members and the members holding its numbers
or phones, and the bulk writes (one statement for many rows) that make a 200,000-row file take seconds.

Members are read as plain `RosterEntry` rows rather than ORM objects: a province's roster is hundreds of
thousands of them. Lists of values are queried in chunks, below both databases' limits on bound parameters.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy
from sqlalchemy import ColumnElement, delete, exists, insert, update
from sqlalchemy.orm import aliased
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import key_col, upsert_insert
from storage.models import Member, MemberStatus, Role, RoleName, Unit

__all__ = [
    "RosterEntry",
    "RosterUnit",
    "grant_secretaries",
    "insert_members",
    "mark_members_left",
    "members_by_numbers",
    "members_by_phones",
    "members_of_units",
    "revoke_secretaries",
    "secretaries_of_units",
    "units_for_roster",
    "update_members",
]

CHUNK = 5_000


@dataclass(frozen=True, slots=True)
class RosterUnit:
    """What an import needs of a unit a file names: only an active unit with no unit below it takes members."""

    id: int
    code: str
    active: bool
    has_children: bool


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """A stored member as a roster import compares it, with the code of their unit."""

    id: int
    unit_id: int
    unit_code: str
    full_name: str
    name_key: str
    birth_year: int
    birth_date: date | None
    gender: str | None
    phone: str | None
    member_no: str | None
    position: str | None
    status: str
    left_reason: str | None
    left_on: date | None


def _chunks(values: Collection[Any]) -> Iterator[list[Any]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


async def units_for_roster(session: AsyncSession, *, codes: Collection[str]) -> list[RosterUnit]:
    """Return the units whose code is one of `codes`, each with whether some unit sits below it."""
    child = aliased(Unit)
    below = exists().where(col(child.parent_id) == col(Unit.id))
    found: list[RosterUnit] = []
    for chunk in _chunks(codes):
        query = select(key_col(Unit.id), Unit.code, Unit.active, below).where(col(Unit.code).in_(chunk))
        found += [RosterUnit(*row) for row in (await session.exec(query)).all()]
    return found


def _entries() -> Any:
    columns = (Member.unit_id, Unit.code, Member.full_name, Member.name_key, Member.birth_year, Member.birth_date,
               Member.gender, Member.phone, Member.member_no, Member.position, Member.status, Member.left_reason,
               Member.left_on)
    # SQLAlchemy's own select: SQLModel's is typed for at most four columns.
    return (sqlalchemy.select(key_col(Member.id), *(col(column) for column in columns))
            .join(Unit, col(Unit.id) == Member.unit_id))


async def _entries_where(
    session: AsyncSession, column: Any, values: Collection[Any], *extra: ColumnElement[bool]
) -> list[RosterEntry]:
    found: list[RosterEntry] = []
    for chunk in _chunks(values):
        rows = (await session.exec(_entries().where(col(column).in_(chunk), *extra))).all()
        found += [RosterEntry(*row) for row in rows]
    return found


async def members_of_units(session: AsyncSession, *, unit_ids: Collection[int]) -> list[RosterEntry]:
    """Return every member recorded in the units `unit_ids`, whatever their status."""
    return await _entries_where(session, Member.unit_id, unit_ids)


async def members_by_numbers(session: AsyncSession, *, numbers: Collection[str]) -> list[RosterEntry]:
    """Return the members holding one of the member numbers `numbers`, wherever they are."""
    return await _entries_where(session, Member.member_no, numbers)


async def members_by_phones(session: AsyncSession, *, phones: Collection[str]) -> list[RosterEntry]:
    """Return the members with one of the phone numbers `phones`, wherever they are (officers' records too)."""
    return await _entries_where(session, Member.phone, phones)


async def secretaries_of_units(session: AsyncSession, *, unit_ids: Collection[int]) -> set[tuple[int, int]]:
    """Return (member id, unit id) for each secretary role held on exactly one of `unit_ids`."""
    found: set[tuple[int, int]] = set()
    for chunk in _chunks(unit_ids):
        query = select(Role.member_id, Role.unit_id).where(Role.role == RoleName.SECRETARY,
                                                           col(Role.unit_id).in_(chunk))
        found |= {(member_id, unit_id) for member_id, unit_id in (await session.exec(query)).all()}
    return found


async def insert_members(
    session: AsyncSession, *, rows: Sequence[Mapping[str, Any]]
) -> dict[tuple[int, str, int, date | None, str | None], int]:
    """Insert members given as column → value (every row the same columns) in batched statements; return each
    new id by (unit id, name key, birth year, birth date, member number), which a checked roster holds once.

    A plain table insert rather than the ORM's bulk path, and ids read back by key rather than in the rows'
    order: SQLite returns rows in order only one statement per row, which is ten times slower.
    """
    if not rows:
        return {}
    table = SQLModel.metadata.tables["member"]
    statement = insert(table).returning(table.c.id, table.c.unit_id, table.c.name_key, table.c.birth_year,
                                        table.c.birth_date, table.c.member_no)
    result = await session.exec(statement, params=list(rows))
    return {(unit_id, name_key, year, born, number): member_id
            for member_id, unit_id, name_key, year, born, number in result.all()}


async def update_members(session: AsyncSession, *, rows: Sequence[Mapping[str, Any]]) -> None:
    """Set the columns given for each member, found by its `id` (every row the same columns), in one statement."""
    if rows:
        await session.exec(update(Member), params=list(rows))


async def mark_members_left(session: AsyncSession, *, member_ids: Collection[int], reason: str, on: date) -> None:
    """Mark the members `member_ids` as no longer on their branch's roster (LEFT), with the reason and the day;
    the roles they held go with it (as storage.transfers.mark_left does for one member)."""
    for chunk in _chunks(member_ids):
        statement = (update(Member).where(col(Member.id).in_(chunk))
                     .values(status=MemberStatus.LEFT, left_reason=reason, left_on=on))
        await session.exec(statement)
        await session.exec(delete(Role).where(col(Role.member_id).in_(chunk)))


async def revoke_secretaries(session: AsyncSession, *, roles: Collection[tuple[int, int]]) -> None:
    """Take the secretary role on that unit from each (member id, unit id) of `roles` (other roles stay)."""
    for member_id, unit_id in sorted(roles):
        await session.exec(delete(Role).where(col(Role.member_id) == member_id, col(Role.unit_id) == unit_id,
                                              col(Role.role) == RoleName.SECRETARY))


async def grant_secretaries(session: AsyncSession, *, grants: Collection[tuple[int, int]]) -> None:
    """Give each (member id, unit id) of `grants` the secretary role on that unit; a role already held stays."""
    if grants:
        rows = [{"member_id": member_id, "role": RoleName.SECRETARY, "unit_id": unit_id}
                for member_id, unit_id in grants]
        await session.exec(upsert_insert(session, Role).on_conflict_do_nothing(), params=rows)
