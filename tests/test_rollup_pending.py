"""Pending rollup rows (storage/rollups.py, migrations 0010, 0011 and 0014): on PostgreSQL an insert runs no
trigger and an update or a delete appends its unit's own change; no row up the tree is touched until a fold, which
counts the new rows; the report views add what is pending and what is not counted yet, so every figure is the same
before and after a fold; concurrent writers and folds stay exact, also two writers of one young person
or one introducer at the same moment. On SQLite nothing is ever pending (one writer at a time)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from scheduled.runner import JobRunner, maintenance_jobs
from storage.calendar import Period
from storage.models import Member, Participation, Unit, Youth
from storage.reports import report_for
from storage.rollups import ROLLUPS, fold_pending, scoped_sql
from storage.units import unit_by_code
from tests.test_reorganise import add_youth, assert_rollups_exact, rollup_rows
from tests.test_sensitive_migration import _alembic

AT = datetime(2026, 11, 20, 3, tzinfo=UTC)
PERIOD = Period(2026, 2)


def postgres(app: App) -> bool:
    return app.db.dialect.name == "postgresql"


async def pending_rows(session: AsyncSession) -> int:
    counted = [await session.scalar(text(f"SELECT count(*) FROM {name}_pending")) for name, _, _ in ROLLUPS]
    return sum(int(n or 0) for n in counted)


async def uncounted_rows(session: AsyncSession) -> int:
    """Young people and events not counted yet: on PostgreSQL written since the last fold, on SQLite never."""
    counted = [await session.scalar(text(f"SELECT count(*) FROM {table} WHERE NOT counted"))
               for table in ("youth", "participation")]
    return sum(int(n or 0) for n in counted)


async def national(session: AsyncSession, table: str = "report_rollup") -> tuple[int, int]:
    """(introduced, participating) of the root unit for 2026-H2 in `table`."""
    root = await session.scalar(text("SELECT id FROM unit WHERE parent_id IS NULL ORDER BY id LIMIT 1"))
    query = text(f"SELECT introduced, participating FROM {table} WHERE unit_id = :u AND period = '2026-H2'")
    row = (await session.exec(query, params={"u": root})).first()  # type: ignore[call-overload]
    return (int(row[0]), int(row[1])) if row else (0, 0)


async def branch_and_member(session: AsyncSession, code: str = "CD-KP1") -> tuple[Unit, int]:
    branch = await unit_by_code(session, code=code)
    assert branch is not None
    member = await session.scalar(select(Member.id).where(Member.unit_id == branch.id).order_by(col(Member.id)))
    assert member is not None
    return branch, member


async def young_person_with_activity(session: AsyncSession, *, status: str = "participating") -> tuple[int, int]:
    """Register a young person at CD-KP1 and record an activity on 2026-11-19; return their id and the member's."""
    branch, member = await branch_and_member(session)
    await add_youth(session, member=member, unit=branch, at=AT, status=status)
    youth = await session.scalar(select(Youth.id).order_by(col(Youth.id).desc()))
    session.add(Participation(youth_id=youth or 0, kind="activity", on_date=date(2026, 11, 19), recorded_by=member,
                              recorded_at=AT))
    await session.flush()
    return youth or 0, member


async def test_a_write_is_pending_until_folded_and_reads_the_same_before_and_after(demo: App) -> None:
    async with demo.sessions() as session, session.begin():
        before, base_before = await national(session), await national(session, "report_rollup_base")
        assert await fold_pending(session) >= 0  # whatever the demo left
    async with demo.sessions() as session, session.begin():
        base_before = await national(session, "report_rollup_base")
        await young_person_with_activity(session)
    async with demo.sessions() as session, session.begin():
        after = await national(session)
        assert after == (before[0] + 1, before[1] + 1)
        if postgres(demo):
            assert await uncounted_rows(session) == 2  # the young person and the activity: no trigger ran
            assert await national(session, "report_rollup_base") == base_before  # the national row untouched
        else:
            assert await uncounted_rows(session) == await pending_rows(session) == 0
            assert await national(session, "report_rollup_base") == after
    async with demo.sessions() as session, session.begin():
        folded = await fold_pending(session)
        # PostgreSQL: rollup, the half-year and the year of the introduction (and of a first fulfilment), then of
        # the activity; group: two; unit: one (taking part); and any sensitive counts the registration appended
        assert folded in (7, 9) if postgres(demo) else folded == 0
    async with demo.sessions() as session, session.begin():
        assert await pending_rows(session) == await uncounted_rows(session) == 0
        assert await national(session) == after
        assert await national(session, "report_rollup_base") == after
        assert await fold_pending(session) == 0
        await assert_rollups_exact(session)


