"""Reports for upper levels: the "1+1" figures of a unit's whole subtree for a period, and of each child unit.

The counts of young people and members are read from the rollup rows of the unit and of its children, which
triggers keep exact for every subtree (storage/rollups.py); evaluations and surveys are summed in SQL over the
subtree (one range on `unit.path`) per child. Meanings, the same in the property test's brute force:

- members: active members of the units in the subtree.
- fulfilled: members who introduced at least one young person in the period, counted in the unit where
  they registered them (a member who moved branches mid-period counts in each).
- introduced (by group, gender, age band; ethnic minority and religion as totals only, classified by their
  stored codes, storage/sensitive.py): young people registered in the subtree whose introduction date falls
  in the period.
- participating / joined_hoi / admitted: young people of the subtree with an activity, joining Hội or
  admission to Đoàn dated in the period (any introduction date).
- targets: the unit's own target (chỉ tiêu) for the period's year, set by its parent's officers.
- gathering rate: over the active units with a survey for the period, reached / youth population, where reached is
  the survey's figure when recorded, else the members plus the young people taking part in the surveyed
  unit's subtree (for a branch, the branch itself).
- evaluations: active branches (units of kind branch) × half-years of the period; submitted; submitted on time
  (by the evaluation calendar's deadline, in the report's time zone).

Every period is reported on today's tree (storage/reorganise.py): a moved unit's history counts under its new
parent, a merged unit's in the unit it merged into, and a deactivated unit's evaluations and surveys no longer
count (its young people still do, in the units above it).

The ethnic minority and religion counts are never rendered from `Figures` alone: `sensitive_rows` reads what
hiding small counts needs (conversations/reports/suppress.py) from the same rollup rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    FromClause,
    Integer,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from storage.calendar import EvaluationCalendar, Period
from storage.db import on_postgres
from storage.models import (
    Evaluation,
    ReportGroup,
    ReportRollup,
    ReportUnit,
    RoleName,
    Survey,
    TargetMetric,
    Unit,
    UnitKind,
)
from storage.rollups import ROLLUP_COLUMNS, scoped_sql
from storage.targets import targets_for
from storage.units import ancestor_ids, in_subtree

__all__ = [
    "COUNT_FIELDS",
    "REPORT_ROLES",
    "TARGET_FIGURES",
    "Figures",
    "Report",
    "SensitiveRow",
    "child_units",
    "evaluations_by_child",
    "groups_in_subtree",
    "may_view",
    "members_of",
    "report_for",
    "rollups_of",
    "sensitive_rows",
    "surveys_by_child",
    "viewable_root",
]

REPORT_ROLES = frozenset({RoleName.SECRETARY, RoleName.OFFICER, RoleName.ADMIN})
GATHERING_GOAL = 0.7
OWN = ""  # the child key of rows that belong to the unit itself rather than to one of its children


@dataclass(slots=True)
class Figures:
    """The counts of one unit's subtree for one period. Rates are None when their base is zero."""

    unit_id: int
    code: str
    name: str
    kind: str
    members: int = 0
    introduced: int = 0
    fulfilled: int = 0
    male: int = 0
    female: int = 0
    other_gender: int = 0
    age_under_16: int = 0
    age_16_18: int = 0
    age_19_24: int = 0
    age_25_30: int = 0
    age_over_30: int = 0
    minority: int = 0
    religious: int = 0
    participating: int = 0
    joined_hoi: int = 0
    admitted: int = 0
    branches: int = 0
    evaluations_due: int = 0
    submitted: int = 0
    on_time: int = 0
    surveyed: int = 0
    youth_population: int = 0
    youth_reached: int = 0
    targets: dict[str, int] = field(default_factory=dict)

    @property
    def fulfilment_rate(self) -> float | None:
        return _ratio(self.fulfilled, self.members)

    @property
    def gathering_rate(self) -> float | None:
        return _ratio(self.youth_reached, self.youth_population)

    @property
    def submission_rate(self) -> float | None:
        return _ratio(self.submitted, self.evaluations_due)

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(self.on_time, self.evaluations_due)

    def achieved(self, metric: str) -> int:
        """Return the figure a target of `metric` (a `TargetMetric`) is measured against."""
        return int(getattr(self, TARGET_FIGURES[TargetMetric(metric)]))

    def target_rate(self, metric: str) -> float | None:
        target = self.targets.get(metric)
        return _ratio(self.achieved(metric), target) if target else None

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNT_FIELDS}


