"""Integrity flags for inspectors: record ids and a machine-readable kind, never personal data."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, and_, case, cast, exists, false, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.calendar import Period
from storage.db import upsert_insert
from storage.models import (
    Evaluation,
    EvaluationLine,
    IntegrityFlag,
    Member,
    ReportRollup,
    Unit,
    UnitKind,
    Youth,
)
from storage.units import in_subtree

__all__ = [
    "BURST_PER_DAY",
    "JUMP_FACTOR",
    "JUMP_HISTORY",
    "JUMP_MIN",
    "MAX_AGE",
    "FlagKind",
    "FlagReview",
    "SameAnswer",
    "flag_count",
    "flag_counts_by_unit",
    "flag_in_subtree",
    "flag_page",
    "nth_latest_flag_at",
    "record_flag",
    "review_flag",
    "scan_branch_jumps",
    "scan_bursts",
    "scan_evaluation_claims",
    "scan_over_age",
]

# More than this many young people registered by one member in one Vietnam day is a burst.
BURST_PER_DAY = 10
# Older than this at registration (year of registration minus birth year) is implausible for "1+1".
MAX_AGE = 30
# At least this many young people of one branch whose phones differ only in the last two digits, and those
# digits a run without gaps (…01, …02, …03, …04, …05), look made up.
PHONE_RUN = 5
# A branch's introductions in a half-year jump when they reach JUMP_MIN and pass JUMP_FACTOR times its average
# over the JUMP_HISTORY half-years before (a half-year without any counts as 0).
JUMP_MIN, JUMP_FACTOR, JUMP_HISTORY = 10, 3, 4


class FlagKind(enum.StrEnum):
    DUPLICATE_PHONE = "duplicate_phone"
    SAME_PERSON = "same_person"
    # A member was refused so many phones registered elsewhere that further phone entries are held back.
    PHONE_PROBING = "phone_probing"
    # Found by the scan job (`scan_flags`), once per finding under a dedupe key.
    BURST = "burst"
    OVER_AGE = "over_age"
    PHONE_RUN = "phone_run"
    BRANCH_JUMP = "branch_jump"
    # A submitted evaluation states members fulfilled 1+1 for whom no young person is recorded in its period.
    EVALUATION_CLAIM = "evaluation_claim"


class FlagReview(enum.StrEnum):
    """What an inspector concluded: the flag was right, it was wrong (or has been corrected), or it needs
    checking on the ground."""

    CORRECT = "correct"
    FIXED = "fixed"
    VERIFY = "verify"


class SameAnswer(enum.StrEnum):
    """What the member answered to "is this the same person?"."""

    SAME = "same"
    DIFFERENT = "different"


async def record_flag(
    session: AsyncSession, *, kind: FlagKind, unit_id: int, member_id: int | None, at: datetime,
    youth_id: int | None = None, other_youth_id: int | None = None, answer: str | None = None,
) -> IntegrityFlag:
    """Keep one flag: `other_youth_id` is the record already there, `youth_id` the new one if any."""
    flag = IntegrityFlag(kind=kind, unit_id=unit_id, member_id=member_id, youth_id=youth_id,
                         other_youth_id=other_youth_id, answer=answer, created_at=at)
    session.add(flag)
    await session.flush()
    return flag


async def nth_latest_flag_at(
    session: AsyncSession, *, member_id: int, kind: FlagKind, since: datetime, n: int
) -> datetime | None:
    """Return when `member_id`'s `n`-th most recent flag of `kind` since `since` was kept, or None when they
    have fewer than `n` such flags."""
    query = (
        select(IntegrityFlag.created_at)
        .where(IntegrityFlag.member_id == member_id, IntegrityFlag.kind == kind,
               col(IntegrityFlag.created_at) >= since)
        .order_by(col(IntegrityFlag.created_at).desc())
        .offset(n - 1)
        .limit(1)
    )
    return (await session.exec(query)).first()


def _within(paths: Sequence[str]) -> ColumnElement[bool]:
    """Return a condition true for units inside any of the subtrees rooted at `paths` (none: false)."""
    if not paths:
        return false()
    return or_(*(in_subtree(Unit.path, path) for path in paths))


async def flag_count(session: AsyncSession, *, paths: Sequence[str]) -> int:
    """Return how many flags not yet reviewed belong to units under `paths`."""
    query = (select(func.count()).select_from(IntegrityFlag).join(Unit, col(Unit.id) == IntegrityFlag.unit_id)
             .where(_within(paths), col(IntegrityFlag.review).is_(None)))
    return (await session.exec(query)).one()


async def flag_page(
    session: AsyncSession, *, paths: Sequence[str], offset: int, limit: int
) -> Sequence[tuple[IntegrityFlag, Unit]]:
    """Return one page of the flags not yet reviewed under `paths`, newest first, each with its unit."""
    query = (
        select(IntegrityFlag, Unit).join(Unit, col(Unit.id) == IntegrityFlag.unit_id)
        .where(_within(paths), col(IntegrityFlag.review).is_(None))
        .order_by(col(IntegrityFlag.created_at).desc(), col(IntegrityFlag.id).desc())
        .offset(offset).limit(limit)
    )
    return (await session.exec(query)).all()


async def flag_in_subtree(
    session: AsyncSession, *, flag_id: int, paths: Sequence[str]
) -> tuple[IntegrityFlag, Unit] | None:
    """Return flag `flag_id` with its unit when that unit is under `paths`; None otherwise (or if gone)."""
    query = (select(IntegrityFlag, Unit).join(Unit, col(Unit.id) == IntegrityFlag.unit_id)
             .where(IntegrityFlag.id == flag_id, _within(paths)))
    found = (await session.exec(query)).first()
    return (found[0], found[1]) if found is not None else None


async def review_flag(
    session: AsyncSession, *, flag: IntegrityFlag, review: FlagReview, note: str, reviewed_by: int, at: datetime
) -> None:
    """Record an inspector's conclusion on `flag`: the outcome, their note, who and when."""
    flag.review, flag.review_note, flag.reviewed_by, flag.reviewed_at = review, note, reviewed_by, at
    session.add(flag)
    await session.flush()