async def test_the_fold_job_folds_and_says_how_many(demo: App) -> None:
    async with demo.sessions() as session, session.begin():
        await fold_pending(session)
        branch, member = await branch_and_member(session)
        for hours in range(3):
            await add_youth(session, member=member, unit=branch, at=AT + timedelta(hours=hours))
    runner = JobRunner(sessions=demo.sessions, clock=lambda: AT, calendar=demo.calendar, tz=demo.tz,
                       catalogs=demo.catalogs)
    job = next(job for job in maintenance_jobs() if job.name == "fold_rollups")
    assert job.cron == {"second": "*/2"}
    async with demo.sessions() as session, session.begin():
        assert await uncounted_rows(session) == (3 if postgres(demo) else 0)
    folded = (await runner.run(job))["folded"]
    # Three young people of one branch, counted by the fold in one go: a rollup row and a group row for each
    # period (half-year and year) at least.
    assert folded >= 4 if postgres(demo) else folded == 0
    assert await runner.run(job) == {"folded": 0}
    async with demo.sessions() as session, session.begin():
        assert await uncounted_rows(session) == await pending_rows(session) == 0
    async with demo.sessions() as session, session.begin():
        await assert_rollups_exact(session)


async def test_the_vacuum_job_shrinks_a_pending_table_grown_with_dead_rows_and_leaves_a_small_one(demo: App) -> None:
    """The fold deletes every pending row; where no autovacuum runs (this machine's server), the dead rows stay on
    disk, read by every fold and report, until the job vacuums the table. It acts only past a megabyte."""
    runner = JobRunner(sessions=demo.sessions, clock=lambda: AT, calendar=demo.calendar, tz=demo.tz,
                       catalogs=demo.catalogs)
    job = next(job for job in maintenance_jobs() if job.name == "vacuum_rollups")
    assert job.cron == {"second": "7/15"}
    if not postgres(demo):
        assert await runner.run(job) == {"vacuumed": 0}  # SQLite: nothing is ever pending
        return
    size = text("SELECT pg_relation_size('report_group_pending')")
    async with demo.sessions() as session, session.begin():
        await fold_pending(session)
        before = await national(session)
        branch, _ = await branch_and_member(session)
        # Rows that add nothing (n = 0), as many as a burst of registrations appends: the figures stay the same.
        await session.exec(text(  # type: ignore[call-overload]
            "INSERT INTO report_group_pending (unit_id, period, group_code, n) "
            "SELECT :unit, '2026-H2', 'worker', 0 FROM generate_series(1, 30000)"), params={"unit": branch.id})
    async with demo.sessions() as session, session.begin():
        assert await fold_pending(session) == 30_000
        assert await session.scalar(size) > 1 << 20  # the 30,000 rows, dead now, still on disk
    assert await runner.run(job) == {"vacuumed": 1}
    assert await runner.run(job) == {"vacuumed": 0}  # nothing grown any more
    async with demo.sessions() as session, session.begin():
        assert await session.scalar(size) < 1 << 20
        assert await national(session) == before
        await assert_rollups_exact(session)