# The figure each kind of target counts.
TARGET_FIGURES = {TargetMetric.ADMISSIONS: "admitted", TargetMetric.JOINED_HOI: "joined_hoi",
                  TargetMetric.INTRODUCED: "introduced"}
COUNT_FIELDS = tuple(f.name for f in fields(Figures) if f.type == "int" and f.name != "unit_id")


def _ratio(part: int, whole: int | None) -> float | None:
    return part / whole if whole else None


@dataclass(slots=True)
class Report:
    """A unit's figures, its own direct figures (rows registered at the unit itself), and its children's,
    best first."""

    unit: Unit
    period: Period
    total: Figures
    own: Figures
    children: list[Figures]
    groups: dict[str, int]
    sensitive: list[SensitiveRow] = field(default_factory=list)


class SensitiveRow(NamedTuple):
    """The young people introduced, and those of an ethnic minority and with a religion, of one unit's subtree
    in one period (`2026-H1`, `2026-H2` or `2026`)."""

    unit_id: int
    parent_id: int | None
    period: str
    introduced: int
    minority: int
    religious: int


def may_view(roles: Iterable[tuple[str, Unit]], unit: Unit) -> bool:
    """Tell whether someone with `roles` may see reports of `unit`: it lies in the subtree of a unit where
    they are officer, admin or secretary (a secretary's unit is their branch)."""
    return any(role in REPORT_ROLES and unit.path.startswith(held.path) for role, held in roles)


def viewable_root(roles: Sequence[tuple[str, Unit]]) -> Unit | None:
    """Return the highest unit the person may report on (their default), or None."""
    held = [unit for role, unit in roles if role in REPORT_ROLES]
    return min(held, key=lambda unit: (unit.path.count("/"), unit.path)) if held else None


def _child_key(session: AsyncSession, root: Unit) -> ColumnElement[str]:
    """The id (as text) of the child of `root` whose subtree holds a unit; '' for `root` itself."""
    rest = func.substr(col(Unit.path), len(root.path) + 1)
    if on_postgres(session):
        return func.split_part(rest, "/", 1)
    return func.substr(rest, 1, func.instr(rest, "/") - 1)


async def child_units(session: AsyncSession, *, root: Unit) -> Sequence[Unit]:
    """Return the active children of `root`, by name."""
    query = select(Unit).where(Unit.parent_id == root.id, col(Unit.active)).order_by(col(Unit.name))
    return (await session.exec(query)).all()


def _rollup(session: AsyncSession, view: type[ReportRollup | ReportGroup | ReportUnit], *,
            under: int | None) -> FromClause:
    """The rollup view `view`, to read units of the subtree of unit `under` (any unit, with None). On PostgreSQL,
    with `under`, the view's own SELECT reading only the rows waiting to be counted in that subtree
    (storage.rollups.scoped_sql): the view counts every row waiting in the country for each read."""
    table = view.metadata.tables[str(view.__tablename__)]
    if under is None or not on_postgres(session):
        return table
    return (text(scoped_sql(table.name)).bindparams(under=f"%/{under}/%").columns(*table.c)
            .subquery(table.name))


def _scope(unit: Unit) -> int | None:
    """The unit to limit the rows waiting to be counted to, to read `unit`'s subtree: `unit`, or None for a root,
    whose subtree is every unit (the view reads the same without looking up each row's unit)."""
    return unit.id if unit.parent_id is not None else None


