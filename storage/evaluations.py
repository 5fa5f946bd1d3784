"""Semiannual evaluations: the draft a secretary fills in, its per-member lines, the area survey, submission,
and who the scheduled pushes about evaluations go to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Exists, and_, func, literal, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from storage.branch import RECIPIENT_COLUMNS, MemberProgress, Recipient
from storage.db import key_col, upsert_insert
from storage.models import (
    ChatIdentity,
    Evaluation,
    EvaluationLine,
    Member,
    Role,
    RoleName,
    Survey,
    Unit,
    UnitKind,
    Youth,
    YouthStatus,
)
from storage.units import in_subtree

__all__ = [
    "TEXT_FIELDS",
    "Candidate",
    "LateBranch",
    "Line",
    "admission_candidates",
    "branch_secretaries",
    "correct_line",
    "evaluation_for",
    "held_roles",
    "late_branch_count",
    "late_branches",
    "lines_of",
    "officers_on",
    "open_evaluation",
    "refresh_lines",
    "save_survey",
    "set_admission_proposals",
    "set_text",
    "submit_evaluation",
    "survey_for",
    "unsubmitted_branches",
]

TEXT_FIELDS = ("lessons", "difficulties", "proposals")


@dataclass(frozen=True, slots=True)
class Line:
    line_id: int
    member_id: int
    full_name: str
    introduced: int
    fulfilled: bool
    corrected: bool
    reason: str | None
    proposed_youth_id: int | None


@dataclass(frozen=True, slots=True)
class Candidate:
    youth_id: int
    full_name: str
    status: str
    introduced_by: int


@dataclass(frozen=True, slots=True)
class LateBranch:
    """A branch without an evaluation submitted on time: never submitted (`submitted_at` None) or late."""

    unit_id: int
    code: str
    name: str
    path: str
    parent_name: str
    submitted_at: datetime | None


async def evaluation_for(session: AsyncSession, *, period: str, unit_id: int) -> Evaluation | None:
    query = select(Evaluation).where(Evaluation.period == period, Evaluation.unit_id == unit_id)
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def open_evaluation(session: AsyncSession, *, period: str, unit_id: int, now: datetime) -> Evaluation:
    """Return the branch's evaluation of `period`, creating the draft the first time (safe under races)."""
    statement = upsert_insert(session, Evaluation).values(period=period, unit_id=unit_id, updated_at=now)
    await session.exec(statement.on_conflict_do_nothing())
    evaluation = await evaluation_for(session, period=period, unit_id=unit_id)
    assert evaluation is not None
    return evaluation


async def refresh_lines(session: AsyncSession, *, evaluation_id: int, progress: Sequence[MemberProgress]) -> None:
    """Bring each member's line up to date with the data; a line the secretary corrected keeps its result."""
    existing = {
        line.member_id: line
        for line in (await session.exec(select(EvaluationLine).where(
            EvaluationLine.evaluation_id == evaluation_id))).all()
    }
    new = [{"evaluation_id": evaluation_id, "member_id": m.member_id, "introduced": m.introduced,
            "fulfilled": m.introduced > 0, "corrected": False}
           for m in progress if m.member_id not in existing]
    if new:  # two secretaries opening the draft at once add each line once
        await session.exec(upsert_insert(session, EvaluationLine).values(new).on_conflict_do_nothing())
    for member in progress:
        line = existing.get(member.member_id)
        if line is not None:
            line.introduced = member.introduced
            if not line.corrected:
                line.fulfilled = member.introduced > 0
    await session.flush()


async def lines_of(session: AsyncSession, *, evaluation_id: int) -> Sequence[Line]:
    """Return the evaluation's lines with member names, in name order."""
    query = (
        select(EvaluationLine, Member.full_name)
        .join(Member, col(Member.id) == EvaluationLine.member_id)
        .where(EvaluationLine.evaluation_id == evaluation_id)
        .order_by(col(Member.full_name), col(Member.id))
    )
    return [_line(line, name) for line, name in (await session.exec(query)).all()]


def _line(line: EvaluationLine, full_name: str) -> Line:
    assert line.id is not None  # read from the database, so it has its id
    return Line(line.id, line.member_id, full_name, line.introduced, line.fulfilled, line.corrected, line.reason,
                line.propose_admission_youth_id)


async def correct_line(
    session: AsyncSession, *, evaluation_id: int, line_id: int, fulfilled: bool, reason: str
) -> bool:
    """Override one line's result with the secretary's reason; only a line of this evaluation."""
    statement = (
        update(EvaluationLine)
        .where(col(EvaluationLine.id) == line_id, col(EvaluationLine.evaluation_id) == evaluation_id)
        .values(fulfilled=fulfilled, corrected=True, reason=reason)
    )
    result = await session.exec(statement)
    return result.rowcount == 1


