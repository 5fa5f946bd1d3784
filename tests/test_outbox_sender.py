"""The outbox and its sender against the loopback fake platform through the real Telegram outlet: dedupe on
enqueue, leases, fenced outcomes, retries with backoff, retry_after, blocked chats, per-chat spacing, and two
senders draining at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bench.fake_platform import FakePlatform
from bot.app import App
from bot.telegram.outlet import TelegramOutlet
from scheduled.sender import Sender, SenderConfig
from storage.identities import link_member
from storage.members import add_member
from storage.models import ChatIdentity, Outbox, OutboxStatus
from storage.outbox import SENDING, Push, claim_due, enqueue, enqueue_many, mark_sent, outbox_counts
from storage.units import add_unit
from tests.conftest import Clock

FAST = SenderConfig(rate=None, per_chat_interval=0.0, batch=50, concurrency=8, lease=timedelta(seconds=60),
                    lease_margin=timedelta(seconds=5), max_attempts=3, backoff_base=10.0)


@pytest.fixture
async def fake() -> AsyncIterator[FakePlatform]:
    platform = await FakePlatform().start()
    yield platform
    await platform.stop()


@pytest.fixture
async def outlet(fake: FakePlatform) -> AsyncIterator[TelegramOutlet]:
    async with TelegramOutlet(token=fake.token, base_url=fake.base_url, limits=None) as opened:
        yield opened


def push(key: str, chat: str, now: datetime) -> Push:
    return Push(dedupe_key=key, channel="telegram", chat_id=chat, payload={"text": key}, not_before=now)


async def put(app: App, pushes: list[Push], now: datetime) -> int:
    async with app.sessions() as session, session.begin():
        return await enqueue_many(session, pushes=pushes, now=now)


async def rows(app: App) -> dict[str, Outbox]:
    async with app.sessions() as session:
        return {r.dedupe_key: r for r in (await session.exec(select(Outbox).order_by(col(Outbox.id)))).all()}


def sender(app: App, outlet: TelegramOutlet, clock: Clock, config: SenderConfig = FAST) -> Sender:
    return Sender(sessions=app.sessions, outlet=outlet, clock=clock, config=config)


async def test_enqueue_is_idempotent_on_the_dedupe_key(app: App, clock: Clock) -> None:
    async with app.sessions() as session, session.begin():
        assert await enqueue(session, push=push("k-1", "101", clock.now), now=clock.now) is True
        assert await enqueue(session, push=push("k-1", "999", clock.now), now=clock.now) is False
    assert await put(app, [push(f"k-{n}", "101", clock.now) for n in range(1, 4)], clock.now) == 2
    assert [r.chat_id for r in (await rows(app)).values()] == ["101", "101", "101"]


async def test_drain_delivers_each_message_once(app: App, clock: Clock, fake: FakePlatform,
                                                outlet: TelegramOutlet) -> None:
    await put(app, [push(f"m-{n:03}", str(1000 + n), clock.now) for n in range(60)], clock.now)
    await put(app, [push("later", "2000", clock.now + timedelta(hours=1))], clock.now)
    tally = await sender(app, outlet, clock).drain_until_empty()
    assert tally["sent"] == 60 and fake.delivered == 60 and fake.duplicates() == {}
    async with app.sessions() as session:
        assert await outbox_counts(session) == {OutboxStatus.SENT: 60, OutboxStatus.PENDING: 1}
    assert all(r.sent_at == clock.now and r.attempts == 1 for k, r in (await rows(app)).items() if k != "later")


@pytest.mark.parametrize(("status", "description", "retry_after", "outcome", "delay"), [
    pytest.param(502, "Bad Gateway", None, OutboxStatus.PENDING, (8, 12), id="5xx-retried-with-backoff"),
    pytest.param(429, "Too Many Requests: retry after 7", 7, OutboxStatus.PENDING, (7, 7), id="429-retry-after"),
    pytest.param(400, "Bad Request: message text is empty", None, OutboxStatus.FAILED, None, id="400-permanent"),
    pytest.param(403, "Forbidden: bot was blocked by the user", None, OutboxStatus.BLOCKED, None, id="403-blocked"),
    pytest.param(400, "Bad Request: chat not found", None, OutboxStatus.BLOCKED, None, id="chat-gone"),
])
async def test_failures(app: App, clock: Clock, fake: FakePlatform, outlet: TelegramOutlet, status: int,
                        description: str, retry_after: int | None, outcome: str,
                        delay: tuple[float, float] | None) -> None:
    fake.fail("301", status, description, retry_after=retry_after)
    await put(app, [push("a", "301", clock.now)], clock.now)
    await sender(app, outlet, clock).drain_until_empty()
    row = (await rows(app))["a"]
    assert (row.status, row.attempts, fake.delivered) == (outcome, 1, 0)
    kind = {502: "retryable", 429: "throttled", 403: "blocked"}.get(status, "permanent")
    if outcome == OutboxStatus.BLOCKED:
        kind = "blocked"
    assert row.last_error is not None and row.last_error.startswith(f"{kind}: ")
    if delay is not None:
        waited = (row.not_before - clock.now).total_seconds()
        assert delay[0] <= waited <= delay[1]
        clock.advance(seconds=delay[1])
        await sender(app, outlet, clock).drain_until_empty()
        row = (await rows(app))["a"]
        assert (row.status, row.attempts, fake.deliveries["a"]) == (OutboxStatus.SENT, 2, 1)


async def test_a_blocked_chat_stops_every_push_to_it(app: App, clock: Clock, fake: FakePlatform,
                                                     outlet: TelegramOutlet) -> None:
    async with app.sessions() as session, session.begin():
        unit = await add_unit(session, code="CD-X", name="Chi đoàn X", kind="branch")
        assert unit.id is not None
        member = await add_member(session, full_name="Lê Văn Bảy", birth_year=2000, unit_id=unit.id,
                                  joined_at=clock.now)
        assert member.id is not None
        await link_member(session, channel="telegram", external_id="555", chat_id="555", member_id=member.id,
                          now=clock.now)
    fake.blocked.add("555")
    await put(app, [push("b-1", "555", clock.now), push("b-2", "555", clock.now + timedelta(minutes=5)),
                    push("ok", "556", clock.now)], clock.now)
    await sender(app, outlet, clock).drain_until_empty()
    clock.advance(minutes=10)
    await sender(app, outlet, clock).drain_until_empty()
    assert {k: r.status for k, r in (await rows(app)).items()} == {
        "b-1": OutboxStatus.BLOCKED, "b-2": OutboxStatus.BLOCKED, "ok": OutboxStatus.SENT}
    assert len([c for c in fake.per_chat.elements() if c == "555"]) == 0
    async with app.sessions() as session:
        identity = (await session.exec(select(ChatIdentity).where(ChatIdentity.chat_id == "555"))).one()
    assert identity.reachable is False


async def test_gives_up_after_max_attempts(app: App, clock: Clock, fake: FakePlatform,
                                           outlet: TelegramOutlet) -> None:
    fake.fail("302", 502, "Bad Gateway", times=5)
    await put(app, [push("flaky", "302", clock.now)], clock.now)
    for _ in range(4):
        await sender(app, outlet, clock).drain_until_empty()
        clock.advance(hours=2)
    row = (await rows(app))["flaky"]
    assert (row.status, row.attempts, fake.delivered) == (OutboxStatus.FAILED, 3, 0)


async def test_two_messages_to_one_chat_are_spaced(app: App, clock: Clock, fake: FakePlatform,
                                                   outlet: TelegramOutlet) -> None:
    await put(app, [push(f"c-{n}", "303", clock.now) for n in range(3)], clock.now)
    spaced = SenderConfig(rate=None, per_chat_interval=1.0, lease=timedelta(seconds=60))
    await sender(app, outlet, clock, spaced).drain_until_empty()
    saved = await rows(app)
    assert fake.deliveries == {"c-0": 1}
    assert [(saved[k].status, saved[k].not_before - clock.now, saved[k].attempts) for k in ("c-1", "c-2")] == [
        (OutboxStatus.PENDING, timedelta(seconds=1), 0), (OutboxStatus.PENDING, timedelta(seconds=2), 0)]


async def test_a_lease_left_by_a_dead_sender_is_taken_over_and_the_stale_outcome_refused(
        app: App, clock: Clock, fake: FakePlatform, outlet: TelegramOutlet) -> None:
    await put(app, [push("orphan", "304", clock.now)], clock.now)
    async with app.sessions() as session, session.begin():
        (claimed,) = await claim_due(session, channel="telegram", now=clock.now, lease=timedelta(seconds=30), limit=5)
    assert (claimed.status, claimed.attempts) == (SENDING, 1)
    assert await sender(app, outlet, clock).drain_until_empty() == {  # still leased
        "sent": 0, "retried": 0, "blocked": 0, "failed": 0, "released": 0, "lost_lease": 0, "dropped": 0}
    clock.advance(seconds=31)
    await sender(app, outlet, clock).drain_until_empty()
    row = (await rows(app))["orphan"]
    assert (row.status, row.attempts, fake.deliveries["orphan"]) == (OutboxStatus.SENT, 2, 1)
    async with app.sessions() as session, session.begin():  # the dead sender's attempt can no longer write
        assert await mark_sent(session, row_id=row.id, attempt=1, now=clock.now) is False  # type: ignore[arg-type]


async def test_two_senders_at_once_deliver_each_message_once(app: App, clock: Clock, fake: FakePlatform,
                                                             outlet: TelegramOutlet) -> None:
    await put(app, [push(f"p-{n:03}", str(5000 + n), clock.now) for n in range(200)], clock.now)
    small = SenderConfig(rate=None, per_chat_interval=0.0, batch=20, concurrency=4)
    first, second = sender(app, outlet, clock, small), sender(app, outlet, clock, small)
    await asyncio.gather(first.drain_until_empty(), second.drain_until_empty())
    assert fake.delivered == 200 and fake.duplicates() == {}
    assert first.tally.sent + second.tally.sent == 200
    async with app.sessions() as session:
        assert await outbox_counts(session) == {OutboxStatus.SENT: 200}


async def test_aware_times_only(app: App) -> None:
    with pytest.raises(Exception, match="naive"):
        async with app.sessions() as session, session.begin():
            await enqueue(session, push=push("naive", "1", datetime(2026, 1, 1)),  # noqa: DTZ001
                          now=datetime.now(UTC))