async def rollups_of(
    session: AsyncSession, *, unit_ids: Sequence[int], period: Period, under: int | None = None
) -> dict[int, dict[str, int]]:
    """Return the rollup counts of the subtrees of `unit_ids` for `period` (units without any are left out);
    `under`, when given, is the id of a unit whose subtree holds every one of them (the report's unit)."""
    rollup = _rollup(session, ReportRollup, under=under)
    query = select(rollup.c.unit_id, *(rollup.c[name] for name in ROLLUP_COLUMNS)).where(
        rollup.c.period == period.code, _among(session, rollup.c.unit_id, unit_ids))
    rows = (await session.exec(query)).all()
    return {row[0]: dict(zip(ROLLUP_COLUMNS, (int(v) for v in row[1:]), strict=True)) for row in rows}


async def groups_in_subtree(session: AsyncSession, *, root: Unit, period: Period) -> dict[str, int]:
    """Count the young people introduced in the subtree in `period`, by group."""
    group = _rollup(session, ReportGroup, under=_scope(root))
    query = select(group.c.group_code, group.c.n).where(
        group.c.unit_id == root.id, group.c.period == period.code, group.c.n != 0)
    return {code: int(n) for code, n in (await session.exec(query)).all()}


async def members_of(session: AsyncSession, *, unit_ids: Sequence[int], under: int | None = None) -> dict[int, int]:
    """Count the active members of the subtrees of `unit_ids` (all in `under`'s subtree, when given)."""
    units = _rollup(session, ReportUnit, under=under)
    query = select(units.c.unit_id, units.c.members).where(_among(session, units.c.unit_id, unit_ids))
    return {unit_id: int(n) for unit_id, n in (await session.exec(query)).all()}


async def sensitive_rows(session: AsyncSession, *, unit: Unit, year: int) -> list[SensitiveRow]:
    """Return the rollup rows of the half-years and the whole of `year` that decide whether `unit`'s ethnic
    minority and religion counts may be shown: those of `unit`, of its parent, of the parent's active children
    and of their active children (for a root: of `unit` and its active children). The units come first, by
    primary key and the `unit.parent_id` index, then their rows by constant unit ids and periods: the only
    filter the `report_rollup` view takes into its base table's primary key (a join to `unit` would sum the
    whole table first). The national report reads 35 units' rows, a commune's its province's two levels."""
    anchor = unit.parent_id if unit.parent_id is not None else unit.id
    # Each part one index lookup: an OR of them is planned as a scan of every unit.
    near = union_all(_units_where(col(Unit.id).in_({anchor, unit.id})),
                     _units_where(and_(col(Unit.parent_id) == anchor, col(Unit.active))))
    parents = await _parents_of(session, near)
    if unit.parent_id is not None:
        # Constant ids: a subquery here is planned as a hash join over every unit.
        children = [unit_id for unit_id, parent in parents.items() if parent == anchor]
        below = and_(_among(session, col(Unit.parent_id), children), col(Unit.active))
        parents.update(await _parents_of(session, _units_where(below)))
    # The anchor is a root when `unit` is one or its parent is (a path of at most two ids).
    rollup = _rollup(session, ReportRollup, under=anchor if len(ancestor_ids(unit.path)) > 2 else None)
    columns = [rollup.c.period, rollup.c.introduced, rollup.c.minority, rollup.c.religious]
    periods = [f"{year}-H1", f"{year}-H2", str(year)]
    query = select(rollup.c.unit_id, *columns).where(
        _among(session, rollup.c.unit_id, list(parents)), rollup.c.period.in_(periods))
    # Thousands of plain tuples for a commune: read past the ORM's row processing.
    rows = await (await session.connection()).execute(query)
    return sorted(SensitiveRow(unit_id, parents[unit_id], period, n, minority, religious)  # one order, any plan
                  for unit_id, period, n, minority, religious in rows)


def _units_where(condition: ColumnElement[bool]) -> Select[int | None, int | None]:
    return select(col(Unit.id), col(Unit.parent_id)).where(condition)


async def _parents_of(
    session: AsyncSession, units: Select[int | None, int | None] | CompoundSelect
) -> dict[int, int | None]:
    united = units.subquery()
    rows = (await session.exec(select(united.c.id, united.c.parent_id))).all()
    return {int(unit_id): parent for unit_id, parent in rows}