async def admission_candidates(session: AsyncSession, *, unit_id: int) -> Sequence[Candidate]:
    """Return the branch's young people who take part but are not yet admitted (worth proposing)."""
    query = (
        select(key_col(Youth.id), col(Youth.full_name), col(Youth.status), col(Youth.introduced_by))
        .where(Youth.unit_id == unit_id,
               col(Youth.status).in_((YouthStatus.PARTICIPATING, YouthStatus.JOINED_HOI)))
        .order_by(col(Youth.full_name), col(Youth.id))
    )
    return [Candidate(int(i), n, s, int(b)) for i, n, s, b in (await session.exec(query)).all()]


async def set_admission_proposals(
    session: AsyncSession, *, evaluation_id: int, proposals: dict[int, int]
) -> None:
    """Record the proposed young people, `member_id → youth_id` (one per introducing member)."""
    await session.exec(
        update(EvaluationLine).where(col(EvaluationLine.evaluation_id) == evaluation_id)
        .values(propose_admission_youth_id=None)
    )
    for member_id, youth_id in proposals.items():
        await session.exec(
            update(EvaluationLine)
            .where(col(EvaluationLine.evaluation_id) == evaluation_id, col(EvaluationLine.member_id) == member_id)
            .values(propose_admission_youth_id=youth_id)
        )


async def set_text(session: AsyncSession, *, evaluation_id: int, field: str, text: str, now: datetime) -> None:
    """Save lessons, difficulties or proposals for commendation."""
    if field not in TEXT_FIELDS:
        raise ValueError(field)
    await session.exec(
        update(Evaluation).where(col(Evaluation.id) == evaluation_id).values({field: text, "updated_at": now})
    )


async def survey_for(session: AsyncSession, *, period: str, unit_id: int) -> Survey | None:
    query = select(Survey).where(Survey.period == period, Survey.unit_id == unit_id)
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def save_survey(
    session: AsyncSession, *, period: str, unit_id: int, youth_population: int, groups: int,
    groups_note: str | None, recorded_by: int, now: datetime,
) -> None:
    """Record (or replace) the branch's area survey for the period."""
    values = {"youth_population": youth_population, "groups": groups, "groups_note": groups_note,
              "recorded_by": recorded_by, "recorded_at": now}
    statement = upsert_insert(session, Survey).values(period=period, unit_id=unit_id, **values)
    statement = statement.on_conflict_do_update(index_elements=["period", "unit_id"], set_=values)
    await session.exec(statement)


async def submit_evaluation(session: AsyncSession, *, evaluation_id: int, member_id: int, now: datetime) -> bool:
    """Mark the evaluation submitted (again, after an edit); True the first time."""
    first = update(Evaluation).where(col(Evaluation.id) == evaluation_id, col(Evaluation.submitted_at).is_(None))
    result = await session.exec(
        first.values(submitted_at=now, submitted_by=member_id, updated_at=now))
    if result.rowcount == 1:
        return True
    await session.exec(
        update(Evaluation).where(col(Evaluation.id) == evaluation_id).values(updated_at=now))
    return False


def _submitted_by(period: str, deadline_end: datetime | None) -> Exists:
    condition = and_(col(Evaluation.unit_id) == Unit.id, col(Evaluation.period) == period,
                     col(Evaluation.submitted_at).is_not(None))
    if deadline_end is not None:
        condition = and_(condition, col(Evaluation.submitted_at) < deadline_end)
    return select(Evaluation.id).where(condition).exists()


async def branch_secretaries(session: AsyncSession, *, period: str) -> Sequence[tuple[int, str, Recipient]]:
    """Return (branch id, branch name, secretary's identity) for every active branch that has not submitted."""
    # SQLModel's select() is typed for at most four columns: the Select is built directly, its row type stated.
    columns: Select[int, str, int, str, str, str | None, int] = Select(key_col(Unit.id), col(Unit.name),
                                                                      *RECIPIENT_COLUMNS)
    query = (
        columns
        .join(Role, and_(col(Role.unit_id) == Unit.id, col(Role.role) == RoleName.SECRETARY))
        .join(Member, col(Member.id) == Role.member_id)
        .join(ChatIdentity, col(ChatIdentity.member_id) == Member.id)
        .where(Unit.kind == UnitKind.BRANCH, col(Unit.active).is_(True), col(ChatIdentity.reachable).is_(True),
               ~_submitted_by(period, None))
        .order_by(col(Unit.path), col(Member.id), col(ChatIdentity.id))
    )
    return [(row[0], row[1], Recipient(*row[2:])) for row in (await session.exec(query)).all()]


