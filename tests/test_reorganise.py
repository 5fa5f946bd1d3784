"""Reorganisations against a real database (storage/reorganise.py and `bot11 admin move-unit / merge-units /
deactivate-unit`): a move carries its subtree and its counts, a merge carries members, young people and the
rest into the unit merged into, refusals change nothing, and deactivated units drop out of what is current
(evaluation prompts, late lists, report child tables) while the rollups stay equal to a rebuild."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App, build_app
from bot.settings import Settings
from scheduled.pushes import Drop, recheck
from storage.calendar import EvaluationCalendar, Period
from storage.evaluations import branch_secretaries, late_branches, unsubmitted_branches
from storage.identities import link_member
from storage.models import (
    Audit,
    Evaluation,
    Invite,
    Member,
    Outbox,
    Participation,
    ReportGroup,
    ReportRollup,
    ReportUnit,
    Role,
    RoleName,
    Survey,
    Target,
    Transfer,
    Unit,
    UnitKind,
    Youth,
)
from storage.reorganise import MergeCounts, Refusal, Refused, deactivate_unit, merge_units, move_unit
from storage.reports import report_for
from storage.rollups import rebuild_sensitive_counts, rebuild_sql
from storage.units import add_unit, subtree_units, unit_by_code
from tests.test_import_units import HEADER, env, run, tree, write_csv  # noqa: F401 (env: a fixture)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = EvaluationCalendar()
H1, H2 = Period(2026, 1), Period(2026, 2)
NOW = datetime(2026, 11, 24, 3, tzinfo=UTC)


# --- Helpers: rows written the way the bot writes them, and the rollups checked against a rebuild.


async def units(session: AsyncSession, *codes: str) -> list[Unit]:
    found = [await unit_by_code(session, code=code) for code in codes]
    assert all(found)
    return [unit for unit in found if unit is not None]


async def member_ids(session: AsyncSession, unit: Unit) -> list[int]:
    query = select(Member.id).where(Member.unit_id == unit.id).order_by(col(Member.id))
    return [i for i in (await session.exec(query)).all() if i is not None]


async def add_youth(session: AsyncSession, *, member: int, unit: Unit, at: datetime, admitted: date | None = None,
                    status: str = "introduced") -> None:
    youth = Youth(full_name="Thanh Niên", name_key="thanh nien", birth_year=2006, gender="female",
                  group_code="residential", introduced_to="doan", introduced_by=member, unit_id=unit.id or 0,
                  introduced_at=at, consent_at=at, status=status, status_at=at)
    session.add(youth)
    await session.flush()
    if admitted is not None:
        session.add(Participation(youth_id=youth.id or 0, kind="admitted", on_date=admitted, recorded_by=member,
                                  recorded_at=at))
        await session.flush()


async def rollup_rows(session: AsyncSession) -> list[tuple[Any, ...]]:
    found = []
    for table in (ReportRollup, ReportGroup, ReportUnit):
        for row in (await session.exec(select(table))).all():
            values = row.model_dump()
            if any(v for k, v in values.items() if k not in ("unit_id", "period", "group_code")):
                found.append((table.__tablename__, *sorted(values.items())))
    return sorted(found)


async def assert_rollups_exact(session: AsyncSession) -> None:
    """The trigger-kept rollups equal what a rebuild from the rows computes."""
    kept = await rollup_rows(session)
    postgres = session.bind is not None and session.bind.dialect.name == "postgresql"
    for statement in rebuild_sql(postgres=postgres):
        await session.exec(text(statement))  # type: ignore[call-overload]
    await rebuild_sensitive_counts(session)
    assert await rollup_rows(session) == kept


async def report(session: AsyncSession, unit: Unit, period: Period = H2) -> Any:
    return await report_for(session, unit=unit, period=period, calendar=CALENDAR, tz=TZ)


# --- Moves.


async def test_a_move_carries_the_subtree_and_its_counts(demo: App) -> None:
    async with demo.sessions() as session, session.begin():
        pba, kp1, qd, hd, td = await units(session, "CS-PBA", "CD-KP1", "QD-HB", "HD-TS", "TD-AL")
        first = (await member_ids(session, kp1))[0]
        await add_youth(session, member=first, unit=kp1, at=NOW, admitted=date(2026, 10, 2), status="admitted")
        await add_youth(session, member=first, unit=pba, at=NOW - timedelta(days=200))
        before = {u.code: (await report(session, u)).total.counts() for u in (qd, hd, td)}

        assert await move_unit(session, unit=pba, new_parent=hd) == 3

        assert pba.parent_id == hd.id and pba.path == f"{hd.path}{pba.id}/"
        assert kp1.path.startswith(pba.path)  # the units this session holds follow the UPDATE
        stored = {u.code: u.path for u in await subtree_units(session, root=hd)}
        assert set(stored) == {"HD-TS", "CS-PBA", "CD-KP1", "CD-KP2", "CS-TL", "CD-APD", "CD-APT", "CS-MTC",
                               "CD-PX1"}
        after = {u.code: (await report(session, u)).total.counts() for u in (qd, hd, td)}
        assert after["QD-HB"]["members"] == before["QD-HB"]["members"] - 12
        assert after["HD-TS"]["members"] == before["HD-TS"]["members"] + 12
        assert (after["HD-TS"]["introduced"], after["HD-TS"]["admitted"]) == (1, 1)
        assert (after["QD-HB"]["introduced"], after["QD-HB"]["admitted"]) == (0, 0)
        assert after["TD-AL"] == before["TD-AL"]  # the common ancestor sees no change
        h1 = await report(session, hd, H1)  # a past period follows the unit too
        assert h1.total.introduced == 1
        await assert_rollups_exact(session)


async def test_a_move_under_the_same_parent_changes_nothing(demo: App) -> None:
    async with demo.sessions() as session, session.begin():
        pba, qd = await units(session, "CS-PBA", "QD-HB")
        path = pba.path
        assert await move_unit(session, unit=pba, new_parent=qd) == 0
        assert pba.path == path


MOVE_REFUSALS = [
    ("under-itself", "CS-PBA", "CS-PBA", Refusal.UNDER_ITSELF),
    ("under-its-child", "CS-PBA", "CD-KP1", Refusal.UNDER_DESCENDANT),
    ("root-under-a-leaf", "TD-AL", "CD-PX1", Refusal.UNDER_DESCENDANT),
    ("under-a-deactivated-unit", "CD-KP1", "CS-NEW", Refusal.INACTIVE_TARGET),
]


@pytest.mark.parametrize(("code", "parent", "refusal"), [c[1:] for c in MOVE_REFUSALS],
                         ids=[c[0] for c in MOVE_REFUSALS])
async def test_a_move_that_would_break_the_tree_is_refused(demo: App, code: str, parent: str,
                                                           refusal: Refusal) -> None:
    async with demo.sessions() as session, session.begin():
        qd = (await units(session, "QD-HB"))[0]
        await deactivate_unit(session, unit=await add_unit(session, code="CS-NEW", name="Mới", kind="grassroots",
                                                           parent=qd))
        before = [(u.code, u.path, u.parent_id) for u in await subtree_units(session)]
        unit, target = await units(session, code, parent)
        with pytest.raises(Refused) as refused:
            await move_unit(session, unit=unit, new_parent=target)
        assert (refused.value.refusal, refused.value.unit, refused.value.other) == (refusal, code, parent)
        assert [(u.code, u.path, u.parent_id) for u in await subtree_units(session)] == before


# --- Merges.


async def test_a_merge_carries_everything_into_the_unit_and_keeps_the_source_deactivated(demo: App) -> None:
    async with demo.sessions() as session, session.begin():
        kp1, kp2, pba, a1 = await units(session, "CD-KP1", "CD-KP2", "CS-PBA", "CD-12A1")
        ones, twos = await member_ids(session, kp1), await member_ids(session, kp2)
        await add_youth(session, member=twos[0], unit=kp2, at=NOW, admitted=date(2026, 9, 1), status="admitted")
        await add_youth(session, member=twos[0], unit=kp2, at=NOW - timedelta(days=200), status="participating")
        await add_youth(session, member=twos[1], unit=kp2, at=NOW)
        for unit, period in ((kp1, H1), (kp2, H1), (kp2, H2)):  # H1 clashes; H2 only the source has
            session.add(Evaluation(period=period.code, unit_id=unit.id or 0, submitted_at=NOW, updated_at=NOW))
        for unit, period, population in ((kp1, "2026-H2", 100), (kp2, "2026-H2", 50), (kp2, "2026-H1", 70)):
            session.add(Survey(period=period, unit_id=unit.id or 0, youth_population=population, recorded_at=NOW))
        for unit, metric, value in ((kp1, "admissions", 5), (kp2, "admissions", 3), (kp2, "introduced", 9)):
            session.add(Target(unit_id=unit.id or 0, year=2026, metric=metric, value=value, set_at=NOW))
        outgoing = Transfer(member_id=twos[2], from_unit_id=kp2.id or 0, to_unit_id=a1.id or 0, requested_at=NOW)
        pointless = Transfer(member_id=ones[2], from_unit_id=kp1.id or 0, to_unit_id=kp2.id or 0, requested_at=NOW)
        session.add_all([outgoing, pointless])
        session.add(Role(member_id=ones[0], role=RoleName.MEMBER, unit_id=kp2.id or 0))
        await session.flush()
        before = (await report(session, pba)).total.counts()

        counts = await merge_units(session, sources=[kp2], into=kp1, now=NOW)

        assert counts == MergeCounts(members=6, youth=3, evaluations=1, evaluations_kept=1, surveys=1, surveys_kept=1,
                                     targets=2, invites=1, roles=2, transfers=2, flags=0, units=0)
        assert (kp2.active, kp2.merged_into_id, kp1.active) == (False, kp1.id, True)
        assert await member_ids(session, kp2) == []
        assert len(await member_ids(session, kp1)) == 12
        targets = (await session.exec(select(Target.metric, Target.value).where(Target.unit_id == kp1.id))).all()
        assert sorted(targets) == [("admissions", 8), ("introduced", 9)]
        kept = (await session.exec(select(Evaluation.period).where(Evaluation.unit_id == kp2.id))).all()
        assert kept == ["2026-H1"]
        invite = (await session.exec(select(Invite.unit_id).where(Invite.code == "DEMO-DOANVIEN2"))).one()
        assert invite == kp1.id
        await session.refresh(outgoing)
        await session.refresh(pointless)
        assert (outgoing.from_unit_id, outgoing.status) == (kp1.id, "pending")
        assert (pointless.to_unit_id, pointless.status, pointless.decided_at) == (kp1.id, "cancelled", NOW)
        roles = (await session.exec(select(Role.member_id, Role.role).where(Role.unit_id == kp1.id))).all()
        assert (twos[0], RoleName.SECRETARY) in roles and (ones[0], RoleName.MEMBER) in roles

        after = await report(session, pba)
        same = ("members", "introduced", "fulfilled", "admitted", "youth_reached")
        assert {name: after.total.counts()[name] for name in same} == {name: before[name] for name in same}
        assert (before["branches"], before["submitted"], before["surveyed"], before["youth_population"]) == (
            2, 1, 2, 150)
        # One branch now, its evaluation the source's; the source's clashing survey stays with it, uncounted.
        assert (after.total.branches, after.total.submitted, after.total.surveyed,
                after.total.youth_population) == (1, 1, 1, 100)
        assert [(c.code, c.members, c.introduced, c.admitted) for c in after.children] == [("CD-KP1", 12, 2, 1)]
        h1 = await report(session, pba, H1)  # the past half-year counts the source's rows in CD-KP1 too
        assert (h1.total.introduced, h1.total.youth_population, h1.total.branches, h1.total.submitted) == (
            1, 70, 1, 1)
        await assert_rollups_exact(session)


async def test_merging_a_unit_with_children_moves_them_under_the_unit_merged_into(demo: App) -> None:
    async with demo.sessions() as session, session.begin():
        pba, ll, kp1 = await units(session, "CS-PBA", "CS-LL", "CD-KP1")
        await add_youth(session, member=(await member_ids(session, kp1))[0], unit=kp1, at=NOW)
        counts = await merge_units(session, sources=[pba], into=ll, now=NOW)
        assert counts.units == 2 and counts.members == 0
        assert {u.code for u in await subtree_units(session, root=ll)} == {"CS-LL", "CD-12A1", "CD-12A2", "CD-KP1",
                                                                          "CD-KP2"}
        assert [u.code for u in await subtree_units(session, root=pba)] == ["CS-PBA"]
        ll_report = await report(session, ll)
        assert (ll_report.total.members, ll_report.total.introduced, ll_report.total.branches) == (24, 1, 4)
        await assert_rollups_exact(session)


async def test_several_units_merge_at_once_and_a_clash_between_them_keeps_the_later(demo: App) -> None:
    async with demo.sessions() as session, session.begin():
        kp1, kp2, a1, a2 = await units(session, "CD-KP1", "CD-KP2", "CD-12A1", "CD-12A2")
        for unit in (kp2, a1):
            session.add(Evaluation(period="2026-H2", unit_id=unit.id or 0, updated_at=NOW))
        await session.flush()
        counts = await merge_units(session, sources=[kp2, a1, a2], into=kp1, now=NOW)
        assert (counts.members, counts.evaluations, counts.evaluations_kept) == (18, 1, 1)
        assert [u.active for u in (kp2, a1, a2)] == [False, False, False]
        assert len(await member_ids(session, kp1)) == 24
        await assert_rollups_exact(session)


MERGE_REFUSALS = [
    ("into-itself", ["CD-KP1", "CD-KP2"], "CD-KP1", Refusal.UNDER_ITSELF, "CD-KP1"),
    ("into-its-own-branch", ["CS-PBA"], "CD-KP1", Refusal.UNDER_DESCENDANT, "CS-PBA"),
    ("into-a-deactivated-unit", ["CD-KP2"], "CS-NEW", Refusal.INACTIVE_TARGET, "CD-KP2"),
    ("a-deactivated-source", ["CD-KP2", "CS-NEW"], "CD-KP1", Refusal.INACTIVE_SOURCE, "CS-NEW"),
]


@pytest.mark.parametrize(("sources", "into", "refusal", "named"), [c[1:] for c in MERGE_REFUSALS],
                         ids=[c[0] for c in MERGE_REFUSALS])
async def test_a_merge_that_would_break_the_tree_is_refused_and_changes_nothing(
    demo: App, sources: list[str], into: str, refusal: Refusal, named: str
) -> None:
    async with demo.sessions() as session, session.begin():
        qd = (await units(session, "QD-HB"))[0]
        await deactivate_unit(session, unit=await add_unit(session, code="CS-NEW", name="Mới", kind="grassroots",
                                                           parent=qd))
        before = [(u.code, u.path, u.active) for u in await subtree_units(session)]
        members = await member_ids(session, (await units(session, "CD-KP2"))[0])
        with pytest.raises(Refused) as refused:
            await merge_units(session, sources=await units(session, *sources),
                              into=(await units(session, into))[0], now=NOW)
        assert (refused.value.refusal, refused.value.unit) == (refusal, named)
        assert [(u.code, u.path, u.active) for u in await subtree_units(session)] == before
        assert await member_ids(session, (await units(session, "CD-KP2"))[0]) == members


# --- Deactivation, and deactivated units out of what is current.


async def test_deactivation_is_refused_while_a_unit_has_members_or_active_children(demo: App) -> None:
    async with demo.sessions() as session, session.begin():
        kp2, pba = await units(session, "CD-KP2", "CS-PBA")
        with pytest.raises(Refused) as refused:
            await deactivate_unit(session, unit=kp2)
        assert (refused.value.refusal, refused.value.children, refused.value.members) == (Refusal.IN_USE, 0, 6)
        with pytest.raises(Refused) as refused:
            await deactivate_unit(session, unit=pba)
        assert (refused.value.children, refused.value.members) == (2, 0)
        assert kp2.active and pba.active
        empty = await add_unit(session, code="CD-TRONG", name="Chi đoàn trống", kind=UnitKind.BRANCH, parent=pba)
        await deactivate_unit(session, unit=empty)
        assert not empty.active
        with pytest.raises(Refused) as refused:
            await deactivate_unit(session, unit=empty)
        assert refused.value.refusal == Refusal.INACTIVE_SOURCE


async def test_merged_and_deactivated_branches_are_out_of_prompts_late_lists_and_child_tables(demo: App) -> None:
    async with demo.sessions() as session, session.begin():
        kp1, kp2, pba = await units(session, "CD-KP1", "CD-KP2", "CS-PBA")
        secretary = (await member_ids(session, kp2))[0]  # the demo's secretary of CD-KP2
        await link_member(session, channel="telegram", external_id="42", chat_id="42", member_id=secretary, now=NOW)
        empty = await add_unit(session, code="CD-TRONG", name="Chi đoàn trống", kind=UnitKind.BRANCH, parent=pba)
        queued = Outbox(dedupe_key="eval.2026-H2.s0.u-kp2", channel="telegram", chat_id="42", not_before=NOW,
                        created_at=NOW, payload={"kind": "evaluation.push_prompt", "about": {
                            "member_id": secretary, "unit_id": kp2.id, "period": "2026-H2"}})
        session.add(queued)
        await session.flush()
        assert {b.code for b in await late_branches(session, period="2026-H2", deadline_end=NOW,
                                                    root_path=pba.path)} == {"CD-KP1", "CD-KP2", "CD-TRONG"}

        await merge_units(session, sources=[kp2], into=kp1, now=NOW)
        await deactivate_unit(session, unit=empty)

        late = await late_branches(session, period="2026-H2", deadline_end=NOW, root_path=pba.path)
        assert [b.code for b in late] == ["CD-KP1"]
        assert await unsubmitted_branches(session, period="2026-H2", unit_ids=[kp1.id or 0, kp2.id or 0,
                                                                               empty.id or 0]) == {kp1.id}
        prompted = [(branch, recipient.chat_id) for branch, _, recipient in
                    await branch_secretaries(session, period="2026-H2")]
        assert (kp1.id, "42") in prompted and all(branch != kp2.id for branch, _ in prompted)
        verdicts = await recheck(session, rows=[queued], now=NOW)
        assert isinstance(verdicts[queued.id or 0], Drop)
        children = (await report(session, pba)).children
        assert [c.code for c in children] == ["CD-KP1"]


# --- The command line.


def audit_rows(database_url: str) -> list[tuple[str, str, int | None]]:
    async def read() -> list[tuple[str, str, int | None]]:
        app = build_app(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
        try:
            async with app.sessions() as session:
                query = select(Audit.action, Audit.target, Audit.actor_member_id).order_by(col(Audit.id))
                return [(a, t, m) for a, t, m in (await session.exec(query)).all()]
        finally:
            await app.close()

    return asyncio.run(read())


def test_move_unit_prints_what_moved_and_audits_it(
    env: Path, capsys: pytest.CaptureFixture[str], database_url: str  # noqa: F811 (env: the fixture)
) -> None:
    code, out = run(capsys, "move-unit", " cs-pba ", "--to", "hd-ts")
    assert code == 0
    assert out == ("Đã chuyển CS-PBA (Đoàn phường Bình An): Quận Đoàn Hòa Bình → Huyện Đoàn Thanh Sơn. Số đơn vị "
                   "đổi chỗ, kể cả các đơn vị trực thuộc: 3. Số liệu các kỳ trước của đơn vị được tính theo đơn vị "
                   "cấp trên mới.\n")
    lines = tree(capsys)
    hd = lines.index(next(line for line in lines if line.startswith("  HD-TS")))
    assert lines[hd + 1].startswith("    CS-PBA") and lines[hd + 2].startswith("      CD-KP1")
    assert [(action, actor) for action, _, actor in audit_rows(database_url)] == [("unit.moved", None)]
    code, out = run(capsys, "move-unit", "CS-PBA", "--to", "HD-TS", "--locale", "en")
    assert (code, out) == (0, "CS-PBA is already under Huyện Đoàn Thanh Sơn: nothing was changed.\n")
    assert len(audit_rows(database_url)) == 1


def test_merge_and_deactivate_print_what_followed(
    env: Path, capsys: pytest.CaptureFixture[str], database_url: str  # noqa: F811 (env: the fixture)
) -> None:
    code, out = run(capsys, "deactivate-unit", "CD-KP2")
    assert code == 1
    assert "CD-KP2 vẫn còn đơn vị trực thuộc đang hoạt động: 0; đoàn viên (kể cả người chờ xác nhận): 6." in out
    code, out = run(capsys, "merge-units", "CD-KP2", "cd-kp2", "--into", "CD-KP1")
    assert code == 0
    assert out.splitlines() == [
        "Đã sáp nhập CD-KP2 vào CD-KP1 (Chi đoàn Khu phố 1).",
        "Chuyển sang theo — đoàn viên: 6; thanh niên được giới thiệu: 0; đơn vị trực thuộc: 0; bản đánh giá: 0; "
        "khảo sát: 0; chỉ tiêu: 0; mã mời: 1; vai trò: 1; yêu cầu chuyển sinh hoạt đang chờ: 0; cảnh báo cho "
        "kiểm tra: 0.",
        "Các đơn vị đã sáp nhập được giữ lại ở trạng thái ngừng hoạt động, cùng lịch sử của chúng.",
    ]
    code, out = run(capsys, "merge-units", "CD-KP2", "--into", "CD-KP1", "--locale", "en")
    assert (code, out) == (1, "Refused: CD-KP2 is deactivated already. Nothing was changed.\n")
    code, out = run(capsys, "merge-units", "CS-PBA", "--into", "CD-KP1", "--locale", "en")
    assert (code, out) == (1, "Refused: CD-KP1 is below CS-PBA, so CS-PBA cannot be put into CD-KP1. Nothing was "
                              "changed.\n")
    code, out = run(capsys, "deactivate-unit", "CD-KP2")
    assert (code, out) == (1, "Không thực hiện: CD-KP2 đã ngừng hoạt động rồi. Chưa có gì thay đổi.\n")
    actions = [action for action, _, _ in audit_rows(database_url)]
    assert actions == ["unit.merged"]


@pytest.mark.parametrize("typed", ["NOPE", "CD-KP1🎉", "CD-KP" + "\u0301", "X" * 4000, "'; DROP TABLE unit; --"],
                         ids=["unknown", "emoji", "combining-mark", "4000-chars", "sql-looking"])
@pytest.mark.parametrize("task", ["move-unit", "merge-units", "deactivate-unit"])
def test_a_bad_code_is_named_and_nothing_changes(
    env: Path, capsys: pytest.CaptureFixture[str], typed: str, task: str  # noqa: F811 (env: the fixture)
) -> None:
    before = tree(capsys)
    args = {"move-unit": [typed, "--to", "CS-LL"], "merge-units": ["CD-KP2", typed, "--into", "CD-KP1"],
            "deactivate-unit": [typed]}[task]
    code, out = run(capsys, task, *args)
    assert code == 2
    assert out.startswith("Không có đơn vị mã “") and out.endswith("Chưa có gì thay đổi.\n")
    assert tree(capsys) == before


# --- The unit import moves units too.


def test_import_units_moves_units_parents_first_and_then_changes_nothing(
    env: Path, capsys: pytest.CaptureFixture[str]  # noqa: F811 (env: the fixture)
) -> None:
    # CS-PBA goes up to the province and QD-HB, its parent today, goes under it: QD-HB must move second.
    rows = [HEADER, ("QD-HB", "Quận Đoàn Hòa Bình", "CS-PBA", "huyện/quận"),
            ("CS-PBA", "Đoàn phường Bình An", "TD-AL", "đoàn cơ sở"),
            ("CD-KP2", "Chi đoàn Khu phố 2", "CS-MOI", "chi đoàn"),
            ("CS-MOI", "Đoàn phường Mới", "HD-TS", "đoàn cơ sở")]
    path = str(write_csv(env / "units.csv", rows))
    code, out = run(capsys, "import-units", path)
    assert code == 0
    assert out.splitlines()[:5] == [
        "4 thay đổi: 1 tạo mới, 0 đổi tên/cấp, 3 chuyển chỗ, 0 không đổi; 0 lỗi.",
        "Tạo mới:",
        "  + CS-MOI     Đoàn phường Mới (đoàn cơ sở) ← HD-TS",
        "Chuyển sang đơn vị cấp trên khác (cùng các đơn vị trực thuộc):",
        "  > CS-PBA: Quận Đoàn Hòa Bình → Tỉnh Đoàn An Lạc",
    ]
    assert "  > QD-HB: Tỉnh Đoàn An Lạc → Đoàn phường Bình An" in out
    assert "  > CD-KP2: Đoàn phường Bình An → Đoàn phường Mới" in out

    code, out = run(capsys, "import-units", path, "--apply")
    assert (code, out.splitlines()[-1]) == (0, "Đã ghi 4 thay đổi.")
    lines = [line.split()[0] for line in tree(capsys)]
    indents = {line.split()[0]: len(line) - len(line.lstrip()) for line in tree(capsys)}
    assert indents["CS-PBA"] == 2 and indents["QD-HB"] == 4 and indents["CS-LL"] == 6 and indents["CD-12A1"] == 8
    assert indents["CD-KP1"] == 4 and indents["CD-KP2"] == 6
    assert lines[lines.index("CS-MOI") + 1] == "CD-KP2"

    code, out = run(capsys, "import-units", path, "--apply")
    assert code == 0
    assert out.splitlines()[0] == "0 thay đổi: 0 tạo mới, 0 đổi tên/cấp, 0 chuyển chỗ, 4 không đổi; 0 lỗi."


def test_import_units_refuses_a_deactivated_parent(
    env: Path, capsys: pytest.CaptureFixture[str]  # noqa: F811 (env: the fixture)
) -> None:
    assert run(capsys, "merge-units", "CD-KP2", "--into", "CD-KP1")[0] == 0
    path = str(write_csv(env / "units.csv", [HEADER, ("CD-MOI", "Chi đoàn Mới", "CD-KP2", "chi đoàn"),
                                             ("CD-12A1", "Chi đoàn lớp 12A1", "CD-KP2", "chi đoàn")]))
    before = tree(capsys)
    code, out = run(capsys, "import-units", path, "--apply")
    assert code == 1
    assert "dòng 2: đơn vị cấp trên CD-KP2 đã giải thể hoặc đã sáp nhập" in out
    assert "dòng 3: đơn vị cấp trên CD-KP2 đã giải thể hoặc đã sáp nhập" in out
    assert tree(capsys) == before