def _among(session: AsyncSession, column: Mapped[Any] | ColumnElement[Any], ids: Sequence[int]) -> ColumnElement[bool]:
    """`column` is one of `ids`: on PostgreSQL one array parameter (one statement text however many ids, and
    a filter a view pushes into its base table like a constant), elsewhere an IN list."""
    if on_postgres(session):
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(list(ids))


def _deadline_ends(period: Period, calendar: EvaluationCalendar, tz: ZoneInfo) -> dict[str, datetime]:
    """The first instant after each half-year's evaluation deadline."""
    return {half.code: calendar.deadline_end(half, tz) for half in period.halves}


async def evaluations_by_child(
    session: AsyncSession, *, root: Unit, period: Period, calendar: EvaluationCalendar, tz: ZoneInfo
) -> dict[str, tuple[int, int, int]]:
    """Count the branches of the subtree, the evaluations submitted and those on time, per child of `root`.
    Each half-year of the period joins its own evaluation row, so a branch stays one row."""
    key = _child_key(session, root)
    joins: list[tuple[type[Evaluation], ColumnElement[bool]]] = []
    submitted: list[ColumnElement[int]] = []
    on_time: list[ColumnElement[int]] = []
    for code, end in _deadline_ends(period, calendar, tz).items():
        row = aliased(Evaluation, name=f"evaluation_{code[-2:].lower()}")
        joins.append((row, and_(col(row.unit_id) == Unit.id, col(row.period) == code)))
        submitted.append(func.sum(case((col(row.submitted_at).is_not(None), 1), else_=0)))
        on_time.append(func.sum(case((col(row.submitted_at) < end, 1), else_=0)))
    # All four columns in one select(): add_columns() would return SQLAlchemy's untyped Select.
    query = select(key, func.count(), _sum_of(submitted), _sum_of(on_time)).select_from(Unit)
    for evaluation, condition in joins:
        query = query.outerjoin(evaluation, condition)
    query = query.where(in_subtree(Unit.path, root.path), Unit.kind == UnitKind.BRANCH, col(Unit.active))
    rows = (await session.exec(query.group_by(key))).all()
    return {child: (int(n), int(s or 0), int(t or 0)) for child, n, s, t in rows}


def _sum_of(parts: Sequence[ColumnElement[int]]) -> ColumnElement[int]:
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


async def surveys_by_child(
    session: AsyncSession, *, root: Unit, period: Period
) -> dict[str, tuple[int, int, int]]:
    """Count the surveyed units of the subtree, their youth population and the young people reached, per
    child of `root`. For a year, each unit's latest survey of that year counts. Reached is the survey's
    figure, or else the members plus the young people taking part in the surveyed unit's subtree."""
    codes = [period.code] if period.half else [str(period.year), f"{period.year}-H1", f"{period.year}-H2"]
    later = aliased(Survey, name="later")
    superseded = (
        select(literal(1))
        .where(col(later.unit_id) == Survey.unit_id, col(later.period).in_(codes), later.youth_population > 0,
               col(later.period) > Survey.period)
        .exists()
    )
    counted = and_(col(Survey.period).in_(codes), col(Survey.youth_population) > 0, in_subtree(Unit.path, root.path),
                   col(Unit.active))
    if len(codes) > 1:
        counted = and_(counted, ~superseded)
    key = _child_key(session, root)
    sums = [func.count(), func.sum(Survey.youth_population), func.sum(Survey.youth_reached),
            _ids_without_figure(session)]
    query = select(key, *sums).join(Unit, col(Unit.id) == Survey.unit_id).where(counted).group_by(key)
    rows: Sequence[Any] = (await session.exec(query)).all()  # five columns: past select()'s overloads
    found = {child: [int(n), int(p or 0), int(r or 0)] for child, n, p, r, _ in rows}
    # The units surveyed without a figure: their rollups read by constant ids, since a join would make the
    # report_unit view sum every unit's rows first.
    unit_ids = [int(unit_id) for *_, ids in rows for unit_id in _id_list(ids)]
    if unit_ids:
        for child, taking_part in (await _taking_part_by_child(session, root=root, unit_ids=unit_ids)).items():
            found[child][2] += taking_part
    return {child: (n, p, r) for child, (n, p, r) in found.items()}