def _late(period: str, deadline_end: datetime, root_path: str | None) -> list[ColumnElement[bool]]:
    """The conditions on `Unit` (outer-joined with its `Evaluation` of `period`) of an active branch, in the
    subtree at `root_path` if given, whose evaluation is missing or came at or after `deadline_end`."""
    conditions: list[ColumnElement[bool]] = [
        col(Unit.kind) == UnitKind.BRANCH, col(Unit.active).is_(True),
        or_(col(Evaluation.submitted_at).is_(None), col(Evaluation.submitted_at) >= deadline_end)]
    return conditions if root_path is None else [*conditions, in_subtree(Unit.path, root_path)]


def _with_evaluation(period: str) -> ColumnElement[bool]:
    return and_(col(Evaluation.unit_id) == Unit.id, col(Evaluation.period) == period)


async def late_branches(
    session: AsyncSession, *, period: str, deadline_end: datetime, root_path: str | None = None,
    limit: int | None = None,
) -> Sequence[LateBranch]:
    """Return the active branches (of the subtree at `root_path`, or everywhere) with no evaluation of `period`
    submitted before `deadline_end`, in tree order, at most `limit` of them."""
    parent = aliased(Unit, name="parent")
    # SQLModel's select() is typed for at most four columns: the Select is built directly, its row type stated.
    columns: Select[int, str, str, str, str, datetime | None] = Select(
        key_col(Unit.id), col(Unit.code), col(Unit.name), col(Unit.path), func.coalesce(parent.name, literal("")),
        col(Evaluation.submitted_at))
    query = (
        columns
        .outerjoin(Evaluation, _with_evaluation(period))
        .outerjoin(parent, col(parent.id) == Unit.parent_id)
        .where(*_late(period, deadline_end, root_path))
        .order_by(col(Unit.path))
        .limit(limit)
    )
    return [LateBranch(*row) for row in (await session.exec(query)).all()]


async def late_branch_count(
    session: AsyncSession, *, period: str, deadline_end: datetime, root_path: str | None = None
) -> int:
    """Count the branches `late_branches` would return without a limit."""
    query = (
        select(func.count()).select_from(Unit)
        .outerjoin(Evaluation, _with_evaluation(period))
        .where(*_late(period, deadline_end, root_path))
    )
    return int((await session.exec(query)).one())


async def unsubmitted_branches(session: AsyncSession, *, period: str, unit_ids: Sequence[int]) -> set[int]:
    """Return those of `unit_ids` that are active branches with no evaluation of `period` submitted yet."""
    query = select(key_col(Unit.id)).where(
        col(Unit.id).in_(list(unit_ids)), Unit.kind == UnitKind.BRANCH, col(Unit.active).is_(True),
        ~_submitted_by(period, None))
    return {int(unit_id) for unit_id in (await session.exec(query)).all()}


async def held_roles(session: AsyncSession, *, role: str, pairs: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
    """Return those (member id, unit id) of `pairs` where the member holds `role` on that very unit, still active."""
    query = (
        select(Role.member_id, Role.unit_id)
        .join(Unit, col(Unit.id) == Role.unit_id)
        .where(Role.role == role, col(Role.member_id).in_(sorted({m for m, _ in pairs})),
               col(Role.unit_id).in_(sorted({u for _, u in pairs})), col(Unit.active).is_(True))
    )
    found = {(int(m), int(u)) for m, u in (await session.exec(query)).all()}
    return found & set(pairs)


async def officers_on(
    session: AsyncSession, *, unit_ids: Sequence[int] | None = None, kind: str | None = None
) -> Sequence[tuple[int, Recipient]]:
    """Return (unit id, identity) of officers holding the role on one of `unit_ids` and/or on units of `kind`."""
    # SQLModel's select() is typed for at most four columns: the Select is built directly, its row type stated.
    columns: Select[int, int, str, str, str | None, int] = Select(col(Role.unit_id), *RECIPIENT_COLUMNS)
    query = (
        columns
        .join(Member, col(Member.id) == Role.member_id)
        .join(ChatIdentity, col(ChatIdentity.member_id) == Member.id)
        .join(Unit, col(Unit.id) == Role.unit_id)
        .where(Role.role == RoleName.OFFICER, col(ChatIdentity.reachable).is_(True), col(Unit.active).is_(True))
        .order_by(col(Unit.path), col(Member.id), col(ChatIdentity.id))
    )
    if unit_ids is not None:
        query = query.where(col(Role.unit_id).in_(list(unit_ids)))
    if kind is not None:
        query = query.where(Unit.kind == kind)
    return [(row[0], Recipient(*row[1:])) for row in (await session.exec(query)).all()]

