"""Running pushes beside the channels: the scheduler (in the one process that holds the leader lock) and one
outbox sender per channel, each with an outlet of its own.

    async with pushes_running(app, stdout=sys.stdout):
        await console.run()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TextIO
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from bot.app import App
from bot.console.outlet import ConsoleOutlet
from bot.outlet import Outlet, keep_trying
from scheduled.config import calendar_from, sender_config_from
from scheduled.runner import (
    JobRunner,
    LeaderLock,
    build_scheduler,
    default_jobs,
    maintenance_jobs,
    stop_scheduler,
)
from scheduled.sender import Sender

__all__ = ["open_outlets", "pushes_running", "run_pushes"]

log = logging.getLogger(__name__)


async def open_outlets(app: App, stack: AsyncExitStack, *, stdout: TextIO,
                       stop: asyncio.Event | None = None) -> list[Outlet]:
    """Open the outlet of every channel the settings enable (the console's when no platform token is set).

    With `stop`, a Bot API that cannot be reached yet is logged and tried again with backoff until it answers,
    or left out once `stop` is set; without it, the first failure is raised.
    """
    settings = app.settings
    outlets: list[Outlet] = []
    telegram_token = _secret(settings.telegram_bot_token)
    if telegram_token:
        from bot.telegram.outlet import TelegramOutlet

        # No flood limiter inside the outlet: the sender paces pushes itself (rate, 1/s per chat, retry_after).
        telegram = TelegramOutlet(token=telegram_token, base_url=settings.telegram_api_base_url, limits=None)
        if stop is None:
            outlets.append(await stack.enter_async_context(telegram))
        elif await keep_trying(telegram.open, stop=stop, what="reaching the Telegram Bot API for pushes"):
            stack.push_async_callback(telegram.close)
            outlets.append(telegram)
    zalo_token = _secret(settings.zalo_bot_token)
    if zalo_token:
        from bot.zalo.api import ZaloApi
        from bot.zalo.outlet import ZaloOutlet

        api = ZaloApi(zalo_token, base_url=settings.zalo_api_base_url)
        stack.push_async_callback(api.close)
        outlets.append(ZaloOutlet(api, t=app.catalogs.get(None)))
    return outlets if telegram_token or zalo_token else [ConsoleOutlet(stdout)]


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def job_runner(app: App) -> JobRunner:
    return JobRunner(sessions=app.sessions, clock=app.clock, calendar=calendar_from(app.settings),
                     tz=ZoneInfo(app.settings.timezone), catalogs=app.catalogs)


async def run_pushes(app: App, outlets: list[Outlet], stop: asyncio.Event, *, scheduler: bool = True) -> None:
    """Drain the outbox of each outlet's channel and, when this process wins the leader lock, run the jobs."""
    config = sender_config_from(app.settings)
    senders = [Sender(sessions=app.sessions, outlet=outlet, clock=app.clock, config=config) for outlet in outlets]
    tasks = [asyncio.create_task(sender.run(stop), name=f"sender-{sender.channel}") for sender in senders]
    if scheduler and app.settings.scheduler_enabled:
        tasks.append(asyncio.create_task(_lead(app, stop), name="scheduler"))
    await asyncio.gather(*tasks)


async def _lead(app: App, stop: asyncio.Event) -> None:
    lock = LeaderLock(app.db)
    if not await lock.wait(stop):
        return
    runner = job_runner(app)
    scheduler = build_scheduler(runner, [*default_jobs(), *maintenance_jobs()])
    scheduler.start()
    log.info("this process runs the scheduled jobs")
    try:
        await stop.wait()
    finally:
        await stop_scheduler(scheduler, runner)
        await lock.release()


@asynccontextmanager
async def pushes_running(app: App, *, stdout: TextIO, stop: asyncio.Event | None = None) -> AsyncIterator[None]:
    """Run pushes in the background for the duration of the block.

    `stop` (the process's stop signal) ends the wait for a platform that cannot be reached at start.
    """
    done = asyncio.Event()
    async with AsyncExitStack() as stack:
        outlets = await open_outlets(app, stack, stdout=stdout, stop=stop)
        if stop is not None and stop.is_set():  # stopped while waiting for a platform: nothing to run
            yield
            return
        task = asyncio.create_task(run_pushes(app, outlets, done))
        try:
            yield
        finally:
            done.set()
            with contextlib.suppress(asyncio.CancelledError):
                await task
