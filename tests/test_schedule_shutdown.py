"""Stopping the scheduler while a job runs lets the run finish: the process then exits, and no half-done run
is logged (APScheduler's own shutdown would cancel it mid-query)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.app import App
from scheduled.jobs import JobContext
from scheduled.runner import ScheduledJob, build_scheduler, stop_scheduler
from scheduled.service import job_runner


async def test_a_run_in_progress_finishes_before_shutdown(app: App, caplog: pytest.LogCaptureFixture) -> None:
    started, finished = asyncio.Event(), asyncio.Event()

    async def slow(ctx: JobContext) -> dict[str, int]:
        started.set()
        await asyncio.sleep(0.2)
        finished.set()
        return {"done": 1}

    runner = job_runner(app)
    scheduler = build_scheduler(runner, [ScheduledJob("slow", slow, {"minute": "0"})], run_now=True)
    with caplog.at_level(logging.INFO):
        scheduler.start()
        await asyncio.wait_for(started.wait(), 5)
        await stop_scheduler(scheduler, runner)
        await asyncio.sleep(0.05)  # AsyncIOScheduler shuts down on the loop's next turn
    assert finished.is_set()
    assert not scheduler.running
    assert "job slow took" in caplog.text and "done=1" in caplog.text
    assert "raised an exception" not in caplog.text and "CancelledError" not in caplog.text