async def test_a_report_reads_only_what_waits_in_its_subtree_and_the_same_figures(demo: App) -> None:
    """PostgreSQL: a report reads the rollups with only the rows waiting in its unit's subtree
    (`storage.rollups.scoped_sql`), not every row waiting in the country; for every unit of that subtree the
    figures are the view's. Rows wait in two branches of different communes: uncounted young people and an
    activity, and pending rows of a corrected registration. On both databases the commune's report is the same
    before and after the fold."""
    async with demo.sessions() as session, session.begin():
        await fold_pending(session)
        branch, member = await branch_and_member(session)
        other = (await session.exec(select(Unit).where(Unit.kind == "branch", Unit.parent_id != branch.parent_id)
                                    .order_by(col(Unit.id)))).first()
        assert other is not None and branch.parent_id is not None
        await add_youth(session, member=member, unit=other, at=AT)
        await fold_pending(session)
    async with demo.sessions() as session, session.begin():
        await session.exec(text("UPDATE youth SET gender = 'male' WHERE unit_id = :u"),  # type: ignore[call-overload]
                           params={"u": other.id})
        await young_person_with_activity(session)
        await add_youth(session, member=member, unit=other, at=AT + timedelta(hours=1))
        commune = await session.get(Unit, branch.parent_id)
        assert commune is not None
        before = await report_for(session, unit=commune, period=PERIOD, calendar=demo.calendar, tz=demo.tz)
        if postgres(demo):
            assert await pending_rows(session) > 0 and await uncounted_rows(session) == 4
            for scope in (branch, commune, other, await session.get(Unit, other.parent_id)):
                assert scope is not None
                for name, _, _ in ROLLUPS:
                    assert await _scoped_rows(session, name, scope) == await _view_rows(session, name, scope)
            # Scoped to the branch, the other branch shows its base counts only: what waits there is left out.
            scoped = text(f"SELECT * FROM ({scoped_sql('report_rollup')}) r WHERE unit_id = :v ORDER BY period")
            outside = await session.exec(scoped, params={"under": f"%/{branch.id}/%", "v": other.id})  # type: ignore[call-overload]
            assert [tuple(row) for row in outside.all()] != await _view_rows(session, "report_rollup", other)
    async with demo.sessions() as session, session.begin():
        await fold_pending(session)
        after = await report_for(session, unit=commune, period=PERIOD, calendar=demo.calendar, tz=demo.tz)
        assert (after.total, after.children, after.groups, after.sensitive) == (
            before.total, before.children, before.groups, before.sensitive)
        assert after.total.introduced == before.total.introduced > 0


async def _scoped_rows(session: AsyncSession, name: str, scope: Unit) -> list[tuple[Any, ...]]:
    """The rows of every unit of `scope`'s subtree read with only what waits under `scope`."""
    return await _subtree_rows(session, f"({scoped_sql(name)})", scope)


async def _view_rows(session: AsyncSession, name: str, scope: Unit) -> list[tuple[Any, ...]]:
    return await _subtree_rows(session, name, scope)


async def _subtree_rows(session: AsyncSession, source: str, scope: Unit) -> list[tuple[Any, ...]]:
    query = text(f"SELECT r.* FROM {source} r JOIN unit u ON u.id = r.unit_id WHERE u.path LIKE :under "
                 "ORDER BY 1, 2, 3")
    result = await session.exec(query, params={"under": f"%/{scope.id}/%"})  # type: ignore[call-overload]
    return [tuple(row) for row in result.all()]


