"""The outbox sender: drains one channel's queue within the platform's limits and records every outcome.

Delivery guarantee. Each row is leased before it is sent (`storage.outbox.claim_due`: status `sending`,
`attempts` + 1, `not_before` = end of lease; committed) and its outcome is committed right after the
platform answers, guarded by the (id, attempts) token. So:

* a process killed while a request is queued or in flight *before the platform took it* leaves the row
  `sending`; when the lease ends another run sends it once;
* a process killed after the platform answered and after our commit has nothing left to do for that row;
* a message is never sent by a sender that lost its lease: the sender gives a row back instead of sending it
  when less than `lease_margin` of its lease remains.

The window that cannot be closed: a kill (or a database outage) after the platform accepted a message and
before the `sent` commit. Neither Telegram nor Zalo takes an idempotency key, so the row is sent again when the
lease ends (at-least-once for that message). The window is the platform's response plus the group commit
the delivery joins (deliveries are recorded together, each in the first commit that starts after it went out):
a few milliseconds per message in flight. The crash test in `tests/test_outbox_crash.py` kills the sender
outside it and shows every message delivered exactly once, and kills it inside it and shows exactly those
messages sent a second time, none lost.

Still true? A push can stop being true between the moment it is queued and its turn (a member registers the
young person they introduced; a branch submits its evaluation minutes before its reminder goes out). In the
transaction that claims a batch, each row is checked again against its kind's condition
(`scheduled.pushes.recheck`): a row no longer true is closed as `dropped` with the reason in `last_error` and
never sent; a row whose text changed (an escalation listing branches that submitted since) is rewritten and
sent with the new text. Everything sent was true at most one lease before it went out. Rows of other kinds or
without a kind are sent as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.messages import Choice, Reply
from conversations.outlet import Outlet, SendFailed, SendFailure
from scheduled.observer import NoObserver, PushObserver
from scheduled.pushes import Drop, Rewrite, recheck
from storage.models import Outbox, OutboxStatus
from storage.outbox import (
    block_chat,
    claim_due,
    mark_dropped,
    mark_retry,
    mark_sent_many,
    mark_unsendable,
    release,
    rewrite_payload,
)

__all__ = ["Pacer", "Sender", "SenderConfig", "reply_of"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SenderConfig:
    """Limits of one channel's sender. `rate` is messages per second for the whole bot (None: unlimited)."""

    rate: float | None = 25.0
    per_chat_interval: float = 1.0
    batch: int = 200
    concurrency: int = 16
    lease: timedelta = timedelta(seconds=120)
    lease_margin: timedelta = timedelta(seconds=10)
    max_attempts: int = 8
    backoff_base: float = 5.0
    backoff_cap: float = 3600.0
    idle_poll: float = 1.0


def reply_of(payload: dict[str, object]) -> Reply:
    """Rebuild the reply an outbox payload stands for."""
    raw = payload.get("choices")
    pairs = raw if isinstance(raw, list) else []
    choices = tuple(Choice(str(c[0]), str(c[1])) for c in pairs if isinstance(c, list | tuple))
    return Reply(text=str(payload.get("text", "")), choices=choices)


class Pacer:
    """Spread sends evenly at `rate` per second (a slot every 1/rate s) and at most one per `per_chat` per chat.

    Slots are handed out on the monotonic loop clock, so the achieved rate does not drift with send latency;
    `pause` holds every slot back after the platform asks to slow down.
    """

    def __init__(self, rate: float | None, per_chat: float) -> None:
        self._interval = 1.0 / rate if rate else 0.0
        self._per_chat = per_chat
        self._next = 0.0
        self._chat_next: dict[str, float] = {}

    def chat_wait(self, chat_id: str) -> float:
        """Seconds until `chat_id` may receive again (0 when it may now)."""
        return max(0.0, self._chat_next.get(chat_id, 0.0) - asyncio.get_running_loop().time())

    async def wait(self, chat_id: str) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        slot = max(now, self._next, self._chat_next.get(chat_id, 0.0))
        self._next = max(self._next, slot) + self._interval if self._interval else self._next
        self._chat_next[chat_id] = slot + self._per_chat
        if len(self._chat_next) > 100_000:
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        if slot > now:
            await asyncio.sleep(slot - now)

    def pause(self, seconds: float) -> None:
        self._next = max(self._next, asyncio.get_running_loop().time() + seconds)


