"""Crash safety: the sender runs as its own process (`python -m bot send`) against the loopback fake
platform, is killed with SIGKILL in the middle of draining, and is started again.

Killed while requests are on their way (the platform has not taken them), every message is delivered exactly
once: rows the dead process had leased are taken over when their lease ends. The one window that cannot be
closed — the platform took a message but the process died before recording it — is shown too: exactly the
messages inside it are delivered a second time, nothing else, and nothing is lost.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from bench.fake_platform import FakePlatform
from bot.app import App
from storage.models import Outbox, OutboxStatus
from storage.outbox import SENDING, Push, enqueue_many
from tests.conftest import TEST_SENSITIVE_KEY

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = 150


@pytest.fixture
async def fake() -> AsyncIterator[FakePlatform]:
    platform = await FakePlatform().start()
    yield platform
    await platform.stop()


async def _enqueue(app: App) -> list[str]:
    now = datetime.now(UTC)  # the sender process runs on the real clock
    keys = [f"crash-{n:04}" for n in range(MESSAGES)]
    pushes = [Push(dedupe_key=key, channel="telegram", chat_id=str(7000 + n % 75), payload={"text": key},
                   not_before=now) for n, key in enumerate(keys)]
    async with app.sessions() as session, session.begin():
        assert await enqueue_many(session, pushes=pushes, now=now) == MESSAGES
    return keys


async def _count(app: App, status: str) -> int:
    async with app.sessions() as session:
        query = select(func.count()).select_from(Outbox).where(col(Outbox.status) == status)
        return int((await session.exec(query)).one())


async def _until(check: Callable[[], Awaitable[bool]]) -> None:
    """Poll the database (another process writes it, so there is no event to wait on) for up to a minute."""
    async with asyncio.timeout(60):
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def _sender(database_url: str, fake: FakePlatform) -> asyncio.subprocess.Process:
    env = {**os.environ, "DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": fake.token,
           "TELEGRAM_API_BASE_URL": fake.base_url, "OUTBOX_RATE_PER_SECOND": "150",
           "OUTBOX_PER_CHAT_INTERVAL_SECONDS": "0.2", "OUTBOX_LEASE_SECONDS": "3", "SCHEDULER_ENABLED": "false",
           "LOG_LEVEL": "ERROR", "SENSITIVE_KEYS": TEST_SENSITIVE_KEY}  # a platform token: the key is required
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "send", cwd=ROOT, env=env,
                                                stdout=asyncio.subprocess.DEVNULL)


async def _kill_when_held(app: App, fake: FakePlatform, process: asyncio.subprocess.Process) -> int:
    """Wait for the gate, let the sender record what the platform answered, SIGKILL it; return rows left leased."""
    await asyncio.wait_for(fake.held.wait(), timeout=60)
    await _until(lambda: _sent_matches(app, fake))
    process.send_signal(signal.SIGKILL)
    assert await process.wait() == -signal.SIGKILL
    leased = await _count(app, SENDING)
    fake.release()
    return leased


async def _sent_matches(app: App, fake: FakePlatform) -> bool:
    return await _count(app, OutboxStatus.SENT) == fake.delivered - len(fake.held_after)


async def _finish(app: App, fake: FakePlatform, database_url: str) -> None:
    process = await _sender(database_url, fake)
    await _until(lambda: _all_sent(app))
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), timeout=30) == 0


async def _all_sent(app: App) -> bool:
    return await _count(app, OutboxStatus.SENT) == MESSAGES


async def test_sigkill_mid_drain_then_restart_delivers_every_message_exactly_once(
        app: App, fake: FakePlatform, database_url: str) -> None:
    keys = await _enqueue(app)
    leased_at_kills = []
    for gate in (40, 95):
        fake.hold_before(gate)
        process = await _sender(database_url, fake)
        leased_at_kills.append(await _kill_when_held(app, fake, process))
    await _finish(app, fake, database_url)

    assert dict(fake.deliveries) == dict.fromkeys(keys, 1)  # every message, each exactly once
    assert all(leased > 0 for leased in leased_at_kills)  # the kills did leave leased rows in flight
    async with app.sessions() as session:
        taken_over = (await session.exec(select(func.count()).select_from(Outbox).where(
            col(Outbox.attempts) > 1))).one()
    assert taken_over >= max(leased_at_kills)


async def test_a_kill_after_the_platform_took_a_message_repeats_only_that_message(
        app: App, fake: FakePlatform, database_url: str) -> None:
    keys = await _enqueue(app)
    fake.hold_after(60)
    process = await _sender(database_url, fake)
    await _kill_when_held(app, fake, process)
    await _finish(app, fake, database_url)

    assert set(fake.deliveries) == set(keys)  # nothing lost
    assert fake.held_after  # the kill landed inside the window
    assert fake.duplicates() == dict.fromkeys(fake.held_after, 2)  # exactly those, once more
