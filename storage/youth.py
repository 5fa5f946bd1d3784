"""Young people introduced by members, and the events of their participation.

Every lookup that a dialog makes on behalf of a person goes through a `Scope`: the member's own records,
plus the subtrees of the units where they are secretary or officer. Nothing else is ever returned.

A secretary records an introduction on behalf of a member of their branch from the branch's roster (the
`roster_*` queries): only active members of the branches named, which the caller takes from the speaker's roles.
"""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from storage.branch import RECIPIENT_COLUMNS, Recipient
from storage.db import key_col, upsert_insert
from storage.models import (
    ChatIdentity,
    Member,
    MemberStatus,
    Participation,
    ParticipationKind,
    RoleName,
    Unit,
    Youth,
    YouthStatus,
)
from storage.rollups import adjust_sensitive_counts
from storage.units import in_subtree

__all__ = [
    "GROUPS_FILE",
    "OVERSEEING_ROLES",
    "IntroducedTo",
    "RosterRow",
    "Scope",
    "YouthRow",
    "add_youth",
    "allowed_events",
    "change_youth",
    "delete_youth",
    "introduced_count",
    "introductions_held",
    "load_youth_groups",
    "member_chats",
    "next_status",
    "phone_owner",
    "record_event",
    "roster_count",
    "roster_matches",
    "roster_member",
    "roster_page",
    "same_person_in",
    "youth_count",
    "youth_in_scope",
    "youth_page",
]

GROUPS_FILE = Path(__file__).resolve().parent / "youth_groups.toml"
# Roles that see and change the young people registered anywhere in their unit's subtree.
OVERSEEING_ROLES = frozenset({RoleName.SECRETARY, RoleName.OFFICER})


class IntroducedTo(enum.StrEnum):
    """What the young person was introduced to."""

    DOAN = "doan"
    HOI = "hoi"
    CLUB = "club"


