"""Throughput across processes (issue 13, goal 3): N webhook worker processes on one port, PostgreSQL, the
scheduler elected by the advisory lock and an outbox sender in every worker, fed at fixed rates by a load
generator posting Telegram updates with the valid secret header; replies go to a loopback fake Bot API.

    .venv/bin/python -m bench.webhook_workers                    # 1 then 2 workers, rates 50…400/s, 15 s each
    .venv/bin/python -m bench.webhook_workers --workers 2 --rates 100,200 --seconds 20

How the pieces fit (one shared pre-bound socket, replies attributed per update, the dialog mix) is in
`bench/webhook_fleet.py`. Every step offers a fixed rate for `--seconds` (after a warm-up step that is not
printed); latency is from the moment an update was due to its 200, so a generator running late shows as
latency too, and its own lag is printed apart. CPU is given in cores for the workers, the PostgreSQL backends of
the bench database, the driver (generator + fake platform) and the whole machine (2 cores: 2.0 is all of it).

Columns: `done/s` updates answered a second (first due to last answered), `lag99ms` the generator's own
lateness, `late` updates offered but still waiting for one of the 40 connections when the step ended (never
sent: more was offered than the workers took), `starved` ticks when every person was still waiting for an
answer, `retries` deliveries tried again (a 5xx or a broken connection), `ms:wrk`/`ms:pg`/`ms:drv` CPU
milliseconds per update in the workers, the PostgreSQL backends and the driver, `c:wrk`/`c:all` cores used by the
workers and by the whole machine, `load` the 1-minute load average (other work on the machine shows there). CPU
per update does not depend on what else runs; the rates do.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from bench.webhook_fleet import (
    CpuMeter,
    Fleet,
    Generator,
    Platform,
    Poster,
    Window,
    backend_pids,
    handled_ids,
    leader_pid,
    scratch_database,
    wait_for_webhooks,
    worker_environment,
)

DATABASE = "bot11_bench_workers"


async def measure(args: argparse.Namespace, workers: int) -> None:
    """Print one row per rate for `workers` processes, then what was lost or doubled."""
    async with scratch_database(args.db_url, DATABASE, people=args.people) as url:
        platform = await Platform().start()
        with tempfile.TemporaryDirectory() as folder:
            fleet = Fleet(env={}, logs=Path(folder))
            fleet.env = worker_environment(url, platform, fleet.port)
            poster = Poster(fleet.port, connections=args.connections)
            try:
                profile = Path(folder) / "worker0.prof" if args.profile else None
                for slot in range(workers):
                    fleet.start(slot, profile=profile if slot == 0 else None)
                await wait_for_webhooks(platform, workers)
                generator = Generator(args.people, platform, poster)
                await generator.run(min(args.rates), args.warmup)  # connections, caches, every person's join
                leader = await leader_pid(url, fleet.pids())
                for rate in args.rates:
                    meter = CpuMeter({"workers": fleet.pids(), "postgres": await backend_pids(url),
                                      "driver": [os.getpid()]})
                    meter.start()
                    began = time.monotonic()
                    window = await generator.run(rate, args.seconds)
                    cores = meter.stop({"postgres": await backend_pids(url)})
                    print(_row(workers, rate, window, cores, time.monotonic() - began), flush=True)
                lost = generator.acked - await handled_ids(url)
                doubled = [u for u, texts in platform.replies.items() if max(texts.values()) > 1]
                errors = fleet.error_lines()
                print(f"   {workers} worker(s): scheduler leader pid {leader} of {fleet.pids()}; updates lost "
                            f"{len(lost)}, handled twice {len(doubled)}, error log lines {len(errors)}", flush=True)
                for line in errors[:5]:
                    print(f"     {line}", flush=True)
            finally:
                poster.close()
                fleet.stop()
                await platform.stop()
            if profile is not None and profile.exists():
                _print_profile(profile, workers)


def _print_profile(path: Path, workers: int) -> None:
    """Print where worker 0 spent its CPU: by package, then the top 15 functions by their own time.

    Cumulative time says little in an asyncio process: a coroutine's includes the time it waited.
    """
    stats = pstats.Stats(str(path))
    by_package: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        by_package[_package(filename)] = by_package.get(_package(filename), 0.0) + own
    total = sum(by_package.values())
    print(f"   worker 0 of {workers} under cProfile: {total:.1f} s of CPU by package: " + ", ".join(
        f"{name} {own / total:.0%}" for name, own in sorted(by_package.items(), key=lambda kv: -kv[1])[:12]))
    out = io.StringIO()
    pstats.Stats(str(path), stream=out).sort_stats("tottime").print_stats(15)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[-2600:], flush=True)


def _package(filename: str) -> str:
    """Name the package a profiled function belongs to: a site package, one of ours, or the standard library."""
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    for ours in ("bot", "conversations", "storage", "scheduled", "bench"):
        if ours in parts:
            return f"ours:{ours}"
    if filename.startswith("<") or filename == "~":
        return "builtins"  # C functions: the selector's wait, socket calls, json, …
    python = next((i for i, part in enumerate(parts) if part.startswith("python3")), None)
    if python is not None and python + 1 < len(parts):
        return "stdlib:" + parts[python + 1].removesuffix(".py")
    return "other"


def _row(workers: int, rate: float, window: Window, cores: dict[str, float], seconds: float) -> str:
    def per_update(group: str) -> float:  # CPU milliseconds per update answered
        return cores[group] * seconds / max(1, window.acked) * 1000

    cells = [f"{workers:>7}", f"{rate:>8.0f}", f"{window.per_second:>8.1f}",
             f"{window.quantile(window.latencies, 50):>8.1f}", f"{window.quantile(window.latencies, 99):>8.1f}",
             f"{window.quantile(window.lags, 99):>8.1f}", f"{window.late:>6}", f"{window.starved:>7}",
             f"{window.retries:>7}", f"{per_update('workers'):>7.1f}", f"{per_update('postgres'):>7.1f}",
             f"{per_update('driver'):>7.1f}", f"{cores['workers']:>7.2f}", f"{cores['machine']:>7.2f}",
             f"{os.getloadavg()[0]:>6.1f}"]
    return " ".join(cells)


HEADER = " ".join(f"{name:>{width}}" for name, width in (
    ("workers", 7), ("offered", 8), ("done/s", 8), ("p50 ms", 8), ("p99 ms", 8), ("lag99ms", 8), ("late", 6),
    ("starved", 7), ("retries", 7), ("ms:wrk", 7), ("ms:pg", 7), ("ms:drv", 7), ("c:wrk", 7), ("c:all", 7),
    ("load", 6)))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--rates", type=lambda s: [float(r) for r in s.split(",")], default=[50, 100, 200, 300, 400])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=15)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=40, help="webhook connections (Telegram's default 40)")
    parser.add_argument("--profile", action="store_true", help="run worker 0 under cProfile and print its top 15")
    parser.add_argument("--db-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    print(f"Webhook workers on one port, PostgreSQL ({DATABASE}), {args.people} people, {args.connections} "
          f"connections, {args.seconds:.0f} s per rate; CPU in cores", flush=True)
    print(HEADER, flush=True)
    for workers in args.workers:
        await measure(args, workers)


if __name__ == "__main__":
    asyncio.run(main())
