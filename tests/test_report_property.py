"""Property test: random trees and data, every report figure checked against a brute-force computation in plain
Python over the raw rows, children (plus the unit's own rows) adding up to their parent, and the trigger-kept
rollups equal to a rebuild from scratch after random edits, moves and deletions (single and multi-row), and after
units are moved to other parents and merged into others (storage/reorganise.py).

Ethnicity and religion are sealed (storage/sealed.py): the triggers do not count them and every writer of a young
person adds their minority and religious counts with `adjust_sensitive_counts`, as storage/youth.py does; the
edits below, written as plain SQL to reach the triggers with single and multi-row statements, do the same
around each statement (`_counted`)."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.calendar import EvaluationCalendar, Period
from storage.db import create_engine, session_factory
from storage.models import (
    Evaluation,
    Member,
    Participation,
    ReportGroup,
    ReportGroupBase,
    ReportGroupPending,
    ReportRollup,
    ReportRollupBase,
    ReportRollupPending,
    ReportUnit,
    ReportUnitBase,
    ReportUnitPending,
    Survey,
    Target,
    Unit,
    UnitKind,
    Youth,
)
from storage.reorganise import Refused, merge_units, move_unit
from storage.reports import COUNT_FIELDS, Figures, report_for
from storage.rollups import AGE_BANDS, adjust_sensitive_counts, rebuild_sensitive_counts, rebuild_sql
from storage.sealed import Sealer
from storage.units import add_unit
from tests.conftest import TEST_SENSITIVE_KEY

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = EvaluationCalendar()
PERIODS = [Period(2025, 2), Period(2026, 1), Period(2026, 2), Period(2026), Period(2025)]
GROUPS = ["residential", "worker", "student"]
KINDS = ["activity", "joined_hoi", "admitted", "stopped", "note"]
STATUSES = ["introduced", "participating", "joined_hoi", "admitted", "stopped"]
ETHNICITIES = [None, "kinh", "tay", "khmer", "other"]  # codes of storage/ethnic_groups.toml
RELIGIONS = [None, "none", "buddhism", "catholicism", "other"]  # codes of storage/religions.toml
# Instants around the half-year and year boundaries, where UTC and Asia/Ho_Chi_Minh disagree on the day.
START = datetime(2025, 6, 30, 12, tzinfo=UTC)
instants = st.one_of(
    st.integers(0, 560 * 24).map(lambda h: START + timedelta(hours=h)),
    st.sampled_from([datetime(2025, 12, 31, 16, 59, tzinfo=UTC), datetime(2025, 12, 31, 17, 0, tzinfo=UTC),
                     datetime(2026, 6, 30, 16, 59, tzinfo=UTC), datetime(2026, 6, 30, 17, 0, tzinfo=UTC)]),
)
days = st.integers(0, 560).map(lambda d: date(2025, 6, 30) + timedelta(days=d))
# Deleting rows fires the triggers, so the rollups go after the rows they count (their tables: the report_*
# views read them and cannot be deleted from).
TABLES = [Participation, Youth, Evaluation, Survey, Target, Member, ReportRollupPending, ReportGroupPending,
          ReportUnitPending, ReportRollupBase, ReportGroupBase, ReportUnitBase]


@dataclass
class Scenario:
    parents: list[int]
    members: list[tuple[int, str]]
    youth: list[dict[str, Any]]
    events: list[tuple[int, str, date]]
    evaluations: list[tuple[int, Period, datetime | None]]
    surveys: list[tuple[int, str, int, int | None]]
    targets: list[tuple[int, str, int]]
    edits: list[tuple[Any, ...]]
    root: int
    period: Period


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    n = draw(st.integers(1, 9))
    parents = [-1] + [draw(st.integers(0, i - 1)) for i in range(1, n)]
    members = draw(st.lists(st.tuples(st.integers(0, n - 1), st.sampled_from(["active", "active", "left"])),
                            max_size=12))
    youth = []
    if members:
        for _ in range(draw(st.integers(0, 18))):
            member = draw(st.integers(0, len(members) - 1))
            unit = draw(st.one_of(st.just(members[member][0]), st.integers(0, n - 1)))
            youth.append({
                "member": member, "unit": unit, "at": draw(instants),
                "gender": draw(st.sampled_from(["male", "female", "other"])),
                "group": draw(st.sampled_from(GROUPS)), "birth_year": draw(st.integers(1990, 2012)),
                "ethnicity": draw(st.sampled_from(ETHNICITIES)), "religion": draw(st.sampled_from(RELIGIONS)),
                "status": draw(st.sampled_from(STATUSES)),
            })
    events = draw(st.lists(st.tuples(st.integers(0, 99), st.sampled_from(KINDS), days), max_size=20)) if youth else []
    deadline = st.sampled_from([None, "early", "deadline", "late"])
    evaluations = draw(st.lists(st.tuples(st.integers(0, n - 1), st.sampled_from(PERIODS[:3]), deadline),
                                max_size=8, unique_by=lambda e: (e[0], e[1])))
    surveys = draw(st.lists(st.tuples(st.integers(0, n - 1), st.sampled_from(["2026-H1", "2026-H2", "2026"]),
                                      st.integers(0, 400), st.one_of(st.none(), st.integers(0, 400))),
                            max_size=6, unique_by=lambda s: (s[0], s[1])))
    targets = draw(st.lists(st.tuples(st.integers(0, n - 1), st.sampled_from(["admissions", "introduced"]),
                                      st.integers(0, 50)), max_size=4, unique_by=lambda t: (t[0], t[1])))
    edit = st.one_of(
        st.tuples(st.just("move_youth"), st.integers(0, 99), st.integers(0, n - 1)),
        st.tuples(st.just("redate_youth"), st.integers(0, 99), instants),
        st.tuples(st.just("regroup_youth"), st.integers(0, 99), st.sampled_from(GROUPS), st.sampled_from(STATUSES)),
        st.tuples(st.just("recode_youth"), st.integers(0, 99), st.sampled_from(ETHNICITIES),
                  st.sampled_from(RELIGIONS)),
        st.tuples(st.just("delete_youth"), st.integers(0, 99)),
        st.tuples(st.just("move_member_youth"), st.integers(0, 99), st.integers(0, n - 1)),
        st.tuples(st.just("delete_member_youth"), st.integers(0, 99)),
        st.tuples(st.just("redate_event"), st.integers(0, 99), days),
        st.tuples(st.just("delete_event"), st.integers(0, 99)),
        st.tuples(st.just("member"), st.integers(0, 99), st.integers(0, n - 1), st.sampled_from(["active", "left"])),
        st.tuples(st.just("move_unit"), st.integers(0, n - 1), st.integers(0, n - 1)),
        st.tuples(st.just("merge_units"), st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, n - 1)),
    )
    edits = draw(st.lists(edit, max_size=8))
    return Scenario(parents, members, youth, events, evaluations, surveys, targets, edits,
                    root=draw(st.integers(0, n - 1)), period=draw(st.sampled_from(PERIODS)))


def _submitted(period: Period, when: str | None) -> datetime | None:
    if when is None:
        return None
    deadline = datetime.combine(CALENDAR.deadline(period), datetime.min.time(), tzinfo=TZ)
    offset = {"early": timedelta(days=-20), "deadline": timedelta(hours=23, minutes=59), "late": timedelta(days=1)}
    return deadline + offset[when]


async def _clear(session: AsyncSession) -> None:
    for table in TABLES:
        await session.exec(delete(table))  # type: ignore[call-overload]
    await session.exec(update(Unit).values(parent_id=None))  # type: ignore[call-overload]
    await session.exec(delete(Unit))  # type: ignore[call-overload]


async def _load(session: AsyncSession, s: Scenario) -> list[Unit]:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    units: list[Unit] = []
    for i, parent in enumerate(s.parents):
        leaf = i not in s.parents
        units.append(await add_unit(session, code=f"P{i}", name=f"Đơn vị {i}",
                                    kind=UnitKind.BRANCH if leaf else UnitKind.GRASSROOTS,
                                    parent=units[parent] if parent >= 0 else None))
    member_ids = []
    for unit, status in s.members:
        result = await session.exec(insert(Member).values(  # type: ignore[call-overload]
            full_name="Thành Viên", birth_year=1999, unit_id=units[unit].id, status=status, joined_at=now,
            nudges=True).returning(Member.id))
        member_ids.append(result.scalar_one())
    if s.youth:  # one multi-row statement: triggers must count each row once
        rows = [{"full_name": "Thanh Niên", "name_key": "thanh nien", "birth_year": y["birth_year"],
                 "gender": y["gender"], "group_code": y["group"], "introduced_to": "doan",
                 "ethnicity": y["ethnicity"], "religion": y["religion"], "introduced_by": member_ids[y["member"]],
                 "unit_id": units[y["unit"]].id, "introduced_at": y["at"], "consent_at": now,
                 "status": y["status"], "status_at": now} for y in s.youth]
        await _counted(session, col(Youth.id).is_not(None), insert(Youth).values(rows))
    youth_ids = (await session.exec(select(Youth.id).order_by(col(Youth.id)))).all()
    if s.events:
        rows = [{"youth_id": youth_ids[i % len(youth_ids)], "kind": kind, "on_date": day,
                 "recorded_by": member_ids[0], "recorded_at": now} for i, kind, day in s.events]
        await session.exec(insert(Participation).values(rows))  # type: ignore[call-overload]
    for unit, period, when in s.evaluations:
        session.add(Evaluation(period=period.code, unit_id=units[unit].id, submitted_at=_submitted(period, when),
                               updated_at=now))
    for unit, period, population, reached in s.surveys:
        session.add(Survey(period=period, unit_id=units[unit].id, youth_population=population,
                           youth_reached=reached, recorded_at=now))
    for unit, metric, value in s.targets:
        session.add(Target(unit_id=units[unit].id, year=s.period.year, metric=metric, value=value, set_at=now))
    await session.flush()
    await _edit(session, s, units, member_ids)
    return units


async def _edit(session: AsyncSession, s: Scenario, units: list[Unit], member_ids: list[int]) -> None:
    for op, index, *rest in s.edits:
        if op in ("move_unit", "merge_units"):
            await _reorganise(session, op, units, index, *rest)
            continue
        youth_ids = (await session.exec(select(Youth.id).order_by(col(Youth.id)))).all()
        event_ids = (await session.exec(select(Participation.id).order_by(col(Participation.id)))).all()
        youth_id = youth_ids[index % len(youth_ids)] if youth_ids else None
        event_id = event_ids[index % len(event_ids)] if event_ids else None
        member_id = member_ids[index % len(member_ids)] if member_ids else None
        statement: Any = None
        written: Any = None  # which young people the statement writes, when it is one of theirs
        match op:
            case "move_youth" if youth_id:
                written = col(Youth.id) == youth_id
                statement = update(Youth).where(written).values(unit_id=units[rest[0]].id)
            case "redate_youth" if youth_id:
                written = col(Youth.id) == youth_id
                statement = update(Youth).where(written).values(introduced_at=rest[0])
            case "regroup_youth" if youth_id:
                statement = update(Youth).where(col(Youth.id) == youth_id).values(group_code=rest[0], status=rest[1])
            case "recode_youth" if youth_id:
                written = col(Youth.id) == youth_id
                statement = update(Youth).where(written).values(ethnicity=rest[0], religion=rest[1])
            case "delete_youth" if youth_id:  # participation goes by ON DELETE CASCADE
                written = col(Youth.id) == youth_id
                statement = delete(Youth).where(written)
            case "move_member_youth" if member_id:
                written = col(Youth.introduced_by) == member_id
                statement = update(Youth).where(written).values(unit_id=units[rest[0]].id)
            case "delete_member_youth" if member_id:
                await session.exec(delete(Participation).where(  # type: ignore[call-overload]
                    col(Participation.youth_id).in_(select(Youth.id).where(col(Youth.introduced_by) == member_id))))
                written = col(Youth.introduced_by) == member_id
                statement = delete(Youth).where(written)
            case "redate_event" if event_id:
                statement = update(Participation).where(col(Participation.id) == event_id).values(on_date=rest[0])
            case "delete_event" if event_id:
                statement = delete(Participation).where(col(Participation.id) == event_id)
            case "member" if member_id:
                statement = update(Member).where(col(Member.id) == member_id).values(
                    unit_id=units[rest[0]].id, status=rest[1])
        if written is not None:
            await _counted(session, written, statement)
        elif statement is not None:
            await session.exec(statement)


async def _counted(session: AsyncSession, written: Any, statement: Any) -> None:
    """Run `statement`, which writes the young people `written` selects (the same ones before and after), taking
    away their minority and religious counts before and adding them after, as storage/youth.py does."""
    await _count_sensitive(session, written, -1)
    await session.exec(statement)
    await _count_sensitive(session, written, 1)


async def _count_sensitive(session: AsyncSession, written: Any, sign: int) -> None:
    query = select(Youth.unit_id, Youth.introduced_at, Youth.ethnicity, Youth.religion).where(written)
    for unit_id, at, ethnicity, religion in (await session.exec(query)).all():
        await adjust_sensitive_counts(session, unit_id=unit_id, introduced_at=at, ethnicity=ethnicity,
                                      religion=religion, sign=sign)


async def _reorganise(session: AsyncSession, op: str, units: list[Unit], index: int, *rest: int) -> None:
    """Move unit `index` under unit `rest[0]`, or merge it (and unit `rest[1]`) into unit `rest[0]`; a refused
    change (a cycle, an inactive unit) is skipped, as the operator would be told."""
    with suppress(Refused):
        if op == "move_unit":
            await move_unit(session, unit=units[index], new_parent=units[rest[0]])
        else:
            sources = [units[i] for i in dict.fromkeys((index, rest[1]))]
            await merge_units(session, sources=sources, into=units[rest[0]], now=datetime(2026, 11, 24, tzinfo=UTC))


# --- The brute force: plain Python over every raw row.


def _in(period: Period, day: date) -> bool:
    return period.contains(day)


def _minority(code: str | None) -> bool:
    """A listed ethnic group other than the majority Kinh (storage/ethnic_groups.toml)."""
    return code is not None and code not in ("kinh", "other")


def _religious(code: str | None) -> bool:
    """Any answer but "none" (storage/religions.toml)."""
    return code is not None and code != "none"


def brute_force(rows: dict[str, list[Any]], root: Unit, period: Period) -> Figures:
    units = {u.id: u for u in rows["unit"] if u.path.startswith(root.path)}
    youth = [y for y in rows["youth"] if y.unit_id in units]
    figures = Figures(root.id or 0, root.code, root.name, root.kind)
    figures.members = sum(1 for m in rows["member"] if m.unit_id in units and m.status == "active")
    cohort = [y for y in youth if _in(period, y.introduced_at.astimezone(TZ).date())]
    figures.introduced = len(cohort)
    figures.fulfilled = len({(y.introduced_by, y.unit_id) for y in cohort})
    genders = Counter(y.gender for y in cohort)
    figures.male, figures.female = genders["male"], genders["female"]
    figures.other_gender = len(cohort) - genders["male"] - genders["female"]
    for band, low, high in AGE_BANDS:
        ages = [period.year - y.birth_year for y in cohort]
        setattr(figures, band, sum(1 for a in ages if (low is None or a >= low) and (high is None or a <= high)))
    figures.minority = sum(1 for y in cohort if _minority(y.ethnicity))
    figures.religious = sum(1 for y in cohort if _religious(y.religion))
    ids = {y.id for y in youth}
    for name, kind in (("participating", "activity"), ("joined_hoi", "joined_hoi"), ("admitted", "admitted")):
        setattr(figures, name, len({e.youth_id for e in rows["participation"]
                                    if e.youth_id in ids and e.kind == kind and _in(period, e.on_date)}))
    halves = [period] if period.half else [Period(period.year, 1), Period(period.year, 2)]
    branches = [u for u in units.values() if u.kind == UnitKind.BRANCH and u.active]
    figures.branches, figures.evaluations_due = len(branches), len(branches) * len(halves)
    ends = {h.code: datetime.combine(CALENDAR.deadline(h) + timedelta(days=1), datetime.min.time(), tzinfo=TZ)
            for h in halves}
    submitted = [e for e in rows["evaluation"] if e.unit_id in {b.id for b in branches} and e.period in ends
                 and e.submitted_at is not None]
    figures.submitted = len(submitted)
    figures.on_time = sum(1 for e in submitted if e.submitted_at < ends[e.period])
    codes = [period.code] if period.half else [str(period.year), f"{period.year}-H1", f"{period.year}-H2"]
    for unit_id in (u for u in units if units[u].active):
        surveys = [s for s in rows["survey"] if s.unit_id == unit_id and s.period in codes and s.youth_population > 0]
        if not surveys:
            continue
        survey = max(surveys, key=lambda s: s.period)
        below = {u.id for u in rows["unit"] if u.path.startswith(units[unit_id].path)}
        engaged = sum(1 for y in rows["youth"] if y.unit_id in below
                      and y.status in ("participating", "joined_hoi", "admitted"))
        members = sum(1 for m in rows["member"] if m.unit_id in below and m.status == "active")
        figures.surveyed += 1
        figures.youth_population += survey.youth_population
        figures.youth_reached += survey.youth_reached if survey.youth_reached is not None else members + engaged
    figures.targets = {t.metric: t.value for t in rows["target"] if t.unit_id == root.id and t.year == period.year}
    return figures


def brute_groups(rows: dict[str, list[Any]], root: Unit, period: Period) -> dict[str, int]:
    units = {u.id for u in rows["unit"] if u.path.startswith(root.path)}
    return dict(Counter(y.group_code for y in rows["youth"]
                        if y.unit_id in units and _in(period, y.introduced_at.astimezone(TZ).date())))


async def _rows(session: AsyncSession) -> dict[str, list[Any]]:
    tables = {"unit": Unit, "member": Member, "youth": Youth, "participation": Participation,
              "evaluation": Evaluation, "survey": Survey, "target": Target}
    return {name: list((await session.exec(select(model))).all()) for name, model in tables.items()}


async def _rollup_rows(session: AsyncSession) -> list[tuple[Any, ...]]:
    found = []
    for table in (ReportRollup, ReportGroup, ReportUnit):
        for row in (await session.exec(select(table))).all():
            values = row.model_dump()
            if any(v for k, v in values.items() if k not in ("unit_id", "period", "group_code")):
                found.append((table.__tablename__, *sorted(values.items())))
    return sorted(found)


async def _check(url: str, scenario: Scenario) -> None:
    engine = create_engine(url, sealer=Sealer([TEST_SENSITIVE_KEY]))
    sessions = session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            await _clear(session)
            units = await _load(session, scenario)
        async with sessions() as session, session.begin():
            session.expire_all()
            rows = await _rows(session)
            root = next(u for u in rows["unit"] if u.id == units[scenario.root].id)
            report = await report_for(session, unit=root, period=scenario.period, calendar=CALENDAR, tz=TZ)
            expected = brute_force(rows, root, scenario.period)
            assert report.total.counts() == expected.counts()
            assert report.total.targets == expected.targets
            assert report.groups == brute_groups(rows, root, scenario.period)
            children = [u for u in rows["unit"] if u.parent_id == root.id and u.active]
            assert {c.unit_id for c in report.children} == {c.id for c in children}
            for child in report.children:
                unit = next(u for u in children if u.id == child.unit_id)
                assert child.counts() == brute_force(rows, unit, scenario.period).counts(), unit.code
            for name in COUNT_FIELDS:
                parts = sum(getattr(c, name) for c in report.children) + getattr(report.own, name)
                assert parts == getattr(report.total, name), name
            incremental = await _rollup_rows(session)
            postgres = session.bind.dialect.name == "postgresql"
            for statement in rebuild_sql(postgres=postgres):
                await session.exec(text(statement))  # type: ignore[call-overload]
            await rebuild_sensitive_counts(session)
            assert await _rollup_rows(session) == incremental
    finally:
        await engine.dispose()


def test_report_matches_brute_force(database_url: str) -> None:
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(scenarios())
    def check(scenario: Scenario) -> None:
        asyncio.run(_check(database_url, scenario))

    check()