def load_youth_groups(path: Path = GROUPS_FILE) -> tuple[str, ...]:
    """Return the youth group codes, in the order they are offered, from the data file."""
    with path.open("rb") as handle:
        codes = tuple(tomllib.load(handle)["groups"])
    if not codes or len(set(codes)) != len(codes) or any(not 0 < len(code) <= 32 for code in codes):
        raise ValueError(f"{path}: group codes must be unique, non-empty and at most 32 characters")
    return codes


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose young people a person may see: their own, and those under the units they oversee."""

    member_id: int
    unit_paths: tuple[str, ...] = ()

    @classmethod
    def of(cls, member_id: int, roles: Sequence[tuple[str, Unit]]) -> Scope:
        return cls(member_id, tuple(unit.path for role, unit in roles if role in OVERSEEING_ROLES))

    def condition(self, *, mine_only: bool = False) -> ColumnElement[bool]:
        # An anonymised record is nobody any more: it stays for the counts only.
        held = col(Youth.anonymised_at).is_(None)
        own = col(Youth.introduced_by) == self.member_id
        if mine_only or not self.unit_paths:
            return and_(held, own)
        return and_(held, or_(own, *(in_subtree(Unit.path, path) for path in self.unit_paths)))


# --- Status rules: introduced → participating → joined_hoi / admitted; or stopped. Never backwards.

_RANK = {YouthStatus.INTRODUCED: 0, YouthStatus.PARTICIPATING: 1, YouthStatus.JOINED_HOI: 2,
         YouthStatus.ADMITTED: 3}
_EVENT_STATUS = {ParticipationKind.ACTIVITY: YouthStatus.PARTICIPATING,
                 ParticipationKind.JOINED_HOI: YouthStatus.JOINED_HOI,
                 ParticipationKind.ADMITTED: YouthStatus.ADMITTED}


def next_status(current: str, kind: str) -> str | None:
    """Return the status after an event of `kind`, or None when the event makes no sense now.

    An activity or a milestone after "stopped" means the person is back; a lower milestone after a
    higher one is recorded but leaves the status where it is; the same milestone twice is refused.
    """
    if kind == ParticipationKind.NOTE:
        return current
    if kind == ParticipationKind.STOPPED:
        return None if current == YouthStatus.STOPPED else YouthStatus.STOPPED
    target = _EVENT_STATUS[ParticipationKind(kind)]
    if current == YouthStatus.STOPPED:
        return target
    if target == current and kind != ParticipationKind.ACTIVITY:
        return None
    if kind == ParticipationKind.JOINED_HOI and current == YouthStatus.ADMITTED:
        return None
    return target if _RANK[target] > _RANK[YouthStatus(current)] else current


def allowed_events(current: str) -> list[ParticipationKind]:
    """Return the events that can be recorded for a young person with status `current`."""
    return [kind for kind in ParticipationKind if next_status(current, kind) is not None]


# --- Queries.


async def phone_owner(session: AsyncSession, *, phone: str, exclude_id: int | None = None) -> int | None:
    """Return the id of the young person registered with `phone` anywhere, if any."""
    query = select(Youth.id).where(Youth.phone == phone)
    if exclude_id is not None:
        query = query.where(col(Youth.id) != exclude_id)
    return (await session.exec(query)).first()


async def same_person_in(
    session: AsyncSession, *, name_key: str, birth_year: int, root_path: str, exclude_id: int | None = None
) -> int | None:
    """Return the id of a young person with the same folded name and birth year under `root_path`."""
    query = (
        select(Youth.id)
        .join(Unit, col(Unit.id) == Youth.unit_id)
        .where(Youth.name_key == name_key, Youth.birth_year == birth_year, in_subtree(Unit.path, root_path))
        .order_by(col(Youth.id))
    )
    if exclude_id is not None:
        query = query.where(col(Youth.id) != exclude_id)
    return (await session.exec(query)).first()


async def add_youth(session: AsyncSession, *, values: dict[str, Any]) -> int | None:
    """Insert a young person; return the new id, or None when the phone was registered meanwhile.

    The unique index on the phone decides between two members registering the same number at once:
    the second insert waits for the first and then does nothing.
    """
    values = {"updated_at": values.get("introduced_at"), **values}  # retention counts from the last write
    statement = upsert_insert(session, Youth).values(**values).on_conflict_do_nothing().returning(key_col(Youth.id))
    youth_id = (await session.exec(statement)).scalar_one_or_none()
    if youth_id is not None:
        await _count_sensitive(session, youth_id=youth_id, sign=1)
    return youth_id


async def youth_in_scope(
    session: AsyncSession, *, youth_id: int, scope: Scope, for_update: bool = False
) -> Youth | None:
    """Return the young person `youth_id` if `scope` may see them, freshly read; else None."""
    query = (
        select(Youth)
        .join(Unit, col(Unit.id) == Youth.unit_id)
        .where(col(Youth.id) == youth_id, scope.condition())
        .execution_options(populate_existing=True)
    )
    if for_update:
        query = query.with_for_update(of=Youth)
    return (await session.exec(query)).first()


@dataclass(frozen=True, slots=True)
class YouthRow:
    """One line of a list of young people."""

    id: int
    full_name: str
    birth_year: int
    status: str
    introduced_at: datetime
    last_event: date | None
    introduced_by: str


async def youth_page(
    session: AsyncSession, *, scope: Scope, offset: int, limit: int, mine_only: bool = False
) -> list[YouthRow]:
    """Return one page of the young people in `scope`, newest first, with their latest event date."""
    last_event = (
        select(func.max(Participation.on_date))
        .where(col(Participation.youth_id) == col(Youth.id))
        .correlate(Youth)
        .scalar_subquery()
    )
    # SQLModel's select() is typed for at most four columns: the Select is built directly, its row type stated.
    columns: Select[int, str, int, str, datetime, date | None, str] = Select(
        key_col(Youth.id), col(Youth.full_name), col(Youth.birth_year), col(Youth.status), col(Youth.introduced_at),
        last_event, col(Member.full_name))
    query = (
        columns
        .join(Unit, col(Unit.id) == Youth.unit_id)
        .join(Member, col(Member.id) == Youth.introduced_by)
        .where(scope.condition(mine_only=mine_only))
        .order_by(col(Youth.introduced_at).desc(), col(Youth.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return [YouthRow(*row) for row in (await session.exec(query)).all()]


async def youth_count(session: AsyncSession, *, scope: Scope, mine_only: bool = False) -> int:
    query = (
        select(func.count())
        .select_from(Youth)
        .join(Unit, col(Unit.id) == Youth.unit_id)
        .where(scope.condition(mine_only=mine_only))
    )
    return (await session.exec(query)).one()


async def introduced_count(session: AsyncSession, *, member_id: int, since: datetime, until: datetime) -> int:
    """Count the young people `member_id` introduced in [since, until)."""
    query = select(func.count()).select_from(Youth).where(
        Youth.introduced_by == member_id, col(Youth.introduced_at) >= since, col(Youth.introduced_at) < until
    )
    return (await session.exec(query)).one()


async def record_event(
    session: AsyncSession, *, youth: Youth, kind: str, on_date: date, recorded_by: int, at: datetime,
    activity: str | None = None, decision_no: str | None = None, note: str | None = None,
) -> str | None:
    """Add a participation event and move the status on; return the new status, or None (nothing
    written) when the event is not allowed from the current status."""
    status = next_status(youth.status, kind)
    if status is None:
        return None
    assert youth.id is not None  # read from the database, so it has its id
    session.add(Participation(youth_id=youth.id, kind=kind, on_date=on_date, activity=activity,
                              decision_no=decision_no, note=note, recorded_by=recorded_by, recorded_at=at))
    if status != youth.status:
        youth.status, youth.status_at = status, at
    youth.updated_at = at
    await session.flush()
    return status


async def change_youth(session: AsyncSession, *, youth_id: int, values: dict[str, Any], at: datetime) -> bool:
    """Write new values for a young person at `at`; False (nothing written) if the new phone is taken."""
    counted = not _COUNTED.isdisjoint(values)
    try:
        async with session.begin_nested():
            if counted:
                await _count_sensitive(session, youth_id=youth_id, sign=-1)
            statement = update(Youth).where(col(Youth.id) == youth_id).values(**values, updated_at=at)
            await session.exec(statement)
            if counted:
                await _count_sensitive(session, youth_id=youth_id, sign=1)
    except IntegrityError:
        return False
    return True


async def delete_youth(session: AsyncSession, *, youth_id: int) -> None:
    """Remove a young person and their participation events (all their personal data)."""
    await _count_sensitive(session, youth_id=youth_id, sign=-1)
    await session.exec(delete(Participation).where(col(Participation.youth_id) == youth_id))
    await session.exec(delete(Youth).where(col(Youth.id) == youth_id))


# What the minority and religious counts depend on; the triggers keep every other count (storage/rollups.py).
_COUNTED = frozenset({"ethnicity", "religion", "unit_id", "introduced_at"})


async def _count_sensitive(session: AsyncSession, *, youth_id: int, sign: int) -> None:
    """Add (1) or take away (-1) what young person `youth_id`, as stored now, counts as minority and religious."""
    query = select(Youth.unit_id, Youth.introduced_at, Youth.ethnicity, Youth.religion).where(col(Youth.id) == youth_id)
    row = (await session.exec(query)).first()
    if row is not None:
        unit_id, introduced_at, ethnicity, religion = row
        await adjust_sensitive_counts(session, unit_id=unit_id, introduced_at=introduced_at, ethnicity=ethnicity,
                                      religion=religion, sign=sign)


# --- The roster a secretary records introductions from, and telling the member.


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One member of a branch's roster, as a picker shows them."""

    id: int
    full_name: str
    birth_year: int