async def flag_counts_by_unit(
    session: AsyncSession, *, paths: Sequence[str]
) -> Sequence[tuple[str, int, int]]:
    """Return (unit name, open flags, reviewed flags) for each unit under `paths` that has a flag, by path."""
    reviewed = func.count(IntegrityFlag.review)  # type: ignore[arg-type]
    query = (
        select(Unit.name, func.count() - reviewed, reviewed)
        .join(IntegrityFlag, col(IntegrityFlag.unit_id) == Unit.id)
        .where(_within(paths))
        .group_by(col(Unit.id), col(Unit.name), col(Unit.path))
        .order_by(col(Unit.path))
    )
    return [(name, int(opened), int(done)) for name, opened, done in (await session.exec(query)).all()]


async def _insert_flags(session: AsyncSession, rows: list[dict[str, object]]) -> int:
    """Insert scan findings, skipping those whose dedupe key is already there; return how many are new."""
    if not rows:
        return 0
    statement = upsert_insert(session, IntegrityFlag).values(rows).on_conflict_do_nothing()
    return max((await session.exec(statement)).rowcount, 0)


def _local_days(since: datetime, until: datetime, tz: ZoneInfo) -> list[date]:
    first, last = since.astimezone(tz).date(), until.astimezone(tz).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


async def scan_bursts(session: AsyncSession, *, since: datetime, now: datetime, tz: ZoneInfo) -> int:
    """Flag each member who registered more than BURST_PER_DAY young people in one local day from `since`'s
    day to today; one flag per member and day (`burst:m<member>:<day>`). Return how many flags are new."""
    rows: list[dict[str, object]] = []
    for day in _local_days(since, now, tz):
        start = datetime.combine(day, time(), tz)
        query = (
            select(Youth.introduced_by, Member.unit_id, func.count())
            .join(Member, col(Member.id) == Youth.introduced_by)
            .where(col(Youth.introduced_at) >= start, col(Youth.introduced_at) < start + timedelta(days=1))
            .group_by(col(Youth.introduced_by), col(Member.unit_id))
            .having(func.count() > BURST_PER_DAY)
        )
        rows += [{"kind": FlagKind.BURST, "unit_id": unit_id, "member_id": member_id, "created_at": now,
                  "detail": f"count={n};day={day.isoformat()}", "dedupe_key": f"burst:m{member_id}:{day.isoformat()}"}
                 for member_id, unit_id, n in (await session.exec(query)).all()]
    return await _insert_flags(session, rows)


async def scan_over_age(session: AsyncSession, *, since: datetime, now: datetime, tz: ZoneInfo) -> int:
    """Flag each young person registered from `since` on who was older than MAX_AGE that year (one flag each,
    `over_age:y<youth>`). Return how many flags are new."""
    rows: list[dict[str, object]] = []
    for year in range(since.astimezone(tz).year, now.astimezone(tz).year + 1):
        start = max(since, datetime(year, 1, 1, tzinfo=tz))
        query = (
            select(Youth.id, Youth.unit_id, Youth.introduced_by, Youth.birth_year)
            .where(col(Youth.introduced_at) >= start, col(Youth.introduced_at) < datetime(year + 1, 1, 1, tzinfo=tz),
                   col(Youth.birth_year) < year - MAX_AGE)
        )
        rows += [{"kind": FlagKind.OVER_AGE, "unit_id": unit_id, "member_id": member_id, "youth_id": youth_id,
                  "created_at": now, "detail": f"age={year - born}", "dedupe_key": f"over_age:y{youth_id}"}
                 for youth_id, unit_id, member_id, born in (await session.exec(query)).all()]
    return await _insert_flags(session, rows)


