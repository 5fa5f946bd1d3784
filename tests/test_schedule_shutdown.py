"""Stopping the scheduler while a job runs lets the run finish: the process then exits, and no half-done run
is logged (APScheduler's own shutdown would cancel it mid-query). A job due every few seconds whose run outlasts
the interval skips the runs due meanwhile without a warning line."""

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


async def test_housekeeping_forgets_old_update_ids_and_abandoned_dialogs(demo: App, clock) -> None:
    from sqlmodel import func, select

    from scheduled.runner import maintenance_jobs
    from storage.models import Conversation, ProcessedUpdate
    from tests.transcript import Chat

    chat = Chat(demo.engine)
    await chat.say("old", "/batdau DEMO-DOANVIEN", update_id="old-1")  # a dialog then left alone
    clock.advance(days=8)
    await chat.say("new", "/batdau DEMO-DOANVIEN", update_id="new-1")  # a dialog still in progress
    (housekeeping,) = [job for job in maintenance_jobs() if job.name == "housekeeping"]
    assert await job_runner(demo).run(housekeeping) == {"update_ids": 1, "dialogs": 1}
    async with demo.sessions() as session:
        kept = (await session.exec(select(ProcessedUpdate.update_id))).all()
        dialogs = (await session.exec(select(func.count()).select_from(Conversation))).one()
    assert kept == ["new-1"] and dialogs == 1
    # The one still in progress continues.
    assert await chat.say("new", "Nguyễn Văn An") == ["Bạn sinh năm nào? (ví dụ: 2003)"]


async def test_a_quiet_job_due_while_its_run_goes_on_is_skipped_without_a_warning(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    release = asyncio.Event()
    entered: list[int] = []

    async def fold(ctx: JobContext) -> dict[str, int]:
        entered.append(len(entered))
        if len(entered) == 1:  # the first run outlasts the next two seconds' runs
            await release.wait()
        return {"folded": 0}

    runner = job_runner(app)
    scheduler = build_scheduler(runner, [ScheduledJob("fold", fold, {"second": "*"}, quiet=True)], run_now=True)
    with caplog.at_level(logging.DEBUG):
        scheduler.start()
        await asyncio.sleep(2.5)
        overlapping = len(entered)
        release.set()
        await asyncio.sleep(1.2)  # the next second's run goes ahead
        await stop_scheduler(scheduler, runner)
        await asyncio.sleep(0.05)
    assert overlapping == 1
    assert len(entered) >= 2
    skipped = [r for r in caplog.records if "job fold is still running: this run is skipped" in r.getMessage()]
    assert len(skipped) >= 2 and all(r.levelno == logging.DEBUG for r in skipped)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
