"""The unit tree: materialized paths (`/1/5/23/`) with an index, so a subtree is one range scan."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, and_, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Unit

__all__ = [
    "add_unit",
    "ancestor_ids",
    "has_child_units",
    "in_subtree",
    "rename_unit",
    "subtree_units",
    "unit_by_code",
    "unit_by_id",
    "unit_count",
    "units_by_codes",
    "units_by_ids",
]


def ancestor_ids(path: str) -> list[int]:
    """Return the ids on a unit's path, root first, the unit itself last."""
    return [int(part) for part in path.strip("/").split("/") if part]


def in_subtree(path_column: str, path: str) -> ColumnElement[bool]:
    """Return a condition true for every path inside the subtree rooted at `path` (itself included).

    A range rather than LIKE: both databases answer it from the plain index on `unit.path`. "0" is the
    character after "/", so every descendant of `/1/5/` sorts below `/1/50`. `path_column` is a model's path
    attribute, such as `Unit.path` (which SQLModel types as the `str` of its field).
    """
    upper = path[:-1] + "0"
    column = col(path_column)
    return and_(column >= path, column < upper)


async def add_unit(
    session: AsyncSession, *, code: str, name: str, kind: str, parent: Unit | None = None
) -> Unit:
    """Insert a unit under `parent` (or as a root) and fill in its path."""
    unit = Unit(code=code, name=name, kind=kind, parent_id=parent.id if parent else None, path="")
    session.add(unit)
    await session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    await session.flush()
    return unit


async def unit_by_code(session: AsyncSession, *, code: str) -> Unit | None:
    return (await session.exec(select(Unit).where(Unit.code == code))).first()


async def unit_count(session: AsyncSession) -> int:
    """Return how many units the database holds (0: no organisation yet)."""
    return (await session.exec(select(func.count()).select_from(Unit))).one()


async def unit_by_id(session: AsyncSession, *, unit_id: int) -> Unit | None:
    return await session.get(Unit, unit_id)


async def has_child_units(session: AsyncSession, *, unit_id: int) -> bool:
    """Tell whether any unit hangs under `unit_id` (a branch has none: its members are counted in it)."""
    return (await session.exec(select(Unit.id).where(Unit.parent_id == unit_id).limit(1))).first() is not None


async def subtree_units(session: AsyncSession, *, root: Unit | None = None) -> Sequence[Unit]:
    """Return the units under `root` (or all), ordered so that each parent precedes its children."""
    query = select(Unit).order_by(col(Unit.path))
    if root is not None:
        query = query.where(in_subtree(Unit.path, root.path))
    return (await session.exec(query)).all()


async def units_by_codes(session: AsyncSession, *, codes: Collection[str]) -> Sequence[Unit]:
    """Return the units whose code is one of `codes` (any order)."""
    if not codes:
        return []
    return (await session.exec(select(Unit).where(col(Unit.code).in_(sorted(codes))))).all()


async def units_by_ids(session: AsyncSession, *, ids: Collection[int]) -> Sequence[Unit]:
    """Return the units whose id is one of `ids` (any order)."""
    if not ids:
        return []
    return (await session.exec(select(Unit).where(col(Unit.id).in_(sorted(ids))))).all()


async def rename_unit(session: AsyncSession, *, unit_id: int, name: str, kind: str) -> None:
    """Set a unit's name and level; its place in the tree (parent, path) is left as it is."""
    await session.exec(update(Unit).where(col(Unit.id) == unit_id).values(name=name, kind=kind))
