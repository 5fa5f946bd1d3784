"""Reorganisations of the unit tree: moving a unit (with its subtree) under another parent, merging units into
one, and deactivating a unit. The caller owns the transaction; nothing here commits.

The report rollups stay exact (storage/rollups.py). A move rewrites the paths of the subtree in one UPDATE and
shifts the moved unit's own rollup rows (its subtree's totals) off every old ancestor and onto every new one,
a few statements whatever the subtree holds. A merge moves the rows themselves (young people, members) with
UPDATEs of `unit_id`, whose triggers carry their counts.

After a reorganisation every report, of any period, uses today's tree: a moved unit's whole history counts
under its new parent, and the history of a merged unit counts in the unit it merged into (its young people
and members are that unit's now; its evaluations and surveys too, except those of a period the unit merged
into already had, which stay with the deactivated unit and no longer count).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import bindparam, delete, func, literal, text, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Evaluation,
    IntegrityFlag,
    Invite,
    Member,
    MemberStatus,
    Role,
    Survey,
    Target,
    Transfer,
    TransferStatus,
    Unit,
    Youth,
)
from storage.rollups import ROLLUPS, fold_pending, move_sensitive_counts
from storage.units import ancestor_ids, in_subtree

__all__ = ["MergeCounts", "Refusal", "Refused", "deactivate_unit", "merge_units", "move_unit"]

class Refusal(enum.StrEnum):
    """Why a reorganisation was refused; the caller words it."""

    UNDER_ITSELF = "under_itself"  # a unit moved under, or merged into, itself
    UNDER_DESCENDANT = "under_descendant"  # ... or one of its own descendants
    INACTIVE_TARGET = "inactive_target"  # the new parent, or the unit merged into, is deactivated
    INACTIVE_SOURCE = "inactive_source"  # a unit to merge or deactivate is deactivated already
    IN_USE = "in_use"  # a unit to deactivate still has active child units or members


class Refused(Exception):
    """A reorganisation that would break the tree or strand people; nothing was changed.

    `unit` is the code of the unit refused, `other` the code of the other unit involved (the new parent, the
    unit merged into), `children` and `members` what keeps a unit in use.
    """

    def __init__(self, refusal: Refusal, *, unit: str, other: str = "", children: int = 0,
                 members: int = 0) -> None:
        super().__init__(f"{refusal}: {unit} {other}".strip())
        self.refusal = refusal
        self.unit = unit
        self.other = other
        self.children = children
        self.members = members


@dataclass(slots=True)
class MergeCounts:
    """What followed the merged units into the unit they merged into."""

    members: int = 0
    youth: int = 0
    evaluations: int = 0
    evaluations_kept: int = 0  # of a period the unit merged into already had: left with the merged unit
    surveys: int = 0
    surveys_kept: int = 0
    targets: int = 0  # moved, or added to the same year's and metric's target
    invites: int = 0
    roles: int = 0
    transfers: int = 0  # pending transfers from or to a merged unit, now from or to the unit merged into
    flags: int = 0
    units: int = 0  # child units moved under the unit merged into

    def add(self, other: MergeCounts) -> None:
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _refuse_placing(unit: Unit, target: Unit) -> None:
    """Refuse putting `unit`'s subtree under (or into) `target` when that would make a cycle or use a
    deactivated unit."""
    if target.id == unit.id:
        raise Refused(Refusal.UNDER_ITSELF, unit=unit.code, other=target.code)
    if target.path.startswith(unit.path):
        raise Refused(Refusal.UNDER_DESCENDANT, unit=unit.code, other=target.code)
    if not target.active:
        raise Refused(Refusal.INACTIVE_TARGET, unit=unit.code, other=target.code)


async def move_unit(session: AsyncSession, *, unit: Unit, new_parent: Unit) -> int:
    """Put `unit` and its subtree under `new_parent`; return how many units changed place (0: already there).

    Raises `Refused` when `new_parent` is the unit itself, one of its descendants, or deactivated.
    """
    _refuse_placing(unit, new_parent)
    if unit.parent_id == new_parent.id:
        return 0
    assert unit.id is not None and new_parent.id is not None
    old_path, new_path = unit.path, f"{new_parent.path}{unit.id}/"
    before, after = ancestor_ids(old_path)[:-1], ancestor_ids(new_parent.path)
    # Pending rows follow their unit's path when folded; the base rows are shifted here, so the unit's
    # pending rows are folded first (under the fold lock, which also keeps other folds out until commit).
    await fold_pending(session)
    await _shift_rollups(session, unit_id=unit.id, ids=[a for a in before if a not in after], sign=-1)
    await _shift_rollups(session, unit_id=unit.id, ids=[a for a in after if a not in before], sign=1)
    moved = await session.exec(
        update(Unit).where(in_subtree(Unit.path, old_path))
        .values(path=literal(new_path) + func.substr(col(Unit.path), len(old_path) + 1))
        .execution_options(synchronize_session=False))
    await session.exec(update(Unit).where(col(Unit.id) == unit.id).values(parent_id=new_parent.id)
                       .execution_options(synchronize_session=False))
    _repath_loaded(session, old_path, new_path)
    set_committed_value(unit, "parent_id", new_parent.id)
    return int(moved.rowcount)


async def _shift_rollups(session: AsyncSession, *, unit_id: int, ids: Sequence[int], sign: int) -> None:
    """Add (`sign` 1) or subtract (-1) the base rollup rows of `unit_id` to those of each unit of `ids`."""
    if not ids:
        return
    for view, key, counts in ROLLUPS:
        table = f"{view}_base"
        columns = ", ".join(("unit_id", *key, *counts))
        selected = ", ".join(("u.id", *(f"r.{k}" for k in key), *(f"{sign} * r.{c}" for c in counts)))
        sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts)
        statement = text(
            f"INSERT INTO {table} ({columns}) SELECT {selected} FROM {table} r, unit u "
            f"WHERE r.unit_id = :unit_id AND u.id IN :ids "
            f"ON CONFLICT ({', '.join(('unit_id', *key))}) DO UPDATE SET {sets}"
        ).bindparams(bindparam("ids", expanding=True))
        await session.exec(statement, params={"unit_id": unit_id, "ids": list(ids)})  # type: ignore[call-overload]


def _repath_loaded(session: AsyncSession, old_path: str, new_path: str) -> None:
    """Give the units this session holds in memory the paths the UPDATE wrote (it bypasses them, because
    SQLAlchemy cannot work out a string expression's result in Python and would expire them instead)."""
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Unit):
            path = instance.__dict__.get("path")
            if isinstance(path, str) and path.startswith(old_path):
                set_committed_value(instance, "path", new_path + path[len(old_path):])