def _ids_without_figure(session: AsyncSession) -> ColumnElement[Any]:
    """The ids of a group's surveyed units without a figure of young people reached: an array on PostgreSQL
    (one value however many), a comma-separated text on SQLite (NULL when there are none)."""
    unit_id = case((col(Survey.youth_reached).is_(None), Survey.unit_id))
    if on_postgres(session):
        return func.array_remove(func.array_agg(unit_id), None)
    return func.group_concat(unit_id)


def _id_list(ids: Sequence[int] | str | None) -> Sequence[int | str]:
    return ids.split(",") if isinstance(ids, str) else ids or []


async def _taking_part_by_child(
    session: AsyncSession, *, root: Unit, unit_ids: Sequence[int]
) -> dict[str, int]:
    """Sum the members and the young people taking part in the subtrees of `unit_ids`, per child of `root`;
    the ids are constants so that the `report_unit` view reads only their rows."""
    key = _child_key(session, root)
    units = _rollup(session, ReportUnit, under=_scope(root))
    query = (select(key, func.sum(units.c.members + units.c.engaged))
             .join(Unit, col(Unit.id) == units.c.unit_id)
             .where(_among(session, units.c.unit_id, unit_ids)).group_by(key))
    return {child: int(n or 0) for child, n in (await session.exec(query)).all()}


async def report_for(
    session: AsyncSession, *, unit: Unit, period: Period, calendar: EvaluationCalendar, tz: ZoneInfo
) -> Report:
    """Compute the report of `unit`'s subtree for `period`: totals, the unit's own rows (total minus its
    active children), and each child, ranked by 1+1 fulfilment (then admissions, then name). The caller
    checks `may_view` first."""
    assert unit.id is not None
    children = await child_units(session, root=unit)
    total = Figures(unit.id, unit.code, unit.name, unit.kind)
    figures = {str(c.id): Figures(c.id or 0, c.code, c.name, c.kind) for c in children}
    ids = [unit.id, *(c.id for c in children if c.id is not None)]
    for unit_id, counts in (await rollups_of(session, unit_ids=ids, period=period, under=_scope(unit))).items():
        target = total if unit_id == unit.id else figures[str(unit_id)]
        for name, value in counts.items():
            setattr(target, name, value)
    for unit_id, members in (await members_of(session, unit_ids=ids, under=_scope(unit))).items():
        (total if unit_id == unit.id else figures[str(unit_id)]).members = members
    halves = len(period.halves)
    evaluations = await evaluations_by_child(session, root=unit, period=period, calendar=calendar, tz=tz)
    surveys = await surveys_by_child(session, root=unit, period=period)
    for key in {*evaluations, *surveys}:
        # Rows under a deactivated child, or at the unit itself, count in the total only.
        parts = [total, figures[key]] if key in figures else [total]
        branches, submitted, on_time = evaluations.get(key, (0, 0, 0))
        surveyed, population, reached = surveys.get(key, (0, 0, 0))
        for part in parts:
            part.branches += branches
            part.evaluations_due += branches * halves
            part.submitted += submitted
            part.on_time += on_time
            part.surveyed += surveyed
            part.youth_population += population
            part.youth_reached += reached
    ranked = [figures[str(c.id)] for c in children]
    own = Figures(unit.id, unit.code, unit.name, unit.kind)
    for name in COUNT_FIELDS:
        setattr(own, name, getattr(total, name) - sum(getattr(child, name) for child in ranked))
    targets = await targets_for(session, unit_ids=ids, year=period.year)
    total.targets = targets.get(unit.id, {})
    for child in ranked:
        child.targets = targets.get(child.unit_id, {})
    ranked.sort(key=_rank_key)
    groups = await groups_in_subtree(session, root=unit, period=period)
    sensitive = await sensitive_rows(session, unit=unit, year=period.year)
    return Report(unit=unit, period=period, total=total, own=own, children=ranked, groups=groups,
                  sensitive=sensitive)


def _rank_key(figures: Figures) -> tuple[float, float, int, str]:
    return (-(figures.fulfilment_rate or 0.0), -(figures.target_rate("admissions") or 0.0), -figures.introduced,
            figures.name)
