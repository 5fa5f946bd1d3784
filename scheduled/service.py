"""Running pushes beside the channels: the scheduler (in the one process that holds the leader lock) and one
outbox sender per outlet. The composition root (`bot.app`) hands in what they need; nothing here reads settings
or opens a platform client.

    async with pushes_running(app, outlets, scheduler=app.settings.scheduler_enabled):
        await channels_served
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.i18n import Catalogs
from conversations.outlet import Outlet
from scheduled.observer import PushObserver
from scheduled.runner import (
    JobRunner,
    LeaderLock,
    build_scheduler,
    default_jobs,
    maintenance_jobs,
    stop_scheduler,
)
from scheduled.sender import Sender, SenderConfig
from storage.calendar import EvaluationCalendar

__all__ = ["PushParts", "job_runner", "pushes_running", "run_pushes"]

log = logging.getLogger(__name__)


class PushParts(Protocol):
    """What the scheduler and the senders need from the composition root (`bot.app.App` has all of it)."""

    @property
    def db(self) -> AsyncEngine: ...
    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]: ...
    @property
    def clock(self) -> Callable[[], datetime]: ...
    @property
    def calendar(self) -> EvaluationCalendar: ...
    @property
    def tz(self) -> ZoneInfo: ...
    @property
    def catalogs(self) -> Catalogs: ...
    @property
    def sender_config(self) -> SenderConfig: ...
    @property
    def retention_years(self) -> int: ...
    @property
    def observer(self) -> PushObserver: ...


def job_runner(parts: PushParts) -> JobRunner:
    """Return the runner of scheduled jobs over `parts`' database, clock, calendar and texts."""
    return JobRunner(sessions=parts.sessions, clock=parts.clock, calendar=parts.calendar, tz=parts.tz,
                     catalogs=parts.catalogs, observer=parts.observer)


async def run_pushes(parts: PushParts, outlets: Sequence[Outlet], stop: asyncio.Event, *,
                     scheduler: bool = True) -> None:
    """Drain the outbox of each outlet's channel and, with `scheduler`, run the jobs once this process wins the
    leader lock; until `stop` is set."""
    senders = [Sender(sessions=parts.sessions, outlet=outlet, clock=parts.clock, config=parts.sender_config,
                      observer=parts.observer) for outlet in outlets]
    tasks = [asyncio.create_task(sender.run(stop), name=f"sender-{sender.channel}") for sender in senders]
    if scheduler:
        tasks.append(asyncio.create_task(_lead(parts, stop), name="scheduler"))
    await asyncio.gather(*tasks)


async def _lead(parts: PushParts, stop: asyncio.Event) -> None:
    lock = LeaderLock(parts.db)
    if not await lock.wait(stop):
        return
    runner = job_runner(parts)
    scheduler = build_scheduler(runner, [*default_jobs(), *maintenance_jobs(retention_years=parts.retention_years)])
    scheduler.start()
    log.info("this process runs the scheduled jobs")
    try:
        await stop.wait()
    finally:
        await stop_scheduler(scheduler, runner)
        await lock.release()


@asynccontextmanager
async def pushes_running(parts: PushParts, outlets: Sequence[Outlet], *, scheduler: bool = True
                         ) -> AsyncIterator[None]:
    """Run pushes in the background for the duration of the block."""
    done = asyncio.Event()
    task = asyncio.create_task(run_pushes(parts, outlets, done, scheduler=scheduler))
    try:
        yield
    finally:
        done.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task