async def merge_units(session: AsyncSession, *, sources: Sequence[Unit], into: Unit, now: datetime) -> MergeCounts:
    """Merge `sources` into `into`: their child units move under it, their members, young people, evaluations,
    surveys, targets, invites, roles, integrity flags and pending transfers follow, and they are kept
    deactivated with `merged_into_id` set. Return what followed.

    Raises `Refused`, changing nothing, when `into` is one of the sources or lies under one, or when `into`
    or a source is deactivated.
    """
    for source in sources:
        _refuse_placing(source, into)
        if not source.active:
            raise Refused(Refusal.INACTIVE_SOURCE, unit=source.code)
    counts = MergeCounts()
    assert into.id is not None
    for source in sources:
        assert source.id is not None
        for child in await _children(session, unit_id=source.id):
            await move_unit(session, unit=child, new_parent=into)
            counts.units += 1
        counts.add(await _move_rows(session, source=source.id, into=into.id, now=now))
        await session.exec(update(Unit).where(col(Unit.id) == source.id)
                           .values(active=False, merged_into_id=into.id))
    return counts


async def _children(session: AsyncSession, *, unit_id: int) -> Sequence[Unit]:
    return (await session.exec(select(Unit).where(Unit.parent_id == unit_id).order_by(col(Unit.id)))).all()


async def _move_rows(session: AsyncSession, *, source: int, into: int, now: datetime) -> MergeCounts:
    counts = MergeCounts()
    counts.members = await _reassign(session, Member, source, into)
    await move_sensitive_counts(session, from_unit=source, to_unit=into)
    counts.youth = await _reassign(session, Youth, source, into)
    counts.flags = await _reassign(session, IntegrityFlag, source, into)
    counts.invites = await _reassign(session, Invite, source, into)
    counts.evaluations, counts.evaluations_kept = await _move_per_period(session, Evaluation, source, into)
    counts.surveys, counts.surveys_kept = await _move_per_period(session, Survey, source, into)
    counts.targets = await _merge_targets(session, source=source, into=into)
    counts.roles = await _merge_roles(session, source=source, into=into)
    counts.transfers = await _redirect_transfers(session, source=source, into=into, now=now)
    return counts