async def test_a_unit_moved_with_changes_pending_counts_them_under_its_new_parent(demo: App) -> None:
    from storage.reorganise import move_unit

    async with demo.sessions() as session, session.begin():
        branch, member = await branch_and_member(session, "CD-KP2")
        await add_youth(session, member=member, unit=branch, at=AT)
    async with demo.sessions() as session, session.begin():
        branch, _ = await branch_and_member(session, "CD-KP2")
        old_parent = await session.get(Unit, branch.parent_id)
        new_parent = await session.scalar(select(Unit).where(Unit.kind == old_parent.kind, Unit.id != old_parent.id)
                                          .order_by(col(Unit.id))) if old_parent else None
        assert old_parent is not None and new_parent is not None
        moved_count = await session.scalar(text("SELECT introduced FROM report_rollup WHERE unit_id = :u "
                                                "AND period = '2026-H2'"), {"u": branch.id})
        old_before = await session.scalar(text("SELECT introduced FROM report_rollup WHERE unit_id = :u "
                                               "AND period = '2026-H2'"), {"u": old_parent.id})
        new_before = await session.scalar(text("SELECT coalesce(sum(introduced), 0) FROM report_rollup "
                                               "WHERE unit_id = :u AND period = '2026-H2'"), {"u": new_parent.id})
        await move_unit(session, unit=branch, new_parent=new_parent)
        await add_youth(session, member=(await branch_and_member(session, "CD-KP2"))[1], unit=branch, at=AT)
    async with demo.sessions() as session, session.begin():
        if postgres(demo):
            assert await uncounted_rows(session) > 0  # the young person added after the move
        read = "SELECT coalesce(sum(introduced), 0) FROM report_rollup WHERE unit_id = :u AND period = '2026-H2'"
        assert await session.scalar(text(read), {"u": old_parent.id}) == old_before - moved_count
        assert await session.scalar(text(read), {"u": new_parent.id}) == new_before + moved_count + 1
        await assert_rollups_exact(session)


async def test_eight_writers_and_a_folder_at_once_stay_exact(demo: App) -> None:
    """Eight sessions register young people and record activities at once while another folds in a loop."""
    async with demo.sessions() as session, session.begin():
        branches = list((await session.exec(select(Unit).where(Unit.kind == "branch").order_by(col(Unit.id))))
                        .all())
        members = {b.id: await session.scalar(select(Member.id).where(Member.unit_id == b.id)) for b in branches}
        writers = [(b, members[b.id]) for b in branches if members[b.id] is not None][:8]
        introduced_before, participating_before = await national(session)
    assert len(writers) >= 2
    done = asyncio.Event()
    folded: list[int] = []

    async def write(branch: Unit, member: int, n: int) -> None:
        for i in range(n):
            async with demo.sessions() as session, session.begin():
                await add_youth(session, member=member, unit=branch, at=AT + timedelta(minutes=i))
                youth = await session.scalar(select(Youth.id).where(Youth.introduced_by == member)
                                             .order_by(col(Youth.id).desc()))
                session.add(Participation(youth_id=youth or 0, kind="activity", on_date=date(2026, 11, 19),
                                          recorded_by=member, recorded_at=AT))

    async def fold_until_done() -> None:
        while not done.is_set():
            async with demo.sessions() as session, session.begin():
                folded.append(await fold_pending(session))
            await asyncio.sleep(0.01)

    folder = asyncio.create_task(fold_until_done())
    await asyncio.gather(*(write(branch, member, 6) for branch, member in writers))
    done.set()
    await folder
    written = 6 * len(writers)
    async with demo.sessions() as session, session.begin():
        assert await national(session) == (introduced_before + written, participating_before + written)
        await assert_rollups_exact(session)
        await fold_pending(session)
        assert await national(session) == (introduced_before + written, participating_before + written)
        assert await pending_rows(session) == 0
    if postgres(demo):
        assert sum(folded) > 0  # the folder ran alongside the writers and found their rows


# --- Two people at once on the same young person or the same introducer (PostgreSQL: SQLite has one writer).
# The later insert gets the smaller id and commits last, the order in which a per-row "am I the first?" check
# goes wrong. On PostgreSQL inserts are counted by the fold, one at a time, which decides once; the triggers
# taking counts away lock the young person (events) or the introducer (registrations) first.


async def _held_open(demo: App, work: Callable[[AsyncSession], Awaitable[None]]) -> tuple[AsyncSession, Any]:
    """Open a transaction, do `work` in it and keep it open (the caller commits)."""
    session = demo.sessions()
    transaction = await session.begin()
    await work(session)
    return session, transaction


