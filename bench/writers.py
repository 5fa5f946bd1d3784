"""Concurrent writers against the rollup triggers on PostgreSQL (issue 13, goal 2).

Builds a synthetic country in a database of its own (default `bot11_writers`, dropped and re-created; scale 0.2
is 26,000 branches, 1.3 M members, 1.4 M young people) with `load_postgres` from bench/report_national.py, or
reuses it with `--skip-load`. Then W writers (default 8), each its own asyncpg connection writing one row per
transaction (BEGIN; INSERT; COMMIT, as the application writes one event), run for `--seconds` per mode after a
warm-up that is not counted:

- `events+trig`: participation events (80% 'activity', 10% 'joined_hoi', 10% 'admitted') of random young
  people, dated in the current half-year, with the rollup triggers as installed;
- `events-trig`: the same with the rollup triggers off (`ALTER TABLE ... DISABLE TRIGGER USER` for the mode:
  the foreign key checks, internal triggers, still run, as they do for the application) and, where the fold
  counts new rows (migration 0014: inserts run no trigger), the rows written as counted already, which keeps
  them out of the index of rows to count: the rate without any of the rollups' work;
- `youth+trig` / `youth-trig`: registrations (a young person introduced now by a random active member, into
  that member's branch; ethnicity and religion NULL) with and without the triggers.

The rows written with the triggers off are not in the rollups; they are deleted (triggers still off) right after
their mode, so the database stays consistent. When `storage.rollups` has `fold_pending` (the triggers append to
pending tables), a task folds them every `--fold-every` seconds during the modes with triggers, as the
`fold_rollups` job does, and once more before the check; the folded rows and the longest fold are printed. Every
`--vacuum-every` seconds it also runs `vacuum_pending`, as the `vacuum_rollups` job does (it vacuums a pending
table grown past a megabyte, which happens where the server's autovacuum is off, as printed, or behind).
Without it (triggers that update every unit up the path) a note says so.

Printed: per mode transactions/s and p50/p95/p99 latency (BEGIN to COMMIT returned), then with/without the
triggers against the goal (≥ 75% of the throughput without, p99 < 10 ms). Last, the exactness check: the national
row of the current half-year in `report_rollup` against direct counts from the rows (young people introduced,
distinct introducer and branch pairs, distinct young people with an activity, joining Hội, admission dated in
it); the bench exits with status 1 when any differs.

    .venv/bin/python bench/writers.py [--scale 0.2] [--skip-load] [--writers 8] [--seconds 20] [--warmup 3]
        [--modes events+trig,events-trig,youth+trig,youth-trig] [--rounds 1] [--fold-every 1] [--vacuum-every 15]
        [--server postgresql://postgres@127.0.0.1:5432/postgres] [--database bot11_writers]

All writers run as asyncio tasks in this one process: on a 2-core machine the client's own CPU is part of what
limits the rate without triggers (the `client CPU %` column: 100 is one core). On a shared machine use
`--rounds 2` or more: the modes then run in turn and the ratio is given per round and over all rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

import storage.rollups
from bench.report_national import load_postgres
from storage.db import create_engine, session_factory

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MODES = ("events+trig", "events-trig", "youth+trig", "youth-trig")
EVENT_KINDS = ("activity",) * 8 + ("joined_hoi", "admitted")
GROUPS = ("residential", "worker", "student", "club", "freelance", "other")
GENDERS = ("male", "female")
EVENT_INSERT = ("INSERT INTO participation (youth_id, kind, on_date, recorded_by, recorded_at) "
                "VALUES ($1, $2, $3, $4, $5)")
YOUTH_INSERT = ("INSERT INTO youth (full_name, name_key, birth_year, gender, group_code, introduced_to, ethnicity, "
                "religion, introduced_by, unit_id, introduced_at, consent_at, status, status_at, updated_at) "
                "VALUES ('Thanh Niên Mới', 'thanh nien moi', $1, $2, $3, 'doan', NULL, NULL, $4, $5, $6, $6, "
                "'introduced', $6, $6)")
GOAL_RATIO, GOAL_P99_MS = 0.75, 10.0
FORBIDDEN = ("test", "bot11_bench")
FoldPending = Callable[[Any], Awaitable[int]]


@dataclass(slots=True)
class Half:
    """The current half-year in Vietnam: its code, its dates and its UTC bounds."""

    code: str
    first: date
    end: date  # first day after
    days: int  # from `first` to today, the dates events may take

    @classmethod
    def now(cls) -> Half:
        today = datetime.now(TZ).date()
        first = date(today.year, 1 if today.month <= 6 else 7, 1)
        end = date(today.year, 7, 1) if today.month <= 6 else date(today.year + 1, 1, 1)
        return cls(f"{today.year}-H{1 if today.month <= 6 else 2}", first, end, (today - first).days + 1)


@dataclass(slots=True)
class Sample:
    """What the writers pick from: young people's ids (a sample: ids have gaps where rows written without the
    triggers were deleted), active members with their branch."""

    youth: list[int]
    members: list[tuple[int, int]]


@dataclass(slots=True)
class Folds:
    """What the fold task did during one mode."""

    runs: int = 0
    rows: int = 0
    longest: float = 0.0
    vacuumed: int = 0  # pending tables vacuumed
    errors: list[str] = field(default_factory=list)

    def add(self, rows: int, seconds: float) -> None:
        self.runs += 1
        self.rows += rows
        self.longest = max(self.longest, seconds)


@dataclass(slots=True)
class Result:
    mode: str
    count: int
    seconds: float
    latencies: list[float]
    cpu: float  # this process's CPU seconds per second during the mode (1.0: one core)
    folds: Folds | None

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def pct(self, p: float) -> float:
        ordered = self.latencies
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def pg_url(server: str, database: str) -> str:
    return server.rsplit("/", 1)[0] + f"/{database}"


async def sample(url: str) -> Sample:
    conn = await asyncpg.connect(url)
    try:
        youth = await conn.fetch("SELECT id FROM youth TABLESAMPLE SYSTEM (10) LIMIT 200000")
        members = await conn.fetch("SELECT id, unit_id FROM member TABLESAMPLE SYSTEM (5) WHERE status = 'active' "
                                   "LIMIT 50000")
        return Sample([y["id"] for y in youth], [(m["id"], m["unit_id"]) for m in members])
    finally:
        await conn.close()


def insert_statement(events: bool, *, counted: bool) -> str:
    """The INSERT a writer runs; `counted`: written as counted already (a mode without the rollups, on a schema
    where the fold counts new rows: such a row is neither in the index of rows to count nor counted by the fold)."""
    statement = EVENT_INSERT if events else YOUTH_INSERT
    return statement.replace(") VALUES (", ", counted) VALUES (", 1)[:-1] + ", true)" if counted else statement


async def writer(url: str, mode: str, statement: str, sample: Sample, half: Half, seed: str, start: float,
                 stop: float, latencies: list[float]) -> None:
    """Write one row per transaction until `stop`; keep the latencies of those begun at or after `start`."""
    rng = random.Random(seed)
    conn = await asyncpg.connect(url)
    try:
        events = mode.startswith("events")
        while (began := time.perf_counter()) < stop:
            now = datetime.now(UTC)
            if events:
                args: tuple[Any, ...] = (rng.choice(sample.youth), rng.choice(EVENT_KINDS),
                                         half.first + timedelta(days=rng.randrange(half.days)),
                                         rng.choice(sample.members)[0], now)
            else:
                member, unit = rng.choice(sample.members)
                args = (rng.randint(1996, 2010), rng.choice(GENDERS), rng.choice(GROUPS), member, unit, now)
            async with conn.transaction():
                await conn.execute(statement, *args)
            if began >= start:
                latencies.append(time.perf_counter() - began)
    finally:
        await conn.close()


async def fold_loop(fold: FoldPending, sessions: Any, every: float, vacuum_every: float, stop: asyncio.Event,
                    folds: Folds) -> None:
    """Fold the pending rollup rows every `every` seconds, each fold its own transaction, and vacuum the pending
    tables every `vacuum_every` seconds if they grew, as the jobs do."""
    vacuum = getattr(storage.rollups, "vacuum_pending", None)
    vacuumed_at = time.perf_counter()
    while not stop.is_set():
        started = time.perf_counter()
        try:
            async with sessions() as session, session.begin():
                rows = await fold(session)
            folds.add(rows, time.perf_counter() - started)
            if vacuum is not None and started - vacuumed_at >= vacuum_every:
                vacuumed_at = started
                async with sessions() as session:
                    folds.vacuumed += await vacuum(session)
        except Exception as error:  # printed with the results; the writers go on
            folds.errors.append(repr(error))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.0, every - (time.perf_counter() - started)))


async def run_mode(url: str, mode: str, round_no: int, sample: Sample, half: Half, args: argparse.Namespace,
                   fold: FoldPending | None, sessions: Any) -> Result:
    conn = await asyncpg.connect(url)
    table = "participation" if mode.startswith("events") else "youth"
    before = await conn.fetchval(f"SELECT coalesce(max(id), 0) FROM {table}")
    latencies: list[float] = []
    folds = Folds() if fold is not None and mode.endswith("+trig") else None
    stop_folding = asyncio.Event()
    folder = (asyncio.create_task(fold_loop(fold, sessions, args.fold_every, args.vacuum_every, stop_folding, folds))
              if fold is not None and folds is not None else None)
    t0 = time.perf_counter()
    start, stop = t0 + args.warmup, t0 + args.warmup + args.seconds
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    seeds = [f"{mode}:{k}:{args.seed}:{round_no}" for k in range(args.writers)]
    without = mode.endswith("-trig")
    has_counted = await conn.fetchval("SELECT count(*) FROM information_schema.columns WHERE table_name = $1 "
                                      "AND column_name = 'counted'", table)
    statement = insert_statement(table == "participation", counted=without and bool(has_counted))
    tasks = [writer(url, mode, statement, sample, half, seed, start, stop, latencies) for seed in seeds]
    if without:
        # Only the rollup triggers off (DISABLE TRIGGER USER keeps the foreign key checks, which are
        # internal triggers): the rate the same rows would have without the rollups.
        await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    try:
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - max(start, t0)
        after = resource.getrusage(resource.RUSAGE_SELF)
        if folder is not None:
            stop_folding.set()
            await folder
        if without:
            # Never counted by the triggers: take them away the same way, so the rollups stay exact.
            await conn.execute(f"DELETE FROM {table} WHERE id > $1", before)
    finally:
        if without:
            await conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    await conn.close()
    latencies.sort()
    cpu_s = (after.ru_utime + after.ru_stime) - (cpu.ru_utime + cpu.ru_stime)
    return Result(mode, len(latencies), elapsed, latencies, cpu_s / (time.perf_counter() - t0), folds)


async def final_fold(fold: FoldPending | None, sessions: Any) -> tuple[int, float] | None:
    if fold is None:
        return None
    started = time.perf_counter()
    async with sessions() as session, session.begin():
        rows = await fold(session)
    return rows, time.perf_counter() - started


async def exactness(url: str, half: Half) -> list[tuple[str, int, int]]:
    """(count, in the national rollup row, counted from the rows) for the current half-year."""
    conn = await asyncpg.connect(url)
    try:
        root = await conn.fetchrow("SELECT id, path FROM unit WHERE parent_id IS NULL ORDER BY id LIMIT 1")
        row = await conn.fetchrow("SELECT introduced, fulfilled, participating, joined_hoi, admitted "
                                  "FROM report_rollup WHERE unit_id = $1 AND period = $2", root["id"], half.code)
        start = datetime.combine(half.first, datetime.min.time(), tzinfo=TZ)
        end = datetime.combine(half.end, datetime.min.time(), tzinfo=TZ)
        under = "y.unit_id IN (SELECT id FROM unit WHERE path LIKE $1 || '%')"
        youth = await conn.fetchrow(
            f"SELECT count(*) AS introduced, count(DISTINCT (y.introduced_by, y.unit_id)) AS fulfilled FROM youth y "
            f"WHERE y.introduced_at >= $2 AND y.introduced_at < $3 AND {under}", root["path"], start, end)
        events = {r["kind"]: r["n"] for r in await conn.fetch(
            f"SELECT e.kind, count(DISTINCT e.youth_id) AS n FROM participation e JOIN youth y ON y.id = e.youth_id "
            f"WHERE e.on_date >= $2 AND e.on_date < $3 AND {under} GROUP BY e.kind", root["path"], half.first,
            half.end)}
        direct = {"introduced": youth["introduced"], "fulfilled": youth["fulfilled"],
                  "participating": events.get("activity", 0), "joined_hoi": events.get("joined_hoi", 0),
                  "admitted": events.get("admitted", 0)}
        return [(name, int(row[name]) if row is not None else 0, int(count)) for name, count in direct.items()]
    finally:
        await conn.close()


def table(results: list[Result], writers: int) -> list[str]:
    lines = ["| mode        | writers |  commits |  tx/s | p50 ms | p95 ms | p99 ms | client CPU % | "
             "folds: runs, rows, longest ms, vacuums |",
             "|-------------|--------:|---------:|------:|-------:|-------:|-------:|-------------:|"
             "----------------------------------------|"]
    for r in results:
        folded = (f"{r.folds.runs}, {r.folds.rows:,}, {r.folds.longest * 1000:.0f}, {r.folds.vacuumed}"
                  + (f" ({len(r.folds.errors)} failed)" if r.folds.errors else "")) if r.folds else "—"
        lines.append(f"| {r.mode:<11} | {writers:>7} | {r.count:>8,} | {r.rate:>5,.0f} | {r.pct(0.5):>6.2f} | "
                     f"{r.pct(0.95):>6.2f} | {r.pct(0.99):>6.2f} | {100 * r.cpu:>12.0f} | {folded:<38} |")
    return lines


def merged(results: list[Result]) -> Result:
    """One mode's rounds as one run: all commits over all measured seconds, all latencies."""
    return Result(results[0].mode, sum(r.count for r in results), sum(r.seconds for r in results),
                  sorted(x for r in results for x in r.latencies), 0.0, None)


