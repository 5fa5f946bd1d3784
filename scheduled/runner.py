"""Running the jobs: one wrapper that gives each run its transaction and logs its timing and counts, the
APScheduler cron table (Asia/Ho_Chi_Minh), and the PostgreSQL advisory lock that elects one scheduler when
several processes serve one bot."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.i18n import Catalogs
from scheduled.jobs import (
    Job,
    JobContext,
    annual_reminders,
    escalations,
    evaluation_prompts,
    fold_rollups,
    housekeeping,
    integrity_scan,
    monthly_nudges,
    retention,
    vacuum_rollups,
)
from scheduled.observer import NoObserver, PushObserver
from storage.calendar import EvaluationCalendar

__all__ = [
    "RETENTION_YEARS",
    "JobRunner",
    "LeaderLock",
    "ScheduledJob",
    "build_scheduler",
    "default_jobs",
    "maintenance_jobs",
    "stop_scheduler",
]

log = logging.getLogger(__name__)

# Any fixed 64-bit number, the same in every process of one deployment.
ADVISORY_LOCK_KEY = 0x1_1B07_5C4E
# How long a young person's record is kept after its last write before it is anonymised, by default.
RETENTION_YEARS = 3


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    name: str
    job: Job
    cron: dict[str, str]
    # A job running every few seconds: a run that counted nothing is logged at DEBUG, and a run due while the one
    # before is still going is skipped quietly (the next one does its work), not warned of by APScheduler.
    quiet: bool = False


def default_jobs() -> list[ScheduledJob]:
    """Return the jobs and when they run. Hourly is cheap (a run finds little new) and makes catch-up quick."""
    return [
        ScheduledJob("evaluation_prompts", evaluation_prompts, {"minute": "5"}),
        ScheduledJob("escalations", escalations, {"minute": "10"}),
        ScheduledJob("monthly_nudges", monthly_nudges, {"minute": "15"}),
        ScheduledJob("annual_reminders", annual_reminders, {"minute": "20"}),
    ]


def maintenance_jobs(*, retention_years: int = RETENTION_YEARS) -> list[ScheduledJob]:
    """Return the jobs that push nothing: nightly housekeeping, and anonymising the young people whose record
    nobody wrote for `retention_years` (RETENTION_YEARS in settings); hourly, the integrity scan; every two
    seconds, folding the report rollups' pending rows, and every fifteen, vacuuming their tables if they grew."""
    return [ScheduledJob("housekeeping", housekeeping, {"hour": "3", "minute": "40"}),
            ScheduledJob("fold_rollups", fold_rollups, {"second": "*/2"}, quiet=True),
            ScheduledJob("vacuum_rollups", vacuum_rollups, {"second": "7/15"}, quiet=True),
            ScheduledJob("retention", functools.partial(retention, years=retention_years),
                         {"hour": "3", "minute": "50"}),
            ScheduledJob("integrity_scan", integrity_scan, {"minute": "45"})]


@dataclass
class JobRunner:
    """Run a job in its own transaction, time it, log its counts; a failure is logged and rolled back."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Callable[[], datetime]
    calendar: EvaluationCalendar
    tz: ZoneInfo
    catalogs: Catalogs
    observer: PushObserver = field(default_factory=NoObserver)
    _running: set[asyncio.Task[object]] = field(default_factory=set, init=False, repr=False)
    _busy: set[str] = field(default_factory=set, init=False, repr=False)  # quiet jobs with a run under way

    async def run(self, scheduled: ScheduledJob) -> dict[str, int]:
        if scheduled.quiet:
            if scheduled.name in self._busy:
                log.debug("job %s is still running: this run is skipped", scheduled.name)
                return {}
            self._busy.add(scheduled.name)
            try:
                return await self._run(scheduled)
            finally:
                self._busy.discard(scheduled.name)
        return await self._run(scheduled)

    async def _run(self, scheduled: ScheduledJob) -> dict[str, int]:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        started = time.perf_counter()
        try:
            async with self.sessions() as session, session.begin():
                ctx = JobContext(session=session, now=self.clock(), calendar=self.calendar, tz=self.tz,
                                 catalogs=self.catalogs)
                counts = await scheduled.job(ctx)
        except Exception as error:
            log.exception("job %s failed after %.3fs", scheduled.name, time.perf_counter() - started)
            self.observer.failed(error)
            return {"failed": 1}
        self.observer.job_succeeded(scheduled.name, self.clock())
        level = logging.DEBUG if scheduled.quiet and not any(counts.values()) else logging.INFO
        log.log(level, "job %s took %.3fs: %s", scheduled.name, time.perf_counter() - started,
                " ".join(f"{k}={v}" for k, v in counts.items()))
        return counts

    async def idle(self) -> None:
        """Wait for the runs in progress to finish, so shutting down never closes the database under a job."""
        await asyncio.gather(*self._running, return_exceptions=True)

    async def run_all(self, jobs: Sequence[ScheduledJob]) -> dict[str, dict[str, int]]:
        return {job.name: await self.run(job) for job in jobs}


def build_scheduler(runner: JobRunner, jobs: Sequence[ScheduledJob], *, run_now: bool = True) -> AsyncIOScheduler:
    """Return an AsyncIOScheduler with a cron trigger per job; with `run_now` each job also runs at start,
    which is how downtime is caught up."""
    scheduler = AsyncIOScheduler(timezone=runner.tz)
    for job in jobs:
        extra = {"next_run_time": datetime.now(runner.tz)} if run_now else {}
        # A quiet job's overlapping run reaches the runner, which skips it at DEBUG; APScheduler would log a
        # warning for every such run of a job due every two seconds while one fold takes three.
        scheduler.add_job(runner.run, CronTrigger(timezone=runner.tz, **job.cron), args=[job], id=job.name,
                          coalesce=True, max_instances=2 if job.quiet else 1, misfire_grace_time=None, **extra)
    return scheduler


async def stop_scheduler(scheduler: AsyncIOScheduler, runner: JobRunner) -> None:
    """Stop starting runs, let a run under way finish, then shut down.

    APScheduler's shutdown cancels asyncio jobs in progress; a job cancelled mid-query would leave the database
    to be closed under it (a process that never exits) and log a half-done run."""
    scheduler.pause()
    await runner.idle()
    scheduler.shutdown(wait=False)


class LeaderLock:
    """Hold a session-level PostgreSQL advisory lock so that one process runs the scheduler; on SQLite (one
    process by design) the lock is always granted."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None

    async def acquire(self) -> bool:
        """Try once; True when this process is (now) the leader."""
        if self._engine.dialect.name != "postgresql":
            return True
        if self._connection is not None:
            return True
        connection = await self._engine.connect()
        got = (await connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                        {"key": ADVISORY_LOCK_KEY})).scalar_one()
        await connection.commit()  # the lock is the session's; no transaction stays open (it would hold back vacuum)
        if got:
            self._connection = connection
            return True
        await connection.close()
        return False

    async def wait(self, stop: asyncio.Event, retry: float = 30.0) -> bool:
        """Block until leadership is won (True) or `stop` is set (False)."""
        while not stop.is_set():
            if await self.acquire():
                return True
            try:
                await asyncio.wait_for(stop.wait(), timeout=retry)
            except TimeoutError:
                continue
        return False

    async def release(self) -> None:
        if self._connection is None:
            return
        connection, self._connection = self._connection, None
        try:
            # Closing only returns the connection to the pool, where the session (and its lock) lives on.
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
            await connection.commit()
        finally:
            await connection.close()