async def _race(demo: App, first: Callable[[AsyncSession], Awaitable[None]],
                second: Callable[[AsyncSession], Awaitable[None]]) -> None:
    """Run `first` in a transaction left open, `second` in another meanwhile, then commit `first`, then
    `second`: whatever `second` waits for, it gets once `first` is done."""
    session, transaction = await _held_open(demo, first)

    async def run_second() -> None:
        async with demo.sessions() as other, other.begin():
            await second(other)

    racing = asyncio.create_task(run_second())
    await asyncio.sleep(0.3)  # `second` has run its statements (or is waiting for `first`'s lock)
    await transaction.commit()
    await session.close()
    await asyncio.wait_for(racing, timeout=30)


async def test_two_activities_of_one_young_person_at_once_count_them_once(demo: App) -> None:
    async with demo.sessions() as session, session.begin():
        branch, member = await branch_and_member(session)
        await add_youth(session, member=member, unit=branch, at=AT)
        youth = await session.scalar(select(Youth.id).order_by(col(Youth.id).desc()))
        _, participating = await national(session)

    def activity(day: int) -> Callable[[AsyncSession], Awaitable[None]]:
        async def record(session: AsyncSession) -> None:
            session.add(Participation(youth_id=youth or 0, kind="activity", on_date=date(2026, 11, day),
                                      recorded_by=member, recorded_at=AT))
            await session.flush()
        return record

    await _race(demo, activity(18), activity(19))
    async with demo.sessions() as session, session.begin():
        assert (await national(session))[1] == participating + 1
        await assert_rollups_exact(session)


async def test_two_registrations_by_one_member_at_once_count_one_fulfilment(demo: App) -> None:
    async with demo.sessions() as session, session.begin():
        branch, member = await branch_and_member(session, "CD-KP2")
        fulfilled = await session.scalar(text("SELECT fulfilled FROM report_rollup WHERE unit_id = :u "
                                              "AND period = '2026-H2'"), {"u": branch.id}) or 0
        first_of_member = not await session.scalar(
            select(Youth.id).where(Youth.introduced_by == member, Youth.unit_id == branch.id,
                                   col(Youth.introduced_at) >= datetime(2026, 6, 30, 17, tzinfo=UTC)))

    def register(hours: int) -> Callable[[AsyncSession], Awaitable[None]]:
        async def write(session: AsyncSession) -> None:
            await add_youth(session, member=member, unit=branch, at=AT + timedelta(hours=hours))
        return write

    await _race(demo, register(1), register(2))
    async with demo.sessions() as session, session.begin():
        after = await session.scalar(text("SELECT fulfilled FROM report_rollup WHERE unit_id = :u "
                                          "AND period = '2026-H2'"), {"u": branch.id})
        assert after == fulfilled + (1 if first_of_member else 0)
        await assert_rollups_exact(session)


async def test_the_last_two_activities_deleted_at_once_leave_the_young_person_uncounted(demo: App) -> None:
    async with demo.sessions() as session, session.begin():
        branch, member = await branch_and_member(session)
        await add_youth(session, member=member, unit=branch, at=AT)
        youth = await session.scalar(select(Youth.id).order_by(col(Youth.id).desc()))
        _, participating = await national(session)
        for day in (18, 19):
            session.add(Participation(youth_id=youth or 0, kind="activity", on_date=date(2026, 11, day),
                                      recorded_by=member, recorded_at=AT))
    async with demo.sessions() as session, session.begin():
        assert (await national(session))[1] == participating + 1
        events = list((await session.exec(select(Participation.id).where(Participation.youth_id == youth)
                                          .order_by(col(Participation.id)))).all())

    def delete(event: int | None) -> Callable[[AsyncSession], Awaitable[None]]:
        async def remove(session: AsyncSession) -> None:
            await session.exec(text("DELETE FROM participation WHERE id = :e"),  # type: ignore[call-overload]
                               params={"e": event})
        return remove

    await _race(demo, delete(events[0]), delete(events[1]))
    async with demo.sessions() as session, session.begin():
        assert (await national(session))[1] == participating
        await assert_rollups_exact(session)


