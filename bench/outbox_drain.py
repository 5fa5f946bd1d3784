"""Outbox drain benchmark: enqueue 150,000 evaluation prompts (one per branch at national scale), then drain
them through the real sender and Telegram outlet against the loopback fake platform (its own process), first
with the rate set to 30/s for a sampled window, then unlimited until the queue is empty.

    .venv/bin/python -m bench.outbox_drain                       # PostgreSQL at 127.0.0.1 (a fresh database)
    .venv/bin/python -m bench.outbox_drain --sqlite              # a temporary SQLite file
    .venv/bin/python -m bench.outbox_drain --messages 20000 --window 20

Prints one table: enqueue time, configured vs achieved rate (goal within ±5%), and duplicates/losses counted by
the fake platform per dedupe key (goal zero).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import col, func, select

from bench.fake_platform import TOKEN
from bot.telegram.outlet import TelegramOutlet
from conversations.messages import Reply
from conversations.outlet import Outlet
from scheduled.sender import Sender, SenderConfig
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_to_head
from storage.models import Outbox, OutboxStatus
from storage.outbox import Push, enqueue_many

ROOT = Path(__file__).resolve().parent.parent


class _Timed:
    """The real outlet, noting when each send returned (to measure the achieved rate)."""

    def __init__(self, outlet: Outlet) -> None:
        self.channel = outlet.channel
        self._outlet = outlet
        self.stamps: list[float] = []

    async def send(self, chat_id: str, reply: Reply) -> None:
        await self._outlet.send(chat_id, reply)
        self.stamps.append(time.perf_counter())


async def _database(args: argparse.Namespace, folder: str) -> tuple[str, str | None]:
    if args.sqlite:
        return f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", None
    server = make_url(args.db_url)
    name = f"bench_outbox_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False), name


async def _drop(args: argparse.Namespace, name: str | None) -> None:
    if name is None:
        return
    admin = create_engine(make_url(args.db_url).render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def _fake_platform() -> tuple[asyncio.subprocess.Process, int]:
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.fake_platform", cwd=ROOT,
                                                   stdout=asyncio.subprocess.PIPE)
    assert process.stdout is not None
    port = int((await process.stdout.readline()).decode())
    return process, port


async def run(args: argparse.Namespace) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        url, created = await _database(args, folder)
        engine = create_engine(url)
        platform, port = await _fake_platform()
        try:
            await upgrade_to_head(engine)
            sessions = session_factory(engine)
            now = datetime.now(UTC)
            pushes = [Push(dedupe_key=f"eval.2026-H1.s0.u{n}:telegram:{10_000_000 + n}", channel="telegram",
                           chat_id=str(10_000_000 + n), payload={"text": f"eval.2026-H1.s0.u{n}"}, not_before=now)
                      for n in range(args.messages)]
            started = time.perf_counter()
            async with sessions() as session, session.begin():
                inserted = await enqueue_many(session, pushes=pushes, now=now, chunk=2000)
            enqueue_s = time.perf_counter() - started
            async with sessions() as session, session.begin():
                again = await enqueue_many(session, pushes=pushes[:1000], now=now, chunk=2000)
            rows += [("enqueue", f"{inserted:,} rows", f"{enqueue_s:.1f} s ({inserted / enqueue_s:,.0f} rows/s)"),
                     ("enqueue again (1,000 known keys)", "inserted", f"{again}")]

            base = f"http://127.0.0.1:{port}/bot"
            async with TelegramOutlet(token=TOKEN, base_url=base, limits=None, connections=64) as telegram:
                for label, config, window in (
                    ("rate 30/s", SenderConfig(rate=30.0, per_chat_interval=1.0, concurrency=16,
                                               lease=timedelta(seconds=120)), args.window),
                    ("unlimited", SenderConfig(rate=None, per_chat_interval=1.0, batch=500, concurrency=8,
                                               lease=timedelta(seconds=120)), None),
                ):
                    timed = _Timed(telegram)
                    sender = Sender(sessions=sessions, outlet=timed, clock=lambda: datetime.now(UTC), config=config)
                    rows.append(await _phase(label, sender, timed, config, window))
            rows += await _totals(sessions, port, args.messages)
        finally:
            platform.terminate()
            await platform.wait()
            await engine.dispose()
            await _drop(args, created)
    return rows


async def _phase(label: str, sender: Sender, timed: _Timed, config: SenderConfig,
                 window: float | None) -> tuple[str, str, str]:
    stop = asyncio.Event()
    started = time.perf_counter()
    if window is not None:
        task = asyncio.create_task(sender.run(stop))
        await asyncio.sleep(window)
        stop.set()
        await task
    else:
        while await sender.drain_once():
            pass
    elapsed = time.perf_counter() - started
    stamps = timed.stamps
    achieved = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    if config.rate:
        off = (achieved - config.rate) / config.rate
        verdict = f"achieved {achieved:.2f}/s ({off:+.1%}; goal ±5%)"
        span = stamps[-1] - stamps[0] if stamps else 0.0
        sampled = f"{len(stamps):,} sent over {span:.1f} s (sampled; stop asked at {window:.0f} s)"
    else:
        verdict = f"achieved {achieved:,.0f}/s"
        sampled = f"{len(stamps):,} sent in {elapsed:.1f} s"
    return (f"drain, {label}", sampled, verdict)


async def _totals(sessions: object, port: int, expected: int) -> list[tuple[str, str, str]]:
    async with httpx.AsyncClient() as client:
        stats = (await client.get(f"http://127.0.0.1:{port}/stats")).json()
    async with sessions() as session:  # type: ignore[operator]
        sent = (await session.exec(select(func.count()).select_from(Outbox).where(
            col(Outbox.status) == OutboxStatus.SENT))).one()
    return [
        ("platform deliveries", f"{stats['delivered']:,} ({stats['distinct']:,} distinct keys)",
         f"outbox rows sent: {sent:,}"),
        ("duplicates / losses", f"{stats['duplicates']} / {expected - stats['distinct']}", "goal 0 / 0"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=150_000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds sampled at 30/s")
    parser.add_argument("--sqlite", action="store_true", help="use a temporary SQLite file instead of PostgreSQL")
    parser.add_argument("--db-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    rows = asyncio.run(run(args))
    database = "SQLite (WAL)" if args.sqlite else "PostgreSQL"
    print(f"Outbox drain, {args.messages:,} prompts, {database}, loopback fake Bot API (separate process)")
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
