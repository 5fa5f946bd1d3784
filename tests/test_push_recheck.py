"""A push is checked again just before it goes out (issue 14, defect 7): the real jobs and dialogs queue it, the
world changes, and the sender drops what is no longer true (status `dropped`, the reason in `last_error`),
renders an escalation again when some of its branches submitted since, and sends everything else as before."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete
from sqlmodel import col

from bot.app import App
from conversations.messages import Reply
from conversations.pushes import push_for
from scheduled.jobs import Job, annual_reminders, escalations, evaluation_prompts, monthly_nudges
from scheduled.runner import ScheduledJob
from scheduled.sender import Sender, SenderConfig
from scheduled.service import job_runner
from storage.branch import Recipient
from storage.calendar import EvaluationCalendar, Period
from storage.evaluations import open_evaluation, submit_evaluation
from storage.models import OutboxStatus, Role, RoleName
from storage.outbox import Push, enqueue_many
from storage.units import unit_by_code
from tests.conftest import Clock
from tests.evaluation_support import add_youth, connect, outbox_rows
from tests.transcript import Chat

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
BRANCHES = ["CD-KP1", "CD-KP2", "CD-12A1", "CD-12A2", "CD-APD", "CD-APT", "CD-PX1"]


class Phone:
    """The far side of a chat channel: keeps every push it is handed, as (chat, text)."""

    channel = "test"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, chat_id: str, reply: Reply) -> None:
        self.sent.append((chat_id, reply.text))

    def to(self, chat_id: str) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]


def at(day: date, hour: int = 8, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).astimezone(UTC)


@pytest.fixture
async def people(demo: App, clock: Clock) -> dict[str, int]:
    """Every branch secretary on chat ("bt-<code>"), officers of CS-PBA, QD-HB, HD-TS, and members of CD-KP1."""
    clock.now = at(date(2026, 6, 1))
    ids = {}
    for code in BRANCHES:
        ids[code] = await connect(demo, f"bt-{code}", unit_code=code, role=RoleName.SECRETARY, now=clock.now)
    for user, code in (("cs", "CS-PBA"), ("qd", "QD-HB"), ("hd", "HD-TS")):
        ids[user] = await connect(demo, user, unit_code=code, role=RoleName.OFFICER, now=clock.now)
    for user in ("m-idle", "m-busy", "m-muted"):
        ids[user] = await connect(demo, user, unit_code="CD-KP1", now=clock.now)
    return ids


async def run(app: App, clock: Clock, job: Job, when: datetime) -> None:
    clock.now = when
    counts = await job_runner(app).run(ScheduledJob(job.__name__, job, {}))
    assert counts.get("enqueued", 0) > 0, counts


async def drain(app: App, clock: Clock, when: datetime) -> tuple[Phone, dict[str, int]]:
    clock.now = when
    phone = Phone()
    sender = Sender(sessions=app.sessions, outlet=phone, clock=clock,
                    config=SenderConfig(rate=None, per_chat_interval=0.0))
    return phone, await sender.drain_until_empty()


async def outcomes(app: App, prefix: str) -> dict[str, tuple[str, str | None]]:
    """Return (status, last_error) of each row under `prefix`, by chat."""
    return {row.chat_id: (row.status, row.last_error) for row in await outbox_rows(app, prefix)}


async def submit(app: App, code: str, member_id: int, when: datetime, period: str) -> None:
    async with app.sessions() as session, session.begin():
        unit = await unit_by_code(session, code=code)
        assert unit is not None and unit.id is not None
        evaluation = await open_evaluation(session, period=period, unit_id=unit.id, now=when)
        assert evaluation.id is not None
        await submit_evaluation(session, evaluation_id=evaluation.id, member_id=member_id, now=when)


async def take_role(app: App, member_id: int, role: str) -> None:
    async with app.sessions() as session, session.begin():
        await session.exec(delete(Role).where(col(Role.member_id) == member_id, col(Role.role) == role))  # type: ignore[call-overload]


async def test_the_monthly_nudge_is_dropped_for_a_member_who_introduced_someone_or_muted_it_meanwhile(
        demo: App, clock: Clock, people: dict[str, int]) -> None:
    await run(demo, clock, monthly_nudges, at(date(2026, 11, 5)))
    for name in ("Võ Thị Hạnh", "Lê Minh Khoa"):  # minutes later, before the sender's turn
        await add_youth(demo, member_id=people["m-busy"], name=name, at=at(date(2026, 11, 5), 8, 3))
    await Chat(demo.engine).say("m-muted", "/tatnhac")

    phone, tally = await drain(demo, clock, at(date(2026, 11, 5), 8, 5))

    assert phone.to("m-idle")[0].startswith("👋 Năm 2026 bạn chưa giới thiệu thanh niên nào")
    assert phone.to("m-busy") == [] and phone.to("m-muted") == []
    reason = "the member has introduced someone since, muted the nudge or is no longer active"
    states = await outcomes(demo, "nudge.2026-11:")
    assert {chat: states[chat] for chat in ("m-idle", "m-busy", "m-muted")} == {
        "m-idle": (OutboxStatus.SENT, None), "m-busy": (OutboxStatus.DROPPED, reason),
        "m-muted": (OutboxStatus.DROPPED, reason)}
    assert tally["dropped"] == 2


async def test_a_secretarys_reminder_queued_for_the_morning_is_dropped_for_a_member_who_introduced_overnight(
        demo: App, clock: Clock, people: dict[str, int]) -> None:
    clock.now = at(date(2026, 11, 5), 22)
    assert await Chat(demo.engine).say("bt-CD-KP1", "/nhacnho") == [
        "Bây giờ là giờ nghỉ nên nhắc nhở tới 3 đoàn viên sẽ được gửi lúc 7 giờ sáng."]
    await add_youth(demo, member_id=people["m-busy"], name="Võ Thị Hạnh", at=at(date(2026, 11, 5), 23))

    phone, _ = await drain(demo, clock, at(date(2026, 11, 6), 7))

    assert [chat for chat, _ in phone.sent] == ["m-idle", "m-muted"]  # a secretary's reminder ignores the mute
    assert (await outcomes(demo, "remind."))["m-busy"] == (
        OutboxStatus.DROPPED, "the member has introduced someone since or is no longer active")


@pytest.mark.parametrize("runs", [
    pytest.param([date(2026, 6, 15)], id="prompt"),
    pytest.param([date(2026, 6, 15), date(2026, 6, 18)], id="reminder"),
])
async def test_an_evaluation_push_is_dropped_once_the_branch_submitted(
        demo: App, clock: Clock, people: dict[str, int], runs: list[date]) -> None:
    for day in runs[:-1]:
        await run(demo, clock, evaluation_prompts, at(day))
        await drain(demo, clock, at(day, 9))
    await run(demo, clock, evaluation_prompts, at(runs[-1]))
    await submit(demo, "CD-KP2", people["CD-KP2"], at(runs[-1], 8, 2), "2026-H1")

    phone, tally = await drain(demo, clock, at(runs[-1], 8, 5))

    step = f"eval.2026-H1.s{len(runs) - 1}."
    states = await outcomes(demo, step)
    assert states.pop("bt-CD-KP2") == (OutboxStatus.DROPPED,
                                       "the branch has submitted its evaluation (or is no longer active)")
    assert set(states.values()) == {(OutboxStatus.SENT, None)} and len(states) == 6
    assert phone.to("bt-CD-KP2") == [] and len(phone.sent) == 6 and tally["dropped"] == 1


@pytest.mark.parametrize(("job", "when", "holder", "role", "prefix", "reason"), [
    pytest.param(evaluation_prompts, at(date(2026, 6, 15)), "CD-KP1", RoleName.SECRETARY, "eval.2026-H1.s0.",
                 "the recipient is no longer the branch's secretary", id="prompt-to-a-former-secretary"),
    pytest.param(escalations, at(date(2026, 7, 11)), "hd", RoleName.OFFICER, "eval.2026-H1.late.",
                 "the recipient is no longer an officer of the unit", id="escalation-to-a-former-officer"),
    pytest.param(annual_reminders, at(date(2026, 10, 1)), "cs", RoleName.OFFICER, "annual.2026.",
                 "the recipient is no longer an officer of the unit", id="annual-to-a-former-officer"),
])
async def test_a_push_is_dropped_when_its_recipient_no_longer_holds_the_role(
        demo: App, clock: Clock, people: dict[str, int], job: Job, when: datetime, holder: str, role: str,
        prefix: str, reason: str) -> None:
    await run(demo, clock, job, when)
    await take_role(demo, people[holder], role)

    await drain(demo, clock, when.replace(minute=5))

    user = f"bt-{holder}" if role == RoleName.SECRETARY else holder
    states = await outcomes(demo, prefix)
    assert states.pop(user) == (OutboxStatus.DROPPED, reason)
    assert all(state == (OutboxStatus.SENT, None) for state in states.values())  # the others go out


async def test_an_escalation_lists_only_the_branches_still_missing_when_it_goes_out(
        demo: App, clock: Clock, people: dict[str, int]) -> None:
    await run(demo, clock, escalations, at(date(2026, 7, 11)))
    queued = {row.chat_id: row.payload["text"] for row in await outbox_rows(demo, "eval.2026-H1.late.")}
    assert "Còn 3 chi đoàn trực thuộc chưa nộp" in queued["hd"]
    for code in ("CD-KP1", "CD-KP2", "CD-APT"):  # late, but before the officers' turn
        await submit(demo, code, people[code], at(date(2026, 7, 11), 8, 2), "2026-H1")

    phone, tally = await drain(demo, clock, at(date(2026, 7, 11), 8, 5))

    assert phone.to("cs") == [] and phone.to("qd") == [queued["qd"]]
    (told,) = phone.to("hd")
    assert told == ("⚠️ Đã quá hạn nộp đánh giá 6 tháng đầu năm 2026 (10/07/2026). Còn 2 chi đoàn trực thuộc chưa "
                    "nộp:\n• Chi đoàn ấp Đông\n• Chi đoàn Phân xưởng 1\n"
                    "Đề nghị đồng chí đôn đốc các chi đoàn hoàn thành sớm.")
    rows = {row.chat_id: row for row in await outbox_rows(demo, "eval.2026-H1.late.")}
    assert rows["hd"].payload["text"] == told and rows["hd"].status == OutboxStatus.SENT  # the record says what went
    assert (rows["cs"].status, rows["cs"].last_error) == (
        OutboxStatus.DROPPED, "every branch it lists has submitted its evaluation")
    assert tally["dropped"] == 1 and tally["sent"] == 2


@pytest.mark.parametrize(("queued", "drained", "outcome"), [
    pytest.param(at(date(2026, 10, 15), 8), at(date(2026, 10, 15), 8, 5), OutboxStatus.SENT, id="on-the-last-day"),
    pytest.param(at(date(2026, 10, 15), 22), at(date(2026, 10, 16), 7), OutboxStatus.DROPPED,
                 id="after-the-quiet-hours-past-the-deadline"),
])
async def test_the_annual_reminder_is_dropped_once_the_deadline_has_passed(
        demo: App, clock: Clock, people: dict[str, int], queued: datetime, drained: datetime, outcome: str) -> None:
    await run(demo, clock, annual_reminders, queued)

    phone, _ = await drain(demo, clock, drained)

    assert await outcomes(demo, "annual.2026.") == {
        "cs": (outcome, "the annual report's deadline has passed" if outcome == OutboxStatus.DROPPED else None)}
    assert len(phone.sent) == (outcome == OutboxStatus.SENT)


def _legacy(kind: str | None) -> dict[str, object]:
    return {"text": f"legacy {kind}"} | ({"kind": kind} if kind else {})


@pytest.mark.parametrize("payload", [
    pytest.param(None, id="notice-of-a-submission"),
    pytest.param(_legacy("evaluation.push_prompt"), id="prompt-queued-before-about-existed"),
    pytest.param(_legacy("evaluation.push_nudge"), id="nudge-queued-before-about-existed"),
    pytest.param(_legacy(None), id="row-without-a-kind"),
])
async def test_pushes_without_a_condition_are_sent_as_before(
        demo: App, clock: Clock, people: dict[str, int], payload: dict[str, object] | None) -> None:
    clock.now = at(date(2026, 6, 20))
    recipient = Recipient(member_id=people["cs"], channel="test", chat_id="cs", locale=None, unit_id=0)
    push = push_for(recipient, key="eval.2026-H1.submitted.u1", catalogs=demo.catalogs, calendar=EvaluationCalendar(),
                    tz=TZ, now=clock.now, text_key="evaluation.push_submitted", branch="Chi đoàn Khu phố 2",
                    period=Period(2026, 1))
    if payload is not None:
        push = Push(dedupe_key="legacy", channel="test", chat_id="cs", payload=payload, not_before=clock.now)
    await submit(demo, "CD-KP2", people["CD-KP2"], clock.now, "2026-H1")  # a prompt's condition would fail now
    await add_youth(demo, member_id=people["cs"], name="Võ Thị Hạnh", at=clock.now)  # and a nudge's
    async with demo.sessions() as session, session.begin():
        await enqueue_many(session, pushes=[push], now=clock.now)

    phone, tally = await drain(demo, clock, at(date(2026, 6, 20), 8, 5))

    assert phone.sent == [("cs", push.payload["text"])] and tally["dropped"] == 0


async def test_a_malformed_about_does_not_stop_the_queue(demo: App, clock: Clock, people: dict[str, int]) -> None:
    clock.now = at(date(2026, 6, 20))
    broken: Sequence[dict[str, object]] = [
        {"member_id": "7", "unit_id": 1, "period": "2026-H1"}, {"member_id": 1, "unit_id": 1, "period": 2026},
        {"member_id": 1, "unit_id": 1, "period": "2026-H1", "branches": [[1]]},
        {"member_id": 1, "unit_id": 1, "until": "not a time"}]
    kinds = ["evaluation.push_prompt", "evaluation.push_reminder", "evaluation.push_escalation",
             "evaluation.push_annual"]
    pushes = [Push(dedupe_key=f"odd-{n}", channel="test", chat_id=f"c{n}",
                   payload={"text": f"odd {n}", "kind": kind, "about": about}, not_before=clock.now)
              for n, (kind, about) in enumerate(zip(kinds, broken, strict=True))]
    async with demo.sessions() as session, session.begin():
        await enqueue_many(session, pushes=pushes, now=clock.now)

    phone, _ = await drain(demo, clock, clock.now)

    assert sorted(text for _, text in phone.sent) == [f"odd {n}" for n in range(4)]
    assert {row.status for row in await outbox_rows(demo, "odd-")} == {OutboxStatus.SENT}

