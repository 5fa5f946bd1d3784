"""Time travel with an injected clock: the reconcile jobs run every morning from June to December 2026 against
the demo organisation, and the outbox holds exactly the prompts, reminders, escalations, nudges and annual
reminders the calendar calls for."""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.app import App
from scheduled.runner import default_jobs
from scheduled.service import job_runner
from storage.evaluations import open_evaluation, submit_evaluation
from storage.models import Outbox, RoleName, Unit
from storage.units import unit_by_code
from tests.conftest import Clock
from tests.evaluation_support import add_youth, connect, outbox_rows
from tests.transcript import Chat

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
BRANCHES = ["CD-KP1", "CD-KP2", "CD-12A1", "CD-12A2", "CD-APD", "CD-APT", "CD-PX1"]


def at(day: date, hour: int = 8, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).astimezone(UTC)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@pytest.fixture
async def people(demo: App, clock: Clock) -> dict[str, int]:
    """Every branch secretary on chat (as "bt-<code>"), officers of CS-PBA, QD-HB and HD-TS, and three members."""
    clock.now = at(date(2026, 6, 1))
    ids = {}
    for code in BRANCHES:
        ids[code] = await connect(demo, f"bt-{code}", unit_code=code, role=RoleName.SECRETARY, now=clock.now)
    for user, code in (("cs", "CS-PBA"), ("qd", "QD-HB"), ("hd", "HD-TS")):
        await connect(demo, user, unit_code=code, role=RoleName.OFFICER, now=clock.now)
    for user in ("m-idle", "m-muted", "m-done"):
        ids[user] = await connect(demo, user, unit_code="CD-KP1", now=clock.now)
    await add_youth(demo, member_id=ids["m-done"], name="Võ Thị Hạnh", at=at(date(2026, 2, 3)))
    return ids


async def unit_ids(app: App) -> dict[int, str]:
    async with app.sessions() as session:
        return {u.id: u.code for u in (await session.exec(select(Unit))).all()}  # type: ignore[misc]


async def submit(app: App, code: str, member_id: int, when: datetime, period: str = "2026-H1") -> None:
    async with app.sessions() as session, session.begin():
        unit = await unit_by_code(session, code=code)
        assert unit is not None and unit.id is not None
        evaluation = await open_evaluation(session, period=period, unit_id=unit.id, now=when)
        assert evaluation.id is not None
        await submit_evaluation(session, evaluation_id=evaluation.id, member_id=member_id, now=when)