async def _reassign(session: AsyncSession, model: type[Member | Youth | IntegrityFlag | Invite], source: int,
                    into: int) -> int:
    """Point every row of `model` at `source` to `into` (the rollup triggers carry members and young people, but
    for their minority and religious counts, which `move_sensitive_counts` moves)."""
    result = await session.exec(update(model).where(col(model.unit_id) == source).values(unit_id=into))
    return int(result.rowcount)


async def _move_per_period(session: AsyncSession, model: type[Evaluation | Survey], source: int,
                           into: int) -> tuple[int, int]:
    """Move the rows of `source` whose period `into` has none of; return (moved, kept with `source`)."""
    taken = select(model.period).where(col(model.unit_id) == into)
    moved = await session.exec(update(model).where(col(model.unit_id) == source, col(model.period).not_in(taken))
                               .values(unit_id=into))
    kept = await session.exec(select(func.count()).select_from(model).where(col(model.unit_id) == source))
    return int(moved.rowcount), int(kept.one())


async def _merge_targets(session: AsyncSession, *, source: int, into: int) -> int:
    """Add each target of `source` to `into`'s of the same year and metric, or move it when `into` has none."""
    other = aliased(Target)
    same = (col(other.unit_id) == source, col(other.year) == Target.year, col(other.metric) == Target.metric)
    added = await session.exec(
        update(Target).where(col(Target.unit_id) == into, select(other.id).where(*same).exists())
        .values(value=Target.value + select(other.value).where(*same).scalar_subquery()))
    theirs = (col(other.unit_id) == into, col(other.year) == Target.year, col(other.metric) == Target.metric)
    await session.exec(delete(Target).where(col(Target.unit_id) == source, select(other.id).where(*theirs).exists()))
    moved = await session.exec(update(Target).where(col(Target.unit_id) == source).values(unit_id=into))
    return int(added.rowcount) + int(moved.rowcount)


async def _merge_roles(session: AsyncSession, *, source: int, into: int) -> int:
    """Move the roles held on `source` to `into`; a role the member already holds there is dropped."""
    other = aliased(Role)
    held = select(other.id).where(col(other.unit_id) == into, col(other.member_id) == Role.member_id,
                                  col(other.role) == Role.role).exists()
    dropped = await session.exec(delete(Role).where(col(Role.unit_id) == source, held))
    moved = await session.exec(update(Role).where(col(Role.unit_id) == source).values(unit_id=into))
    return int(dropped.rowcount) + int(moved.rowcount)


async def _redirect_transfers(session: AsyncSession, *, source: int, into: int, now: datetime) -> int:
    """Point pending transfers from or to `source` at `into`; one that now leads nowhere is cancelled."""
    pending = col(Transfer.status) == TransferStatus.PENDING
    sent = await session.exec(update(Transfer).where(pending, col(Transfer.from_unit_id) == source)
                              .values(from_unit_id=into))
    received = await session.exec(update(Transfer).where(pending, col(Transfer.to_unit_id) == source)
                                  .values(to_unit_id=into))
    await session.exec(update(Transfer).where(pending, col(Transfer.from_unit_id) == col(Transfer.to_unit_id))
                       .values(status=TransferStatus.CANCELLED, decided_at=now))
    return int(sent.rowcount) + int(received.rowcount)


async def deactivate_unit(session: AsyncSession, *, unit: Unit) -> None:
    """Deactivate `unit`, keeping its history.

    Raises `Refused` when it is deactivated already, or still has active child units or active or pending
    members (`children` and `members` say how many).
    """
    if not unit.active:
        raise Refused(Refusal.INACTIVE_SOURCE, unit=unit.code)
    children = (await session.exec(select(func.count()).select_from(Unit).where(
        Unit.parent_id == unit.id, col(Unit.active)))).one()
    members = (await session.exec(select(func.count()).select_from(Member).where(
        Member.unit_id == unit.id, col(Member.status).in_((MemberStatus.ACTIVE, MemberStatus.PENDING))))).one()
    if children or members:
        raise Refused(Refusal.IN_USE, unit=unit.code, children=int(children), members=int(members))
    await session.exec(update(Unit).where(col(Unit.id) == unit.id).values(active=False))
