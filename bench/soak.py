"""Soak across processes with kill -9 (issue 13, goal 4): 2 webhook workers on one port over PostgreSQL, 5,000
simulated people in mixed dialogs, the scheduler (elected by the advisory lock) and an outbox sender in each
worker against the loopback fake platform, one worker killed with SIGKILL every 2 minutes and started again.

    .venv/bin/python -m bench.soak --minutes 2 --kill-every 40     # a smoke run
    .venv/bin/python -m bench.soak --minutes 20                    # the soak

Worker 0 is the one killed; worker 1 is never killed, and its resident memory is watched for the whole run.
Worker 0 starts first, so it wins the scheduler's lock; after each death the lock goes to whichever worker asks
first: worker 1 asks every 30 s, the restarted worker 0 as it starts, so the lock mostly follows worker 0, and
the scheduler is away for the seconds in between (the printed leaders show it; the jobs catch up when it is back).
Beside the people's updates (`--rate` a second), the driver enqueues `--push-rate` outbox rows a second, each text
carrying its dedupe key, so the fake platform can count every push's deliveries.

Printed at the end, against the goals:

* updates lost: answered 200 but never handled (no claim of their id in `processed_update`);
* updates handled twice: a reply text sent twice for one update id;
* replies lost: updates handled and answered 200 whose replies never reached the platform (a kill after the
  commit and before the replies went out: the redelivery is a no-op by design);
* pushes lost, or sent twice beyond the sender's documented crash window (`scheduled/sender.py`): a duplicate
  is inside the window when, right after a kill, the platform had it and its row was still leased (`sending`);
* error log lines of the workers (a SIGKILL leaves none of its own) and warnings by kind;
* resident memory of the surviving worker: growth from the end of warm-up (the first quarter) to the end.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import statistics
import sys
import tempfile
import time
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from bench.webhook_fleet import (
    BENCH_SEALER,
    FIRST_USER,
    PUSH_PREFIX,
    CpuMeter,
    Fleet,
    Generator,
    Platform,
    Poster,
    Window,
    backend_pids,
    handled_ids,
    leader_pid,
    leased_keys,
    rss_mib,
    scratch_database,
    unsent_pushes,
    wait_for_webhooks,
    worker_environment,
)
from storage.db import create_engine, session_factory
from storage.outbox import Push, enqueue_many, outbox_counts

DATABASE = "bot11_bench_soak"
VICTIM, SURVIVOR = 0, 1
PUSH_KEY = "soak."  # the dedupe keys of the pushes the driver enqueues


class Soak:
    """One soak run: the kills, the pushes enqueued, and what is sampled along the way."""

    def __init__(self, args: argparse.Namespace, url: str, platform: Platform, fleet: Fleet) -> None:
        self.args, self.url, self.platform, self.fleet = args, url, platform, fleet
        self.kills: list[float] = []  # time.time() of each SIGKILL
        self.unrecorded: set[str] = set()  # pushes delivered but still leased, seen right after a kill
        self.enqueued: list[str] = []
        self.rss: list[tuple[float, int, float]] = []  # (seconds since start, pid, MiB) of the survivor
        self.victim_rss: list[tuple[int, float]] = []  # the victim's RSS just before each kill
        self.leaders: list[tuple[float, int | None]] = []
        self.started = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    async def kill_loop(self, stop: asyncio.Event) -> None:
        """Kill the victim every `--kill-every` seconds while updates are offered (not while the last drain)."""
        for _ in range(int(self.args.minutes * 60 // self.args.kill_every)):
            try:
                await asyncio.wait_for(stop.wait(), self.args.kill_every)
                return
            except TimeoutError:
                pass
            pid = self.fleet.processes[VICTIM].pid
            self.victim_rss.append((pid, rss_mib(pid)))
            self.kills.append(time.time())
            self.fleet.kill(VICTIM)
            # Delivered but not recorded as sent by the killed sender: the crash window (scheduled/sender.py); its
            # rows stay leased until the lease ends, then go out again. A second later, the requests it had on
            # the wire have reached the platform (or never will), and the survivor has recorded what it sent.
            await asyncio.sleep(1)
            leased = await leased_keys(self.url)
            self.unrecorded |= leased & set(self.platform.pushes)
            print(f"  {self.elapsed():6.0f} s  SIGKILL worker {VICTIM} (pid {pid}); starting it again", flush=True)
            self.fleet.start(VICTIM)

    async def push_loop(self, stop: asyncio.Event) -> None:
        """Enqueue `push_rate` outbox rows a second to the simulated people, as the scheduler would."""
        engine = create_engine(self.url, sealer=BENCH_SEALER)
        sessions = session_factory(engine)
        numbers = itertools.count()
        try:
            while not stop.is_set():
                now = datetime.now(UTC)
                pushes = []
                for _ in range(self.args.push_rate):
                    n = next(numbers)
                    key = f"{PUSH_KEY}{n}"
                    chat = str(FIRST_USER + (n * 7919) % self.args.people)
                    pushes.append(Push(dedupe_key=key, channel="telegram", chat_id=chat,
                                       payload={"text": PUSH_PREFIX + key}, not_before=now))
                async with sessions() as session, session.begin():
                    await enqueue_many(session, pushes=pushes, now=now)
                self.enqueued += [push.dedupe_key for push in pushes]
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
        finally:
            await engine.dispose()

    async def sample_loop(self, stop: asyncio.Event, window: Window) -> None:
        """Every 10 s note the survivor's memory and the scheduler's leader; every minute print a line."""
        seen, last_print = 0, 0.0
        while not stop.is_set():
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 10)
            survivor = self.fleet.processes[SURVIVOR].pid
            self.rss.append((self.elapsed(), survivor, rss_mib(survivor)))
            leader = await leader_pid(self.url, self.fleet.pids())
            if not self.leaders or self.leaders[-1][1] != leader:
                self.leaders.append((self.elapsed(), leader))
            if self.elapsed() - last_print >= 60 or stop.is_set():
                last_print = self.elapsed()
                recent = window.latencies[seen:]
                seen = len(window.latencies)
                p99 = statistics.quantiles(recent, n=100)[98] * 1000 if len(recent) > 1 else float("nan")
                counts = await self.outbox()
                print(f"  {self.elapsed():6.0f} s  updates acked {window.acked:>7}  last minute p99 {p99:7.1f} ms  "
                      f"retries {window.retries:>5}  RSS survivor {self.rss[-1][2]:6.1f} MiB  leader {leader}  "
                      f"outbox {dict(sorted(counts.items()))}", flush=True)

    async def outbox(self) -> dict[str, int]:
        engine = create_engine(self.url, sealer=BENCH_SEALER)
        try:
            async with session_factory(engine)() as session:
                return await outbox_counts(session, channel="telegram")
        finally:
            await engine.dispose()

    async def drain(self) -> dict[str, int]:
        """Wait until none of the soak's pushes is pending or leased (a lease left by a kill ends after `--lease`
        s); return the outbox's counts, the scheduler's rows included (those may wait for the morning)."""
        for _ in range((self.args.lease + 90) // 2):
            if not await unsent_pushes(self.url, prefix=PUSH_KEY):
                break
            await asyncio.sleep(2)
        return await self.outbox()


async def soak(args: argparse.Namespace) -> None:
    # Started in the background (nohup … &), SIGINT is ignored: SIGTERM stops the soak with its clean-up.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    async with scratch_database(args.db_url, DATABASE, people=args.people, keep=args.keep) as url:
        platform = await Platform().start()
        logs = Path(args.logs or tempfile.mkdtemp(prefix="bot11-soak-"))
        fleet = Fleet(env={}, logs=logs)
        fleet.env = worker_environment(url, platform, fleet.port, OUTBOX_LEASE_SECONDS=str(args.lease))
        poster = Poster(fleet.port, connections=args.connections)
        generator = Generator(args.people, platform, poster)
        try:
            fleet.start(VICTIM)
            await wait_for_webhooks(platform, 1)
            fleet.start(SURVIVOR)
            await wait_for_webhooks(platform, 2)
            print(f"Soak: {args.minutes:g} min, 2 workers on port {fleet.port} (logs in {logs}), {args.people} "
                  f"people at {args.rate:g} updates/s, {args.push_rate} pushes/s, SIGKILL every "
                  f"{args.kill_every:g} s, lease {args.lease} s", flush=True)
            run = Soak(args, url, platform, fleet)
            stop = asyncio.Event()
            window = Window()
            meter = CpuMeter({"driver": [os.getpid()], "postgres": await backend_pids(url),
                              "survivor": [fleet.processes[SURVIVOR].pid]})
            meter.start()
            helpers = [asyncio.create_task(run.kill_loop(stop)), asyncio.create_task(run.push_loop(stop)),
                       asyncio.create_task(run.sample_loop(stop, window))]
            await generator.run(args.rate, args.minutes * 60, window=window)
            stop.set()
            await asyncio.gather(*helpers)
            cores = meter.stop({"postgres": await backend_pids(url)})
            counts = await run.drain()
            handled = await handled_ids(url)
            report(run, generator, window, handled, counts, cores)
        finally:
            poster.close()
            fleet.stop()
            await platform.stop()


def report(run: Soak, generator: Generator, window: Window, handled: set[int], counts: dict[str, int],
           cores: dict[str, float]) -> None:
    args, platform = run.args, run.platform
    seconds = args.minutes * 60
    lost = sorted(generator.acked - handled)
    doubled = sorted(u for u, texts in platform.replies.items() if texts and max(texts.values()) > 1)
    silent = sorted(u for u in generator.acked & handled if not platform.replies.get(u))
    never_acked = generator.sent - generator.acked
    delivered = platform.pushes
    pushes_lost = [key for key in run.enqueued if not delivered.get(key)]
    twice = {key: times for key, times in delivered.items() if len(times) > 1}
    inside = set(twice) & run.unrecorded
    beyond = sorted(set(twice) - inside)
    errors = run.fleet.error_lines()
    warm = [(t, mib) for t, _, mib in run.rss if t >= seconds / 4]
    growth = (warm[-1][1] - warm[0][1]) / warm[0][1] if len(warm) > 1 else float("nan")
    print()
    print(f"Soak results ({args.minutes:g} min, {len(run.kills)} kills, {run.fleet.starts} worker starts)")
    rows = [
        ("updates sent / acked 200", f"{len(generator.sent):,} / {len(generator.acked):,} "
         f"({window.acked / seconds:.1f}/s; p50 {window.quantile(window.latencies, 50):.1f} ms, "
         f"p99 {window.quantile(window.latencies, 99):.1f} ms; {window.retries:,} redeliveries)", ""),
        ("updates lost (acked, never handled)", f"{len(lost)}", "goal 0"),
        ("updates handled twice", f"{len(doubled)}", "goal 0"),
        ("updates never acked / given up", f"{len(never_acked)} / {len(generator.given_up)}", "goal 0"),
        ("updates offered but not sent by the end", f"{window.late:,}", "more offered than the workers took"),
        ("replies lost (handled, acked, no reply)", f"{len(silent)}", "the kill fell between commit and replies"),
        ("pushes enqueued / delivered (distinct)", f"{len(run.enqueued):,} / {len(delivered):,}",
         f"outbox at the end {dict(sorted(counts.items()))}"),
        ("pushes lost", f"{len(pushes_lost)}", "goal 0"),
        ("pushes sent twice: in the crash window / beyond", f"{len(inside)} / {len(beyond)}",
         f"goal: beyond 0; in the window: delivered, not yet recorded sent when a kill came "
         f"({len(run.unrecorded)} such rows seen in all)"),
        ("scheduler's own messages (not soak pushes)", f"{sum(platform.stray.values())}", ""),
        ("error log lines (workers)", f"{len(errors)}", "goal 0; SIGKILL itself logs nothing"),
        ("RSS survivor after warm-up", f"{warm[0][1]:.1f} → {warm[-1][1]:.1f} MiB ({growth:+.1%})" if warm else "-",
         "goal < +10%"),
        ("RSS victim before each kill (MiB)", " ".join(f"{mib:.0f}" for _, mib in run.victim_rss) or "-", ""),
        ("scheduler leader (s → pid)", ", ".join(f"{t:.0f}→{pid}" for t, pid in run.leaders), ""),
        ("CPU (cores): surviving worker, driver, PostgreSQL, machine",
         f"{cores['survivor']:.2f}, {cores['driver']:.2f}, {cores['postgres']:.2f}, {cores['machine']:.2f} "
         f"(load average {os.getloadavg()[0]:.1f})", ""),
    ]
    width = max(len(r[0]) for r in rows)
    for label, value, goal in rows:
        print(f"  {label:<{width}}  {value}{'   (' + goal + ')' if goal else ''}")
    for title, items in (("lost", lost), ("handled twice", doubled), ("replies lost", silent),
                         ("pushes lost", pushes_lost), ("pushes twice beyond the window", beyond)):
        if items:
            print(f"  {title}: {items[:10]}{' …' if len(items) > 10 else ''}")
    for key in beyond[:5]:
        print(f"    {key}: delivered at {[round(t - run.kills[0], 3) for t in delivered[key]]} s after the first kill")
    for line in errors[:20]:
        print(f"  {line}")
    for message, count in run.fleet.warnings().most_common(10):
        print(f"  warning ×{count}: {message[:150]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=20)
    parser.add_argument("--kill-every", type=float, default=120, help="seconds between two SIGKILLs")
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=20, help="updates a second")
    parser.add_argument("--push-rate", type=int, default=10, help="outbox rows enqueued a second")
    parser.add_argument("--lease", type=int, default=120, help="the sender's lease (OUTBOX_LEASE_SECONDS)")
    parser.add_argument("--connections", type=int, default=40)
    parser.add_argument("--logs", help="folder for the workers' logs (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--db-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    asyncio.run(soak(parser.parse_args()))


if __name__ == "__main__":
    main()