def steps_by_branch(rows: list[Outbox], codes: dict[int, str], period: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        match = re.fullmatch(rf"eval\.{period}\.s(\d+)\.u(\d+):test:.*", row.dedupe_key)
        if match:
            found[codes[int(match.group(2))]].append(int(match.group(1)))
    return {code: sorted(steps) for code, steps in found.items()}


async def test_a_whole_half_year(demo: App, clock: Clock, people: dict[str, int]) -> None:
    runner = job_runner(demo)
    chat = Chat(demo.engine)
    await chat.say("m-muted", "/tatnhac")
    for day in days(date(2026, 6, 1), date(2026, 12, 31)):
        clock.now = at(day)
        counts = await runner.run_all(default_jobs())
        assert all("failed" not in c for c in counts.values()), counts
        if day == date(2026, 6, 20):  # Khu phố 2 evaluates in chat
            await chat.say("bt-CD-KP2", "/danhgia")
            await chat.press("bt-CD-KP2", "Đúng, xác nhận")
            for text in ("150", "2", "CLB bóng đá", "Bài học"):
                await chat.say("bt-CD-KP2", text)
            await chat.press("bt-CD-KP2", "Bỏ qua")
            await chat.press("bt-CD-KP2", "Bỏ qua")
            assert (await chat.press("bt-CD-KP2", "Nộp đánh giá"))[0].startswith("Đã nộp đánh giá 6 tháng đầu năm 2026")
        if day == date(2026, 7, 2):
            await submit(demo, "CD-12A1", people["CD-12A1"], at(day, 15))
        if day == date(2026, 7, 10):  # 23:30 on the deadline day still counts as on time
            await submit(demo, "CD-APD", people["CD-APD"], at(day, 23, 30))
        if day == date(2026, 7, 20):  # late: after the escalation went out
            await submit(demo, "CD-PX1", people["CD-PX1"], at(day, 9))

    rows = await outbox_rows(demo)
    codes = await unit_ids(demo)

    # The window opened on 15/6: one prompt to each of the 7 secretaries that morning.
    prompts = [r for r in rows if r.dedupe_key.startswith("eval.2026-H1.s0.")]
    assert len(prompts) == 7
    assert {r.created_at for r in prompts} == {at(date(2026, 6, 15))}
    assert prompts[0].payload["text"].startswith("📋 Đã đến kỳ đánh giá 6 tháng đầu năm 2026")

    # Reminders every 3 days until submitted or the deadline (10/7: reminder days 18/6 … 9/7).
    assert steps_by_branch(rows, codes, "2026-H1") == {
        "CD-KP1": list(range(9)), "CD-KP2": [0, 1], "CD-12A1": list(range(6)), "CD-12A2": list(range(9)),
        "CD-APD": list(range(9)), "CD-APT": list(range(9)), "CD-PX1": list(range(9)),
    }
    reminder = next(r for r in rows if r.dedupe_key.startswith("eval.2026-H1.s8."))
    assert reminder.created_at == at(date(2026, 7, 9))
    assert "(hạn 10/07/2026, còn 1 ngày)" in reminder.payload["text"]

    # After the deadline, the officers above are told exactly which branches are late, once.
    late = {r.chat_id: r for r in rows if r.dedupe_key.startswith("eval.2026-H1.late.")}
    assert set(late) == {"cs", "qd", "hd"}
    assert {r.created_at for r in late.values()} == {at(date(2026, 7, 11))}
    listed = {chat_id: re.findall(r"• (.+)", r.payload["text"]) for chat_id, r in late.items()}
    assert listed == {"cs": ["Chi đoàn Khu phố 1"], "qd": ["Chi đoàn lớp 12A2"],
                      "hd": ["Chi đoàn ấp Tây", "Chi đoàn Phân xưởng 1"]}
    assert "Còn 2 chi đoàn trực thuộc chưa nộp" in late["hd"].payload["text"]

    # Monthly nudge from the 5th, once a month, only to members without an introduction who did not opt out.
    nudges = defaultdict(list)
    for r in rows:
        if r.dedupe_key.startswith("nudge."):
            nudges[r.chat_id].append(r.dedupe_key.split(":")[0])
    assert nudges["m-idle"] == [f"nudge.2026-{month:02}" for month in range(6, 13)]
    assert "m-muted" not in nudges and "m-done" not in nudges
    assert {r.created_at for r in rows if r.dedupe_key.startswith("nudge.2026-09:")} == {at(date(2026, 9, 5))}

    # The annual report (15/10): Đoàn cơ sở officers reminded every 3 days from 1/10.
    annual = [r for r in rows if r.dedupe_key.startswith("annual.2026.")]
    assert [(r.chat_id, r.created_at) for r in annual] == [
        ("cs", at(date(2026, 10, d))) for d in (1, 4, 7, 10, 13)]

    # The next window opens on 16/12.
    assert {r.created_at for r in rows if r.dedupe_key.startswith("eval.2026-H2.s0.")} == {at(date(2026, 12, 16))}
    # Upper levels were told when Khu phố 2 submitted.
    assert {r.chat_id for r in rows if r.dedupe_key.startswith("eval.2026-H1.submitted.")} == {"cs", "qd"}


async def test_a_missed_run_is_caught_up_and_reminders_keep_their_spacing(
        demo: App, clock: Clock, people: dict[str, int]) -> None:
    runner = job_runner(demo)
    for day in [date(2026, 6, 12), *days(date(2026, 6, 20), date(2026, 6, 30))]:  # down from 13/6 to 19/6
        clock.now = at(day)
        await runner.run_all(default_jobs())
    rows = await outbox_rows(demo, "eval.2026-H1.")
    kp1 = {code: unit for unit, code in (await unit_ids(demo)).items()}["CD-KP1"]
    sent = sorted((r.created_at, r.dedupe_key.split(".")[2]) for r in rows if f".u{kp1}:" in r.dedupe_key)
    assert sent == [(at(date(2026, 6, 20)), "s0"), (at(date(2026, 6, 23)), "s1"), (at(date(2026, 6, 26)), "s2"),
                    (at(date(2026, 6, 29)), "s3")]
    assert len([r for r in rows if r.dedupe_key.startswith("eval.2026-H1.s0.")]) == 7


async def test_quiet_hours_push_the_send_time_to_seven(demo: App, clock: Clock, people: dict[str, int]) -> None:
    clock.now = at(date(2026, 6, 15), 22, 30)
    await job_runner(demo).run_all(default_jobs())
    rows = await outbox_rows(demo, "eval.2026-H1.s0.")
    assert len(rows) == 7
    assert {r.not_before for r in rows} == {at(date(2026, 6, 16), 7)}


async def test_the_same_run_twice_or_two_at_once_enqueue_nothing_twice(
        demo: App, clock: Clock, people: dict[str, int]) -> None:
    runner = job_runner(demo)
    clock.now = at(date(2026, 7, 11))
    first = await asyncio.gather(*(runner.run_all(default_jobs()) for _ in range(2)))
    enqueued = {name: first[0][name]["enqueued"] + first[1][name]["enqueued"] for name in first[0]}
    again = await runner.run_all(default_jobs())
    async with demo.sessions() as session:
        total = len((await session.exec(select(Outbox))).all())
    assert enqueued == {"evaluation_prompts": 0, "escalations": 3, "monthly_nudges": 12, "annual_reminders": 0}
    assert total == 15
    assert {name: counts["enqueued"] for name, counts in again.items()} == dict.fromkeys(enqueued, 0)
    assert again["escalations"]["due"] == 3 and again["escalations"]["late"] == 7
