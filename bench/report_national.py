"""Report speed at national scale on PostgreSQL, and at district scale on SQLite.

PostgreSQL: builds a synthetic country in a database of its own (default `bot11_bench`, dropped and
re-created): 34 provinces, about 3,300 Đoàn cơ sở, 130,000 branches, 6.5 million members, 7 million young
people and their participation events, evaluations, surveys and targets. Rows are generated with numpy and
bulk-loaded with COPY (asyncpg, binary) with triggers and secondary indexes off; the indexes are then rebuilt
and the rollups recomputed from the rows (`storage.rollups.rebuild_sql`, then `rebuild_sensitive_counts` for the
ethnic minority and religion counts, which open the sealed values in Python), exactly what the application and
the triggers keep. Ethnicity and religion are sealed with the development key (storage/sealed.py), one token per
code reused for every row: the rows are made up, and 14 million Fernet calls would dominate the load.
It then times:

- the national report (top + 34 provinces) through `storage.reports.report_for`, goal < 1 s;
- a commune's report (one Đoàn cơ sở and its branches), goal < 50 ms;
- the same national report computed by loading the rows into Python, and the ratio (goal ≥ 20×).

SQLite: a district (50,000 members) inserted row by row through the triggers, then the district report,
goal < 200 ms.

    .venv/bin/python bench/report_national.py [--scale 1.0] [--runs 5] [--skip-load] [--no-python]
        [--server postgresql://postgres@127.0.0.1:5432/postgres] [--database bot11_bench] [--sqlite-members 50000]
        [--random-page-cost 1.1]

`--scale 0.1` builds a tenth of the branches, members and young people (still 34 provinces). The planner
settings the reports ran with are printed: with the default `random_page_cost` (4, for spinning disks) the
planner reads a commune's sensitive rows (its province's units, scattered over the rollup table) by scanning the
whole table rather than by its key; `--random-page-cost 1.1` runs the reports as on a server set for SSD.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.calendar import EvaluationCalendar, Period
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_to_head
from storage.models import Unit
from storage.reports import report_for
from storage.rollups import rebuild_sensitive_counts, rebuild_sql
from storage.sealed import DEVELOPMENT_KEY, Sealer
from storage.units import unit_by_code

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SEALER = Sealer([DEVELOPMENT_KEY])
SEALED = {code: SEALER.seal(code) for code in ("tay", "kinh", "buddhism")}
CALENDAR = EvaluationCalendar()
PERIOD = Period(2026, 1)
PROVINCES = 34
GRASSROOTS, BRANCHES = 3_300, 130_000
MEMBERS_PER_BRANCH, YOUTH_PER_BRANCH = 50, 54
CHUNK = 250_000
GROUPS = np.array(["residential", "worker", "student", "club", "freelance", "other"])
GENDERS = np.array(["male", "female", "other"])
STATUSES = np.array(["introduced", "participating", "joined_hoi", "admitted", "stopped"])
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
HOURS = [EPOCH + timedelta(hours=h) for h in range(2 * 365 * 24)]
DAYS = [date(2025, 1, 1) + timedelta(days=d) for d in range(2 * 365)]
BULK = ("unit", "member", "youth", "participation")
COUNTED = ("youth", "participation")  # tables whose rows the fold counts on PostgreSQL (storage/rollups.py)
COLUMNS = {
    "unit": ("id", "code", "name", "kind", "parent_id", "path", "active"),
    "member": ("id", "full_name", "birth_year", "gender", "phone", "unit_id", "status", "joined_at", "nudges"),
    "youth": ("id", "full_name", "name_key", "birth_year", "gender", "phone", "group_code", "introduced_to",
              "ethnicity", "religion", "introduced_by", "unit_id", "introduced_at", "consent_at", "status",
              "status_at", "notes"),
    "participation": ("id", "youth_id", "kind", "on_date", "activity", "decision_no", "note", "recorded_by",
                      "recorded_at"),
    "evaluation": ("id", "period", "unit_id", "submitted_by", "submitted_at", "updated_at", "lessons",
                   "difficulties", "proposals"),
    "survey": ("id", "period", "unit_id", "youth_population", "youth_reached", "groups", "groups_note",
               "recorded_by", "recorded_at"),
    "target": ("id", "unit_id", "year", "metric", "value", "set_by", "set_at"),
}


# --- The synthetic country.


class Country:
    """Unit rows and, per branch, the id range of its members and young people."""

    def __init__(self, scale: float, seed: int = 11) -> None:
        self.rng = np.random.default_rng(seed)
        grassroots = max(PROVINCES, round(GRASSROOTS * scale))
        branches = max(grassroots, round(BRANCHES * scale))
        self.units: list[tuple[Any, ...]] = [(1, "TW", "Trung ương Đoàn", "national", None, "/1/", True)]
        self.provinces = list(range(2, 2 + PROVINCES))
        for i, uid in enumerate(self.provinces):
            self.units.append((uid, f"T{i + 1:02d}", f"Tỉnh Đoàn số {i + 1}", "province", 1, f"/1/{uid}/", True))
        next_id = 2 + PROVINCES
        self.grassroots: list[int] = []
        paths = {uid: f"/1/{uid}/" for uid in self.provinces}
        for g in range(grassroots):
            parent = self.provinces[g % PROVINCES]
            paths[next_id] = f"{paths[parent]}{next_id}/"
            self.units.append((next_id, f"CS{g + 1:05d}", f"Đoàn xã {g + 1}", "grassroots", parent, paths[next_id],
                               True))
            self.grassroots.append(next_id)
            next_id += 1
        self.branches: list[int] = []
        for b in range(branches):
            parent = self.grassroots[b % grassroots]
            self.units.append((next_id, f"CD{b + 1:06d}", f"Chi đoàn {b + 1}", "branch", parent,
                               f"{paths[parent]}{next_id}/", True))
            self.branches.append(next_id)
            next_id += 1
        self.members = len(self.branches) * MEMBERS_PER_BRANCH
        self.youth = len(self.branches) * YOUTH_PER_BRANCH

    def member_rows(self) -> Iterator[list[tuple[Any, ...]]]:
        joined = datetime(2024, 1, 1, tzinfo=UTC)
        for start in range(0, self.members, CHUNK):
            ids = np.arange(start, min(start + CHUNK, self.members))
            units = np.array(self.branches)[ids // MEMBERS_PER_BRANCH]
            years = self.rng.integers(1990, 2010, ids.size)
            genders = GENDERS[self.rng.integers(0, 2, ids.size)]
            active = self.rng.random(ids.size) < 0.97
            yield [(int(i) + 1, "Đoàn Viên", int(y), str(g), None, int(u), "active" if a else "left", joined, True)
                   for i, u, y, g, a in zip(ids, units, years, genders, active, strict=True)]

    def youth_rows(self) -> Iterator[list[tuple[Any, ...]]]:
        branches = np.array(self.branches)
        for start in range(0, self.youth, CHUNK):
            ids = np.arange(start, min(start + CHUNK, self.youth))
            branch = ids // YOUTH_PER_BRANCH
            # A member of the same branch; about 30% of members introduce no one, some introduce several.
            member = branch * MEMBERS_PER_BRANCH + (self.rng.integers(0, 35, ids.size) % MEMBERS_PER_BRANCH)
            hours = self.rng.integers(0, len(HOURS), ids.size)
            years = self.rng.integers(1992, 2011, ids.size)
            genders = GENDERS[self.rng.choice(3, ids.size, p=[0.48, 0.5, 0.02])]
            groups = GROUPS[self.rng.integers(0, len(GROUPS), ids.size)]
            ethnicity = self.rng.random(ids.size)
            statuses = STATUSES[self.rng.choice(5, ids.size, p=[0.3, 0.35, 0.15, 0.1, 0.1])]
            yield [(int(i) + 1, "Thanh Niên", "thanh nien", int(y), str(g), None, str(gr), "doan",
                    SEALED["tay" if e < 0.08 else "kinh"], SEALED["buddhism"] if e > 0.9 else None, int(m) + 1,
                    int(branches[b]),
                    HOURS[h], HOURS[h], str(s), HOURS[h], None)
                   for i, b, m, h, y, g, gr, e, s in zip(ids, branch, member, hours, years, genders, groups, ethnicity,
                                                         statuses, strict=True)]

    def event_rows(self) -> Iterator[list[tuple[Any, ...]]]:
        """Per young person: an activity (60%), joining Hội (20%), admission (10%)."""
        next_id = 1
        recorded = datetime(2026, 1, 1, tzinfo=UTC)
        for start in range(0, self.youth, CHUNK):
            ids = np.arange(start, min(start + CHUNK, self.youth))
            rows = []
            for kind, share in (("activity", 0.6), ("joined_hoi", 0.2), ("admitted", 0.1)):
                chosen = ids[self.rng.random(ids.size) < share]
                days = self.rng.integers(0, len(DAYS), chosen.size)
                for y, d in zip(chosen, days, strict=True):
                    member = (int(y) // YOUTH_PER_BRANCH) * MEMBERS_PER_BRANCH + 1
                    rows.append((next_id, int(y) + 1, kind, DAYS[d], None, None, None, member, recorded))
                    next_id += 1
            yield rows

    def small_rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """Evaluations of 2026-H1 (85% submitted, most on time), surveys (half the branches), targets."""
        now = datetime(2026, 7, 20, tzinfo=UTC)
        deadline = datetime.combine(CALENDAR.deadline(PERIOD), datetime.min.time(), tzinfo=TZ)
        evaluations, surveys = [], []
        for n, uid in enumerate(self.branches):
            draw = self.rng.random()
            if draw < 0.85:
                late = draw > 0.75
                evaluations.append((n + 1, PERIOD.code, uid, None, deadline + timedelta(days=3 if late else -2), now,
                                    None, None, None))
            if n % 2 == 0:
                surveys.append((n // 2 + 1, PERIOD.code, uid, int(self.rng.integers(60, 200)), None, 3, None, None,
                                now))
        targets = [(i + 1, uid, 2026, "admissions", 2_000 if uid in self.provinces else 60, None, now)
                   for i, uid in enumerate(self.provinces + self.grassroots)]
        return {"evaluation": evaluations, "survey": surveys, "target": targets}


# --- Loading into PostgreSQL.


async def load_postgres(server: str, database: str, scale: float) -> Country:
    country = Country(scale)
    admin = await asyncpg.connect(server)
    await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{database}"')
    await admin.close()
    url = server.rsplit("/", 1)[0] + f"/{database}"
    engine = create_engine("postgresql+asyncpg" + url.removeprefix("postgresql"), sealer=SEALER)
    await upgrade_to_head(engine)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SET session_replication_role = replica; SET maintenance_work_mem = '1GB'")
        indexes = await conn.fetch("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
                                   "AND tablename = ANY($1) AND indexdef NOT LIKE '%UNIQUE%'", list(BULK))
        for row in indexes:
            await conn.execute(f'DROP INDEX "{row["indexname"]}"')
        await _timed("copy units", conn.copy_records_to_table("unit", records=country.units,
                                                              columns=COLUMNS["unit"]))
        for table in COUNTED:  # the rollups are rebuilt from these rows below: no fold is to count them again
            await conn.execute(f"ALTER TABLE {table} ALTER COLUMN counted SET DEFAULT true")
        for table, rows in (("member", country.member_rows()), ("youth", country.youth_rows()),
                            ("participation", country.event_rows())):
            started, count = time.perf_counter(), 0
            for chunk in rows:
                await conn.copy_records_to_table(table, records=chunk, columns=COLUMNS[table])
                count += len(chunk)
            print(f"  copy {table:<14} {count:>10,} rows  {time.perf_counter() - started:6.1f} s", flush=True)
        for table, rows in country.small_rows().items():
            await conn.copy_records_to_table(table, records=rows, columns=COLUMNS[table])
        for table in COUNTED:
            await conn.execute(f"ALTER TABLE {table} ALTER COLUMN counted SET DEFAULT false")
        for table in (*BULK, "evaluation", "survey", "target"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT coalesce(max(id), 1) FROM {table}))")
        started = time.perf_counter()
        for row in indexes:
            await conn.execute(row["indexdef"])
        print(f"  rebuild {len(indexes)} indexes        {time.perf_counter() - started:6.1f} s", flush=True)
        started = time.perf_counter()
        async with conn.transaction():
            for statement in rebuild_sql(postgres=True):
                await conn.execute(statement)
        print(f"  rollups from the rows          {time.perf_counter() - started:6.1f} s", flush=True)
        started = time.perf_counter()
        async with session_factory(engine)() as session, session.begin():
            await rebuild_sensitive_counts(session)
        print(f"  sealed counts, opened in Python {time.perf_counter() - started:5.1f} s", flush=True)
        await _timed("vacuum analyze", conn.execute("VACUUM ANALYZE"))
    finally:
        await conn.close()
        await engine.dispose()
    return country


async def _timed(label: str, work: Awaitable[Any]) -> Any:
    started = time.perf_counter()
    result = await work
    print(f"  {label:<30} {time.perf_counter() - started:6.1f} s", flush=True)
    return result


# --- The same national report, computed in Python from the rows.


async def python_report(url: str, root_path: str, period: Period) -> dict[str, dict[str, int]]:
    """Fetch the subtree's rows and compute the per-child counts in Python (the approach rollups avoid)."""
    conn = await asyncpg.connect(url)
    try:
        units = await conn.fetch("SELECT id, path, kind FROM unit WHERE path >= $1 AND path < $2",
                                 root_path, root_path[:-1] + "0")
        child = {u["id"]: u["path"][len(root_path):].split("/", 1)[0] for u in units}
        start, end = period.bounds(TZ)
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for m in await conn.fetch("SELECT unit_id, status FROM member"):
            if m["status"] == "active" and m["unit_id"] in child:
                counts[child[m["unit_id"]]]["members"] += 1
        youth = await conn.fetch("SELECT id, unit_id, introduced_by, introduced_at, gender, group_code, birth_year, "
                                 "ethnicity, religion FROM youth")
        pairs: dict[str, set[tuple[int, int]]] = defaultdict(set)
        youth_child = {}
        opened: dict[str, str] = {}  # token -> code: the bench reuses one token per code
        for y in youth:
            key = child.get(y["unit_id"])
            if key is None:
                continue
            youth_child[y["id"]] = key
            if start <= y["introduced_at"] < end:
                c = counts[key]
                c["introduced"] += 1
                c[y["gender"]] += 1
                c[f"group:{y['group_code']}"] += 1
                c[f"age:{period.year - y['birth_year']}"] += 1
                token = y["ethnicity"]
                if token is not None and token not in opened:
                    opened[token] = SEALER.open(token)
                c["minority"] += token is not None and opened[token] not in ("kinh", "other")
                pairs[key].add((y["introduced_by"], y["unit_id"]))
        for key, found in pairs.items():
            counts[key]["fulfilled"] = len(found)
        seen: dict[str, set[int]] = defaultdict(set)
        for e in await conn.fetch("SELECT youth_id, kind, on_date FROM participation"):
            key = youth_child.get(e["youth_id"])
            if key is not None and period.contains(e["on_date"]):
                seen[f"{key}:{e['kind']}"].add(e["youth_id"])
        for name, found in seen.items():
            key, kind = name.split(":")
            counts[key][kind] = len(found)
        for e in await conn.fetch("SELECT unit_id, submitted_at FROM evaluation WHERE period = $1", period.code):
            if e["unit_id"] in child and e["submitted_at"] is not None:
                counts[child[e["unit_id"]]]["submitted"] += 1
        return counts
    finally:
        await conn.close()