def goals(results: list[Result], rounds: int) -> list[str]:
    lines = ["| writes      | round | with / without triggers | goal ≥ 75% | p99 with (ms) | goal < 10 ms |",
             "|-------------|-------|------------------------:|------------|--------------:|--------------|"]
    for kind in ("events", "youth"):
        on_all = [r for r in results if r.mode == f"{kind}+trig"]
        off_all = [r for r in results if r.mode == f"{kind}-trig"]
        if not on_all or not off_all:
            continue
        pairs = list(zip(on_all, off_all, strict=False)) if rounds > 1 else []
        labels = [str(n + 1) for n in range(len(pairs))]
        for label, (on, off) in zip([*labels, "all"], [*pairs, (merged(on_all), merged(off_all))], strict=True):
            ratio = on.rate / off.rate
            met, fast = ratio >= GOAL_RATIO, on.pct(0.99) < GOAL_P99_MS
            lines.append(f"| {kind:<11} | {label:<5} | {ratio:>23.0%} | {'met' if met else 'NOT met':<10} "
                         f"| {on.pct(0.99):>13.2f} | {'met' if fast else 'NOT met':<12} |")
    return lines


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.2)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="bot11_writers")
    parser.add_argument("--skip-load", action="store_true", help="reuse the database a previous run built")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per mode")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds per mode written but not counted")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}")
    parser.add_argument("--fold-every", type=float, default=1.0, help="seconds between folds (with fold_pending)")
    parser.add_argument("--vacuum-every", type=float, default=15.0,
                        help="seconds between vacuums of the pending tables grown (with vacuum_pending)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the modes in turn this many times (a shared machine's load weighs on both sides)")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    modes = args.modes.split(",")
    if unknown := set(modes) - set(MODES):
        parser.error(f"unknown modes: {', '.join(sorted(unknown))}")
    if args.database in FORBIDDEN:
        parser.error(f"{args.database} belongs to others; use a database of this bench's own")
    url = pg_url(args.server, args.database)
    if not args.skip_load:
        print(f"Loading the synthetic country at scale {args.scale} into {args.database}…", flush=True)
        started = time.perf_counter()
        await load_postgres(args.server, args.database, args.scale)
        print(f"  total load                     {time.perf_counter() - started:6.1f} s", flush=True)
    fold: FoldPending | None = getattr(storage.rollups, "fold_pending", None)
    engine = create_engine("postgresql+asyncpg" + url.removeprefix("postgresql"))
    sessions = session_factory(engine)
    half = Half.now()
    try:
        picked = await sample(url)
        conn = await asyncpg.connect(url)
        sizes = {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in ("unit", "member", "youth",
                                                                               "participation")}
        branches = await conn.fetchval("SELECT count(*) FROM unit WHERE kind = 'branch'")
        revision = await conn.fetchval("SELECT version_num FROM alembic_version")
        autovacuum = await conn.fetchval("SHOW autovacuum")
        await conn.close()
        print(f"\nPostgreSQL {args.database} (migration {revision}): {branches:,} branches, {sizes['member']:,} "
              f"members, {sizes['youth']:,} young people, {sizes['participation']:,} events; writing in {half.code}; "
              f"{args.writers} writers, {args.warmup:g} s warm-up + {args.seconds:g} s per mode; the server's "
              f"autovacuum: {autovacuum}")
        if fold is None:
            print("storage.rollups has no fold_pending: the triggers update every unit up the path, nothing to fold")
        else:
            pending = await final_fold(fold, sessions)
            assert pending is not None
            print(f"storage.rollups.fold_pending every {args.fold_every:g} s during the modes with triggers "
                  f"({pending[0]:,} rows pending before the first mode, folded)")
        results = []
        for round_no, mode in [(n, m) for n in range(args.rounds) for m in modes]:
            result = await run_mode(url, mode, round_no, picked, half, args, fold, sessions)
            results.append(result)
            print(f"  {mode:<11} {result.rate:7,.0f} tx/s  p99 {result.pct(0.99):6.2f} ms", flush=True)
            for error in (result.folds.errors if result.folds else [])[:3]:
                print(f"    fold failed: {error}")
        print()
        print("\n".join(table(results, args.writers)))
        print()
        print("\n".join(goals(results, args.rounds)))
        last = await final_fold(fold, sessions)
        if last is not None:
            print(f"\nfold before the check: {last[0]:,} pending rows in {last[1] * 1000:.0f} ms")
        checked = await exactness(url, half)
    finally:
        await engine.dispose()
    exact = all(rollup == direct for _, rollup, direct in checked)
    print(f"\nexact: {'yes' if exact else 'no'} (national row of {half.code}, rollup vs counted from the rows)")
    for name, rollup, direct in checked:
        print(f"  {name:<14} {rollup:>10,} {direct:>10,}{'' if rollup == direct else '  DIFFERS'}")
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
