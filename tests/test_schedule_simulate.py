"""`bot11 simulate`: a half-year of the demo organisation on a fake clock, shown in the console; and the
scheduler's cron table and leader election."""

from __future__ import annotations

import argparse
import asyncio
import io
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.app import App
from bot.settings import Settings
from bot.simulate import simulate
from scheduled.runner import LeaderLock, build_scheduler, default_jobs
from scheduled.service import job_runner
from storage.calendar import EvaluationCalendar
from storage.db import create_engine


async def test_simulate_shows_prompts_reminders_submissions_and_escalation(settings: Settings, tmp_path: Path) -> None:
    out = io.StringIO()
    args = argparse.Namespace(start=date(2026, 6, 1), end=date(2026, 7, 31),
                              database=f"sqlite+aiosqlite:///{tmp_path / 'sim.db'}")
    assert await simulate(settings, args, out) == 0
    text = out.getvalue()
    days = text.split("\n──── ")
    opened = next(d for d in days if d.startswith("15/06/2026"))
    assert opened.count("📋 Đã đến kỳ đánh giá 6 tháng đầu năm 2026") == 7
    assert "📨 → bithu-cd-kp1: ⏰ Nhắc việc: Chi đoàn Khu phố 1 chưa nộp" in next(d for d in days
                                                                            if d.startswith("18/06/2026"))
    submitted = next(d for d in days if d.startswith("17/06/2026"))
    assert "💬 bot: Đã nộp đánh giá 6 tháng đầu năm 2026 của Chi đoàn Khu phố 2." in submitted
    assert "📨 → canbo-cs-pba: ✅ Chi đoàn Khu phố 2 đã nộp đánh giá 6 tháng đầu năm 2026." in submitted
    escalated = next(d for d in days if d.startswith("11/07/2026"))
    assert escalated.count("⚠️") == 2
    assert "canbo-cs-pba: ⚠️ Đã quá hạn nộp đánh giá 6 tháng đầu năm 2026 (10/07/2026). Còn 1 chi đoàn" in escalated
    assert "• Chi đoàn Khu phố 1\n" in escalated and "• Chi đoàn Phân xưởng 1\n" in escalated
    assert text.rstrip().endswith("Mô phỏng từ 2026-06-01 đến 2026-07-31: 65 tin đã gửi, 6 chi đoàn nộp đánh giá.")


async def test_simulate_refuses_a_backwards_range(settings: Settings) -> None:
    out = io.StringIO()
    args = argparse.Namespace(start=date(2026, 7, 1), end=date(2026, 6, 1), database=None)
    assert await simulate(settings, args, out) == 2
    assert out.getvalue() == "--to must not be before --from\n"


async def test_cron_table_in_ho_chi_minh_time(app: App) -> None:
    scheduler = build_scheduler(job_runner(app), default_jobs(), run_now=False)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"evaluation_prompts", "escalations", "monthly_nudges", "annual_reminders"}
    trigger = jobs["evaluation_prompts"].trigger
    assert isinstance(trigger, CronTrigger) and str(trigger.timezone) == "Asia/Ho_Chi_Minh"
    assert {job.coalesce for job in jobs.values()} == {True}


async def test_one_scheduler_per_deployment(app: App, database_url: str) -> None:
    """Two processes (two engines) race for the leader lock: on PostgreSQL one wins until it lets go."""
    other = create_engine(database_url)
    first, second = LeaderLock(app.db), LeaderLock(other)
    try:
        won = await asyncio.gather(first.acquire(), second.acquire())
        if app.db.dialect.name != "postgresql":
            assert won == [True, True]  # SQLite: one process by design
            return
        assert sorted(won) == [False, True]
        winner, loser = (first, second) if won[0] else (second, first)
        await winner.release()
        assert await loser.acquire() is True
        await loser.release()
    finally:
        await other.dispose()


@pytest.mark.parametrize(("local", "expected"), [
    pytest.param("2026-06-15 20:59", "2026-06-15 20:59", id="before-quiet-hours"),
    pytest.param("2026-06-15 21:00", "2026-06-16 07:00", id="quiet-from-21"),
    pytest.param("2026-06-16 03:30", "2026-06-16 07:00", id="small-hours"),
    pytest.param("2026-06-16 07:00", "2026-06-16 07:00", id="from-7"),
    pytest.param("2026-12-31 23:10", "2027-01-01 07:00", id="new-year"),
])
def test_quiet_hours(local: str, expected: str) -> None:
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    now = datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=tz)
    assert EvaluationCalendar().deliver_at(now, tz) == datetime.strptime(expected, "%Y-%m-%d %H:%M").replace(tzinfo=tz)