async def test_one_statement_of_several_events_counts_each_period_once(demo: App) -> None:
    """Three activities and a note in one INSERT count the young person once in 2026-H2 and once in 2026, and one
    more in 2026-H1 counts in that half only: on SQLite each row's trigger sees the rows before it; on PostgreSQL
    the view (and then the fold) counts the rows not counted yet once per young person, kind and period."""
    async with demo.sessions() as session, session.begin():
        branch, member = await branch_and_member(session)
        await add_youth(session, member=member, unit=branch, at=AT)
        youth = await session.scalar(select(Youth.id).order_by(col(Youth.id).desc()))
        count = "SELECT participating FROM report_rollup WHERE unit_id = :u AND period = :p"
        before = {p: await session.scalar(text(count), {"u": branch.id, "p": p}) or 0
                  for p in ("2026-H1", "2026-H2", "2026")}
        rows = ", ".join(f"(:y, '{kind}', '{day}', :m, :at)" for kind, day in (
            ("activity", "2026-11-18"), ("note", "2026-11-18"), ("activity", "2026-11-19"),
            ("activity", "2026-03-02"), ("activity", "2026-11-20")))
        await session.exec(text(f"INSERT INTO participation (youth_id, kind, on_date, recorded_by, recorded_at) "  # type: ignore[call-overload]
                                f"VALUES {rows}"), params={"y": youth, "m": member, "at": AT})
        after = {p: await session.scalar(text(count), {"u": branch.id, "p": p}) or 0
                 for p in ("2026-H1", "2026-H2", "2026")}
        assert {p: after[p] - before[p] for p in after} == {"2026-H1": 1, "2026-H2": 1, "2026": 1}
        await assert_rollups_exact(session)


async def test_one_statement_of_several_registrations_counts_one_fulfilment_and_a_skipped_row_none(demo: App) -> None:
    """Three young people of one introducer in one INSERT make one fulfilment, and a row the phone's unique key
    skips (ON CONFLICT DO NOTHING, as `add_youth` inserts) counts nothing: on SQLite each row's trigger sees the
    rows before it; on PostgreSQL the view (and then the fold) counts introducers once among the new rows."""
    async with demo.sessions() as session, session.begin():
        branch, member = await branch_and_member(session, "CD-KP2")
        await session.exec(text("DELETE FROM youth WHERE introduced_by = :m"),  # type: ignore[call-overload]
                           params={"m": member})
        count = ("SELECT coalesce(sum(introduced), 0), coalesce(sum(fulfilled), 0) FROM report_rollup "
                 "WHERE unit_id = :u AND period = '2026-H2'")
        before = tuple((await session.exec(text(count), params={"u": branch.id})).one())  # type: ignore[call-overload]
        insert = ("INSERT INTO youth (full_name, name_key, birth_year, gender, group_code, introduced_to, "
                  "introduced_by, unit_id, introduced_at, consent_at, status, status_at, updated_at, phone) VALUES {} "
                  "ON CONFLICT (phone) DO NOTHING")
        row = "('Thanh Niên', 'thanh nien', 2006, 'female', 'residential', 'doan', :m, :u, :at, :at, 'introduced', " \
              ":at, :at, '{}')"
        rows = ", ".join(row.format(phone) for phone in ("0901000001", "0901000002", "0901000003"))
        params = {"m": member, "u": branch.id, "at": AT}
        await session.exec(text(insert.format(rows)), params=params)  # type: ignore[call-overload]
        middle = tuple((await session.exec(text(count), params={"u": branch.id})).one())  # type: ignore[call-overload]
        assert (middle[0] - before[0], middle[1] - before[1]) == (3, 1)
        await session.exec(text(insert.format(row.format("0901000002"))), params=params)  # type: ignore[call-overload]
        after = tuple((await session.exec(text(count), params={"u": branch.id})).one())  # type: ignore[call-overload]
        assert after == middle
        await assert_rollups_exact(session)