# --- Timing.


async def best_of(runs: int, work: Callable[[], Awaitable[Any]]) -> tuple[float, float, Any]:
    """Return (best, median) seconds over `runs` runs after one warm-up, and the last result."""
    result = await work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = await work()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times), result


async def time_reports(url: str, runs: int, commune_code: str, settings: dict[str, str]) -> dict[str, Any]:
    engine = create_engine(url, connect_args={"server_settings": settings})
    sessions = session_factory(engine)
    try:
        async def report(code: str) -> Any:
            async with sessions() as session:
                unit = await unit_by_code(session, code=code)
                assert unit is not None
                return await report_for(session, unit=unit, period=PERIOD, calendar=CALENDAR, tz=TZ)

        national = await best_of(runs, lambda: report("TW"))
        commune = await best_of(runs, lambda: report(commune_code))
        return {"national": national, "commune": commune}
    finally:
        await engine.dispose()


def _row(label: str, best: float, median: float, goal: str, ok: bool) -> str:
    return f"| {label:<46} | {best * 1000:10.1f} | {median * 1000:10.1f} | {goal:<9} | {'yes' if ok else 'NO':<4} |"


async def sqlite_district(members: int, runs: int) -> tuple[float, float, int]:
    """Build a district of `members` members on SQLite through the triggers; time its report."""
    branches = max(1, members // MEMBERS_PER_BRANCH)
    folder = tempfile.mkdtemp(prefix="bot11-bench-")
    url = f"sqlite+aiosqlite:///{folder}/district.db"
    engine = create_engine(url)
    await upgrade_to_head(engine)
    sessions = session_factory(engine)
    rng = np.random.default_rng(7)
    async with engine.begin() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        unit_insert = "INSERT INTO unit (id, code, name, kind, parent_id, path, active) VALUES (?, ?, ?, ?, ?, ?, ?)"
        await raw.execute(unit_insert, (1, "QD", "Quận Đoàn", "district", None, "/1/", 1))
        grassroots = max(1, branches // 40)
        units = [(g + 2, f"CS{g}", f"Đoàn phường {g}", "grassroots", 1, f"/1/{g + 2}/", 1)
                 for g in range(grassroots)]
        first = 2 + grassroots
        units += [(first + b, f"CD{b}", f"Chi đoàn {b}", "branch", 2 + b % grassroots,
                   f"/1/{2 + b % grassroots}/{first + b}/", 1) for b in range(branches)]
        await raw.executemany(unit_insert, units)
        joined = "2024-01-01 00:00:00.000000"
        await raw.executemany(
            "INSERT INTO member (id, full_name, birth_year, unit_id, status, joined_at, nudges) "
            "VALUES (?, 'Đoàn Viên', 1999, ?, 'active', ?, 1)",
            [(m + 1, first + m // MEMBERS_PER_BRANCH, joined) for m in range(branches * MEMBERS_PER_BRANCH)])
        youth = branches * YOUTH_PER_BRANCH
        hours = rng.integers(0, len(HOURS), youth)
        await raw.executemany(
            "INSERT INTO youth (id, full_name, name_key, birth_year, gender, group_code, introduced_to, "
            "introduced_by, unit_id, introduced_at, consent_at, status, status_at) "
            "VALUES (?, 'Thanh Niên', 'thanh nien', ?, ?, ?, 'doan', ?, ?, ?, ?, 'participating', ?)",
            [(y + 1, 1995 + y % 15, "female" if y % 2 else "male", str(GROUPS[y % 6]),
              (y // YOUTH_PER_BRANCH) * MEMBERS_PER_BRANCH + y % 35 + 1, first + y // YOUTH_PER_BRANCH,
              f"{HOURS[h]:%Y-%m-%d %H:%M:%S}.000000", joined, joined) for y, h in enumerate(hours)])
        await raw.executemany(
            "INSERT INTO participation (youth_id, kind, on_date, recorded_by, recorded_at) VALUES (?, ?, ?, 1, ?)",
            [(y + 1, "activity", f"{DAYS[(y * 7) % len(DAYS)]:%Y-%m-%d}", joined) for y in range(0, youth, 2)])
    try:
        async def report() -> Any:
            async with sessions() as session:
                unit = await session.get(Unit, 1)
                assert unit is not None
                return await report_for(session, unit=unit, period=PERIOD, calendar=CALENDAR, tz=TZ)

        best, median, result = await best_of(runs, report)
        return best, median, result.total.members
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="bot11_bench")
    parser.add_argument("--skip-load", action="store_true", help="reuse the database a previous run built")
    parser.add_argument("--no-python", action="store_true", help="skip the load-rows-into-Python comparison")
    parser.add_argument("--sqlite-members", type=int, default=50_000)
    parser.add_argument("--random-page-cost", help="the planner setting for the reports' sessions (default: the "
                                                   "server's), as a server on SSD is set (1.1)")
    args = parser.parse_args()
    url = args.server.rsplit("/", 1)[0] + f"/{args.database}"
    if not args.skip_load:
        print(f"Loading the synthetic country at scale {args.scale} into {args.database}…", flush=True)
        started = time.perf_counter()
        await load_postgres(args.server, args.database, args.scale)
        print(f"  total load                     {time.perf_counter() - started:6.1f} s", flush=True)
    conn = await asyncpg.connect(url)
    sizes = {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in ("unit", "member", "youth", "participation")}
    commune = await conn.fetchval("SELECT code FROM unit WHERE kind = 'grassroots' ORDER BY id LIMIT 1")
    branches = await conn.fetchval("SELECT count(*) FROM unit WHERE kind = 'branch'")
    settings = {"random_page_cost": args.random_page_cost} if args.random_page_cost else {}
    planner = {name: settings.get(name) or await conn.fetchval(f"SHOW {name}")
               for name in ("random_page_cost", "effective_cache_size", "shared_buffers", "jit")}
    await conn.close()
    print(f"\nPostgreSQL {args.database}: {sizes['unit']:,} units ({branches:,} branches), "
          f"{sizes['member']:,} members, "
          f"{sizes['youth']:,} young people, {sizes['participation']:,} participation events; period {PERIOD}")
    print("the reports' planner settings: " + ", ".join(f"{name} {value}" for name, value in planner.items())
          + (" (random_page_cost set for this run)" if settings else " (the server's)") + "\n")
    timings = await time_reports("postgresql+asyncpg" + url.removeprefix("postgresql"), args.runs, commune,
                                 settings)
    lines = ["| measurement                                    |  best (ms) | median (ms) | goal      | met  |",
             "|------------------------------------------------|-----------:|-----------:|-----------|------|"]
    nb, nm, national = timings["national"]
    cb, cm, _ = timings["commune"]
    lines.append(_row(f"PostgreSQL national report (top + {len(national.children)} children)", nb, nm, "< 1000",
                      nm < 1))
    lines.append(_row("PostgreSQL commune report (Đoàn cơ sở)", cb, cm, "< 50", cm < 0.05))
    if not args.no_python:
        started = time.perf_counter()
        counts = await python_report(url, "/1/", PERIOD)
        python_s = time.perf_counter() - started
        members = sum(c["members"] for c in counts.values())
        assert members == national.total.members, (members, national.total.members)
        introduced = sum(c["introduced"] for c in counts.values())
        assert introduced == national.total.introduced, (introduced, national.total.introduced)
        minority = sum(c["minority"] for c in counts.values())
        assert minority == national.total.minority, (minority, national.total.minority)
        lines.append(_row("same national report, rows loaded into Python", python_s, python_s, "", True))
        lines.append(f"| {'ratio Python / SQL (median)':<46} | {python_s / nm:9.0f}× | {'':>10} | ≥ 20×     | "
                     f"{'yes' if python_s / nm >= 20 else 'NO':<4} |")
    sb, sm, sqlite_members = await sqlite_district(args.sqlite_members, args.runs)
    lines.append(_row(f"SQLite district report ({sqlite_members:,} members)", sb, sm, "< 200", sm < 0.2))
    print("\n".join(lines))
    print(f"\nNational total: {national.total.members:,} members, {national.total.fulfilled:,} fulfilled, "
          f"{national.total.introduced:,} introduced in {PERIOD}, {national.total.admitted:,} admitted, "
          f"{national.total.submitted:,}/{national.total.evaluations_due:,} evaluations submitted.")


if __name__ == "__main__":
    asyncio.run(main())