def _roster(unit_ids: Sequence[int], exclude_id: int | None) -> ColumnElement[bool]:
    """Return the condition for the active members of `unit_ids`, but `exclude_id`."""
    condition = col(Member.unit_id).in_(list(unit_ids)) & (col(Member.status) == MemberStatus.ACTIVE)
    return condition & (col(Member.id) != exclude_id) if exclude_id is not None else condition


async def roster_count(session: AsyncSession, *, unit_ids: Sequence[int], exclude_id: int | None = None) -> int:
    """Count the active members of the branches `unit_ids`, leaving out `exclude_id` (the speaker)."""
    query = select(func.count()).select_from(Member).where(_roster(unit_ids, exclude_id))
    return (await session.exec(query)).one()


async def roster_page(
    session: AsyncSession, *, unit_ids: Sequence[int], offset: int, limit: int, exclude_id: int | None = None
) -> list[RosterRow]:
    """Return one page of the active members of `unit_ids` (but `exclude_id`), by folded name: "Đặng" sorts
    with "Dang", not after "Z"."""
    query = (
        select(key_col(Member.id), col(Member.full_name), col(Member.birth_year))
        .where(_roster(unit_ids, exclude_id))
        .order_by(col(Member.name_key), col(Member.id))
        .offset(offset)
        .limit(limit)
    )
    return [RosterRow(*row) for row in (await session.exec(query)).all()]