# --- The fold against the triggers that take counts away (PostgreSQL: a trigger taking a counted row's count away
# and the fold marking another row of the same key must not decide from two snapshots; the trigger waits for a fold
# running and holds the next one off).


async def _fold_in(session: AsyncSession) -> None:
    await fold_pending(session)


async def _activity_counted_and_one_waiting(demo: App) -> tuple[int, int, int]:
    """A young person with an activity counted (folded) and a second one of the same half-year not counted yet;
    return (the counted event's id, the young person's id, the national participating count)."""
    async with demo.sessions() as session, session.begin():
        branch, member = await branch_and_member(session)
        await add_youth(session, member=member, unit=branch, at=AT)
        youth = await session.scalar(select(Youth.id).order_by(col(Youth.id).desc()))
        first = Participation(youth_id=youth or 0, kind="activity", on_date=date(2026, 11, 18), recorded_by=member,
                              recorded_at=AT)
        session.add(first)
        await session.flush()
        await fold_pending(session)
    async with demo.sessions() as session, session.begin():
        session.add(Participation(youth_id=youth or 0, kind="activity", on_date=date(2026, 11, 19),
                                  recorded_by=member, recorded_at=AT))
    async with demo.sessions() as session, session.begin():
        assert await uncounted_rows(session) == (1 if postgres(demo) else 0)
        return first.id or 0, youth or 0, (await national(session))[1]


def _delete_event(event: int) -> Callable[[AsyncSession], Awaitable[None]]:
    async def remove(session: AsyncSession) -> None:
        await session.exec(text("DELETE FROM participation WHERE id = :e"),  # type: ignore[call-overload]
                           params={"e": event})
    return remove


async def test_the_counted_activity_deleted_while_a_fold_counts_the_other_leaves_one(demo: App) -> None:
    """The delete first, the fold meanwhile: the fold waits, then sees the deleted row gone and counts the other
    activity as the first of its half-year."""
    counted, _, participating = await _activity_counted_and_one_waiting(demo)
    await _race(demo, _delete_event(counted), _fold_in)
    async with demo.sessions() as session, session.begin():
        assert (await national(session))[1] == participating
        await assert_rollups_exact(session)
        await fold_pending(session)
        assert (await national(session))[1] == participating


async def test_a_fold_counting_the_other_activity_while_the_counted_one_is_deleted_leaves_one(demo: App) -> None:
    """The fold first (it marks the waiting activity counted, not the first: the other one is there), the delete
    meanwhile: the delete waits for the fold, then sees the activity it marked and takes nothing away."""
    counted, _, participating = await _activity_counted_and_one_waiting(demo)
    await _race(demo, _fold_in, _delete_event(counted))
    async with demo.sessions() as session, session.begin():
        assert (await national(session))[1] == participating
        assert await uncounted_rows(session) == 0
        await assert_rollups_exact(session)


async def test_a_young_person_moved_while_a_fold_counts_their_activity_takes_it_along(demo: App) -> None:
    """The fold first (it counts the young person's only activity, not counted yet, at their branch), the move
    meanwhile: the move waits, then carries the activity the fold counted to the new branch."""
    async with demo.sessions() as session, session.begin():
        branch, member = await branch_and_member(session)
        await add_youth(session, member=member, unit=branch, at=AT)
        youth = await session.scalar(select(Youth.id).order_by(col(Youth.id).desc()))
        await fold_pending(session)
    async with demo.sessions() as session, session.begin():
        session.add(Participation(youth_id=youth or 0, kind="activity", on_date=date(2026, 11, 19),
                                  recorded_by=member, recorded_at=AT))
    async with demo.sessions() as session, session.begin():
        target, _ = await branch_and_member(session, "CD-KP2")
        count = "SELECT coalesce(sum(participating), 0) FROM report_rollup WHERE unit_id = :u AND period = '2026-H2'"
        before = await session.scalar(text(count), {"u": target.id})

    async def move(session: AsyncSession) -> None:
        await session.exec(text("UPDATE youth SET unit_id = :u WHERE id = :y"),  # type: ignore[call-overload]
                           params={"u": target.id, "y": youth})

    await _race(demo, _fold_in, move)
    async with demo.sessions() as session, session.begin():
        assert await session.scalar(text(count), {"u": target.id}) == before + 1
        await assert_rollups_exact(session)
        await fold_pending(session)
        assert await session.scalar(text(count), {"u": target.id}) == before + 1
        await assert_rollups_exact(session)