async def scan_phone_runs(session: AsyncSession, *, since: datetime, now: datetime) -> int:
    """Flag each branch where at least PHONE_RUN young people registered from `since` on have phones that share
    all but the last two digits, those digits forming a run without gaps; one flag per run, keyed by its first
    record (`phone_run:y<youth>`: the key holds no digit of a phone). Return how many flags are new."""
    phone = col(Youth.phone)
    prefix = func.substr(phone, 1, func.length(phone) - 2)
    last = cast(func.substr(phone, func.length(phone) - 1, 2), Integer)
    query = (
        select(Youth.unit_id, func.min(Youth.id), func.count())
        .where(col(Youth.introduced_at) >= since, phone.is_not(None))
        .group_by(col(Youth.unit_id), prefix)
        .having(func.count() >= PHONE_RUN, func.max(last) - func.min(last) == func.count() - 1)
    )
    rows: list[dict[str, object]] = [
        {"kind": FlagKind.PHONE_RUN, "unit_id": unit_id, "youth_id": first, "created_at": now,
         "detail": f"count={n}", "dedupe_key": f"phone_run:y{first}"}
        for unit_id, first, n in (await session.exec(query)).all()]
    return await _insert_flags(session, rows)


async def scan_branch_jumps(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> int:
    """Flag each active branch whose introductions in the half-year of `now` reach JUMP_MIN and pass JUMP_FACTOR
    times its average over the JUMP_HISTORY half-years before (from the rollups: no young person is read); one
    flag per branch and half-year (`jump:u<unit>:<half-year>`). Return how many flags are new."""
    current = Period.half_of(now.astimezone(tz).date())
    history = [current.previous()]
    while len(history) < JUMP_HISTORY:
        history.append(history[-1].previous())
    # One read of the report_rollup view, filtered by constant periods only: that filter reaches its base table
    # and pending rows, while the join to unit (which branches) applies to the summed rows.
    introduced = col(ReportRollup.introduced)
    now_n = func.sum(case((col(ReportRollup.period) == current.code, introduced), else_=0))
    earlier_n = func.sum(case((col(ReportRollup.period) != current.code, introduced), else_=0))
    counts = (
        select(ReportRollup.unit_id, now_n.label("n"), earlier_n.label("earlier"))
        .where(col(ReportRollup.period).in_([current.code, *(half.code for half in history)]))
        .group_by(col(ReportRollup.unit_id))
        .having(now_n >= JUMP_MIN, now_n * JUMP_HISTORY > JUMP_FACTOR * earlier_n)
        .subquery()
    )
    query = (
        select(counts.c.unit_id, counts.c.n, counts.c.earlier)
        .join(Unit, col(Unit.id) == counts.c.unit_id)
        .where(Unit.kind == UnitKind.BRANCH, col(Unit.active))
    )
    rows: list[dict[str, object]] = [
        {"kind": FlagKind.BRANCH_JUMP, "unit_id": unit_id, "created_at": now,
         "detail": f"count={n};average={int(earlier) / JUMP_HISTORY:g}",
         "dedupe_key": f"jump:u{unit_id}:{current.code}"}
        for unit_id, n, earlier in (await session.exec(query)).all()]
    return await _insert_flags(session, rows)


async def scan_evaluation_claims(session: AsyncSession, *, since: datetime, now: datetime, tz: ZoneInfo) -> int:
    """Flag each evaluation submitted from `since` on that states a member fulfilled 1+1 while no young person
    they introduced is recorded in its period (one flag per evaluation, `evaluation:e<evaluation>`): the
    detail holds how many members it states and how many the data shows. Return how many flags are new."""
    periods = (await session.exec(
        select(Evaluation.period).where(col(Evaluation.submitted_at) >= since).distinct())).all()
    rows: list[dict[str, object]] = []
    for code in periods:
        start, end = Period.parse(code).bounds(tz)
        recorded = exists().where(col(Youth.introduced_by) == EvaluationLine.member_id,
                                  col(Youth.introduced_at) >= start, col(Youth.introduced_at) < end)
        stated = func.sum(case((col(EvaluationLine.fulfilled), 1), else_=0))
        shown = func.sum(case((recorded, 1), else_=0))
        unbacked = func.sum(case((and_(col(EvaluationLine.fulfilled), ~recorded), 1), else_=0))
        columns = [col(Evaluation.id), col(Evaluation.unit_id), func.count(), stated, shown]
        query = (
            select(*columns)  # five columns: past select()'s typed overloads
            .join(EvaluationLine, col(EvaluationLine.evaluation_id) == Evaluation.id)
            .where(Evaluation.period == code, col(Evaluation.submitted_at) >= since)
            .group_by(col(Evaluation.id), col(Evaluation.unit_id))
            .having(unbacked > 0)
        )
        rows += [{"kind": FlagKind.EVALUATION_CLAIM, "unit_id": unit_id, "created_at": now,
                  "detail": f"members={members};stated={claimed};recorded={found};period={code}",
                  "dedupe_key": f"evaluation:e{evaluation_id}"}
                 for evaluation_id, unit_id, members, claimed, found in (await session.exec(query)).all()]
    return await _insert_flags(session, rows)