async def roster_matches(
    session: AsyncSession, *, unit_ids: Sequence[int], name_start: str, limit: int, exclude_id: int | None = None
) -> list[RosterRow]:
    """Return the active members of `unit_ids` (but `exclude_id`) with a word of their folded name starting
    with `name_start` (folded by the caller: "son" finds "Lê Văn Sơn"), by folded name, at most `limit`."""
    word_start = or_(col(Member.name_key).startswith(name_start, autoescape=True),
                     col(Member.name_key).contains(" " + name_start, autoescape=True))
    query = (
        select(key_col(Member.id), col(Member.full_name), col(Member.birth_year))
        .where(_roster(unit_ids, exclude_id), word_start)
        .order_by(col(Member.name_key), col(Member.id))
        .limit(limit)
    )
    return [RosterRow(*row) for row in (await session.exec(query)).all()]


async def roster_member(session: AsyncSession, *, member_id: int, unit_ids: Sequence[int]) -> Member | None:
    """Return member `member_id` if they are on the active roster of one of `unit_ids` now; else None."""
    query = (
        select(Member)
        .where(col(Member.id) == member_id, _roster(unit_ids, None))
        .execution_options(populate_existing=True)
    )
    return (await session.exec(query)).first()


async def member_chats(session: AsyncSession, *, member_id: int) -> list[Recipient]:
    """Return the reachable chats of `member_id` (none for a member who does not use the bot)."""
    # SQLModel's select() is typed for at most four columns: the Select is built directly, its row type stated.
    recipients: Select[int, str, str, str | None, int] = Select(*RECIPIENT_COLUMNS)
    query = (
        recipients
        .join(ChatIdentity, col(ChatIdentity.member_id) == Member.id)
        .where(col(Member.id) == member_id, col(ChatIdentity.reachable).is_(True))
        .order_by(col(ChatIdentity.id))
    )
    return [Recipient(*row) for row in (await session.exec(query)).all()]


async def introductions_held(session: AsyncSession, *, pairs: Collection[tuple[int, int]]) -> set[tuple[int, int]]:
    """Return those (member id, youth id) of `pairs` where the young person is still on record as introduced
    by that member."""
    if not pairs:
        return set()
    query = select(key_col(Youth.introduced_by), key_col(Youth.id)).where(
        col(Youth.id).in_(sorted({youth for _, youth in pairs})))
    found = {(int(member), int(youth)) for member, youth in (await session.exec(query)).all()}
    return found & set(pairs)