async def test_an_edit_hands_the_row_back_to_the_fold_and_counts_it_once(demo: App) -> None:
    """An activity moved to another half-year, and a young person taking part whose gender is corrected: each
    counted row's old counts go at once, the new ones count through the view and then the fold, once (taking
    part included)."""
    counted, youth, _ = await _activity_counted_and_one_waiting(demo)
    async with demo.sessions() as session, session.begin():
        await session.exec(text("UPDATE youth SET status = 'participating' WHERE id = :y"),  # type: ignore[call-overload]
                           params={"y": youth})
        await fold_pending(session)
    async with demo.sessions() as session, session.begin():
        engaged = "SELECT engaged FROM report_unit WHERE unit_id = (SELECT unit_id FROM youth WHERE id = :y)"
        taking_part = await session.scalar(text(engaged), {"y": youth})
        await session.exec(text("UPDATE participation SET on_date = '2026-03-02' WHERE id = :e"),  # type: ignore[call-overload]
                           params={"e": counted})
        await session.exec(text("UPDATE youth SET gender = 'male' WHERE id = :y"),  # type: ignore[call-overload]
                           params={"y": youth})
        assert await uncounted_rows(session) == (2 if postgres(demo) else 0)
        assert await session.scalar(text(engaged), {"y": youth}) == taking_part
        await assert_rollups_exact(session)
    async with demo.sessions() as session, session.begin():
        await fold_pending(session)
        assert await session.scalar(text(engaged), {"y": youth}) == taking_part
        await assert_rollups_exact(session)


async def test_down_to_0013_and_back_counts_what_waits_and_keeps_every_figure(demo: App) -> None:
    """Migration 0014 down: the rows not counted yet are counted (0013's triggers count inserts as they are
    written, and its views read no `counted`); up again: every row counted stays counted once."""
    async with demo.sessions() as session, session.begin():
        _, member = await young_person_with_activity(session)
        branch, _ = await branch_and_member(session)
    async with demo.sessions() as session, session.begin():
        assert await uncounted_rows(session) == (2 if postgres(demo) else 0)
        figures, (introduced, participating) = await rollup_rows(session), await national(session)
    async with demo.db.connect() as connection:
        await connection.run_sync(_alembic, "downgrade", "0013_row_insert_triggers")
        await connection.commit()
    async with demo.sessions() as session, session.begin():
        assert await rollup_rows(session) == figures
        # counted by 0013's trigger (in SQL: the model's `counted` is not in this schema)
        await session.exec(text("INSERT INTO youth (full_name, name_key, birth_year, gender, group_code, "  # type: ignore[call-overload]
                                "introduced_to, introduced_by, unit_id, introduced_at, consent_at, status, status_at) "
                                "VALUES ('Thanh Niên', 'thanh nien', 2006, 'female', 'residential', 'doan', :m, :u, "
                                ":at, :at, 'introduced', :at)"), params={"m": member, "u": branch.id, "at": AT})
        assert await national(session) == (introduced + 1, participating)
    async with demo.db.connect() as connection:
        await connection.run_sync(_alembic, "upgrade", "head")
        await connection.commit()
    async with demo.sessions() as session, session.begin():
        assert await uncounted_rows(session) == 0
        assert await national(session) == (introduced + 1, participating)
        await assert_rollups_exact(session)