@dataclass
class _Tally:
    sent: int = 0
    retried: int = 0
    blocked: int = 0
    failed: int = 0
    released: int = 0
    lost_lease: int = 0
    dropped: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class Sender:
    """Drain the outbox of `outlet.channel`."""

    sessions: async_sessionmaker[AsyncSession]
    outlet: Outlet
    clock: Callable[[], datetime]
    config: SenderConfig = field(default_factory=SenderConfig)
    observer: PushObserver = field(default_factory=NoObserver)

    def __post_init__(self) -> None:
        self.pacer = Pacer(self.config.rate, self.config.per_chat_interval)
        self.tally = _Tally()

    @property
    def channel(self) -> str:
        return self.outlet.channel

    async def run(self, stop: asyncio.Event) -> None:
        """Drain until `stop` is set; sleep `idle_poll` whenever nothing is due."""
        while not stop.is_set():
            try:
                claimed = await self.drain_once()
            except Exception as error:
                log.exception("sender %s: drain failed; retrying", self.channel)
                self.observer.failed(error)
                claimed = 0
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.config.idle_poll)

    async def drain_until_empty(self) -> dict[str, int]:
        """Send everything due now (used by the simulation and tests); return the running tally."""
        while await self.drain_once():
            pass
        return self.tally.as_dict()

    async def drain_once(self) -> int:
        """Claim one batch, drop what is no longer true, send the rest, record each outcome; return how many
        rows were claimed."""
        now = self.clock()
        async with self.sessions() as session, session.begin():
            rows = list(await claim_due(session, channel=self.channel, now=now, lease=self.config.lease,
                                        limit=self._batch_size()))
            claimed = len(rows)
            rows, rewritten = await self._still_true(session, rows, now)
        self.tally.dropped += claimed - len(rows)
        for row in rows:  # after the commit: the rows are detached, so this changes only what is sent
            row.payload = rewritten.get(_id(row), row.payload)
        if not rows:
            return claimed
        deadline = now + self.config.lease - self.config.lease_margin
        rows = await self._defer_busy_chats(rows)
        gate = asyncio.Semaphore(self.config.concurrency)
        recorder = _Recorder(self)
        recording = asyncio.create_task(recorder.run())

        async def one(row: Outbox) -> None:
            async with gate:
                await self._deliver(row, deadline, recorder)

        try:
            await asyncio.gather(*(one(row) for row in rows))
        finally:
            recorder.close()
            await recording
        return claimed

    async def _still_true(
        self, session: AsyncSession, rows: list[Outbox], now: datetime
    ) -> tuple[list[Outbox], dict[int, dict[str, Any]]]:
        """Close the claimed rows that are no longer true and save the text of those rewritten, in the claim's
        transaction; return the rows to send and the rewritten payloads by row id."""
        verdicts = await recheck(session, rows=rows, now=now)
        keep: list[Outbox] = []
        rewritten: dict[int, dict[str, Any]] = {}
        for row in rows:
            match verdicts.get(_id(row)):
                case Drop(reason=reason):
                    await mark_dropped(session, row_id=_id(row), attempt=row.attempts, reason=reason)
                    continue
                case Rewrite(payload=payload):
                    await rewrite_payload(session, row_id=_id(row), attempt=row.attempts, payload=payload)
                    rewritten[_id(row)] = payload
            keep.append(row)
        return keep, rewritten

    def _batch_size(self) -> int:
        # A batch must be sent well within its lease at the configured rate.
        if not self.config.rate:
            return self.config.batch
        fits = int(self.config.rate * self.config.lease.total_seconds() / 2)
        return max(1, min(self.config.batch, fits))

    async def _defer_busy_chats(self, rows: list[Outbox]) -> list[Outbox]:
        """Keep one row per chat in this batch; give the others back, spaced by the per-chat interval."""
        seen: dict[str, int] = {}
        keep: list[Outbox] = []
        for row in rows:
            position = seen.get(row.chat_id, 0)
            seen[row.chat_id] = position + 1
            if position == 0:
                keep.append(row)
                continue
            later = self.clock() + timedelta(seconds=position * self.config.per_chat_interval)
            await self._write(release, row, not_before=later)
            self.tally.released += 1
        return keep

    async def _deliver(self, row: Outbox, deadline: datetime, recorder: _Recorder) -> None:
        await self.pacer.wait(row.chat_id)
        if self.clock() >= deadline:
            # Too little of the lease is left: sending now could race the sender that takes the row over.
            await self._write(release, row, not_before=self.clock())
            self.tally.released += 1
            return
        try:
            await self.outlet.send(row.chat_id, reply_of(row.payload))
        except SendFailed as failure:
            await self._failed(row, failure)
            return
        recorder.add(row)

    async def _failed(self, row: Outbox, failure: SendFailed) -> None:
        self.observer.send_failed(self.channel, failure.failure)
        error = str(failure)[:500]
        if failure.failure is SendFailure.BLOCKED:
            async with self.sessions() as session, session.begin():
                await mark_unsendable(session, row_id=_id(row), attempt=row.attempts,
                                      status=OutboxStatus.BLOCKED, error=error)
                await block_chat(session, channel=self.channel, chat_id=row.chat_id, error=error)
            self.tally.blocked += 1
            return
        if failure.failure is SendFailure.PERMANENT or row.attempts >= self.config.max_attempts:
            await self._write(mark_unsendable, row, status=OutboxStatus.FAILED, error=error)
            self.tally.failed += 1
            return
        delay = self._backoff(row.attempts)
        if failure.failure is SendFailure.THROTTLED and failure.retry_after is not None:
            delay = float(failure.retry_after)
            self.pacer.pause(delay)
        await self._write(mark_retry, row, not_before=self.clock() + timedelta(seconds=delay), error=error)
        self.tally.retried += 1

    def _backoff(self, attempt: int) -> float:
        base = min(self.config.backoff_cap, self.config.backoff_base * 2 ** max(0, attempt - 1))
        return base * random.uniform(0.8, 1.2)

    async def _write(self, action: Callable[..., object], row: Outbox, **values: object) -> bool:
        async with self.sessions() as session, session.begin():
            return bool(await action(session, row_id=_id(row), attempt=row.attempts, **values))  # type: ignore[misc]


class _Recorder:
    """Group commit of deliveries: a delivered row is recorded in the first commit that starts after it went
    out, so the window between delivery and record stays about one commit long while concurrent sends share
    transactions (one transaction per message would make the database, not the platform, the bottleneck)."""

    def __init__(self, sender: Sender) -> None:
        self._sender = sender
        self._pending: list[Outbox] = []
        self._wake = asyncio.Event()
        self._closing = False

    def add(self, row: Outbox) -> None:
        self._pending.append(row)
        self._wake.set()

    def close(self) -> None:
        self._closing = True
        self._wake.set()

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, []
            if batch:
                await self._record(batch)
            if self._closing and not self._pending:
                return

    async def _record(self, batch: list[Outbox]) -> None:
        sender = self._sender
        async with sender.sessions() as session, session.begin():
            recorded = await mark_sent_many(session, held=[(_id(r), r.attempts) for r in batch], now=sender.clock())
        sender.tally.sent += recorded
        if recorded < len(batch):
            sender.tally.lost_lease += len(batch) - recorded
            log.warning("sender %s: %d rows were sent after their lease was lost", sender.channel,
                        len(batch) - recorded)


def _id(row: Outbox) -> int:
    assert row.id is not None
    return row.id
