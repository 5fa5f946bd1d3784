"""Inbound updates held per person until the database takes them (used by `bot.dispatch` when polling).

Each person's updates are handled in the order they came, different people's at the same time. An update the
database could not take (locked, unreachable, a lost conflict: the engine raises those to the channel) stays at
the head of its person's line and is tried again on the `Patience` schedule, while other people go on. Its sender
is told once, promptly and without the database, that the system is busy and the message will be handled. Only
when the database stays away longer than `Patience.give_up_after` is the update dropped, and its sender asked
to send it again; so neither message is ever untrue.

    inbox = Inbox(handle=dispatcher.handle, tell=dispatcher.tell, t=catalogs.get(None),
                  name=lambda u: f"update {u}", log=log)
    inbox.put("5120342711", update)
    ...
    left = await inbox.close()  # updates not handled yet, for the channel to leave unconfirmed
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from conversations.i18n import Translator
from conversations.messages import Reply

__all__ = ["DATABASE_FAILURES", "Inbox", "Patience", "describe_failure"]

T = TypeVar("T")

# What the engine raises when the database is away, busy or lost a conflict (as `conversations.engine` sorts them).
DATABASE_FAILURES: tuple[type[Exception], ...] = (DBAPIError, PoolTimeout, OSError, TimeoutError)


@dataclass(frozen=True, slots=True)
class Patience:
    """How an update the database could not take is tried again.

    Attributes:
        delays: seconds between attempts, the last one repeated.
        give_up_after: seconds after the update arrived when it is dropped and its sender asked to send it again;
            well above the ten minutes a database restart or a long write lock may take.
        notice_after: seconds an attempt may run before its sender is told the system is busy (a locked SQLite
            file makes an attempt wait for its busy timeout, a locked PostgreSQL table for the lock).
        grace: seconds an attempt in progress may still take once the channel stops.
    """

    delays: tuple[float, ...] = (1, 2, 5, 10, 30)
    give_up_after: float = 900
    notice_after: float = 5
    grace: float = 10

    def delay(self, failures: int) -> float:
        """Return the wait after the `failures`-th failed attempt (1 for the first)."""
        return self.delays[min(failures, len(self.delays)) - 1]


def describe_failure(error: BaseException) -> str:
    """Name a database failure for a log line: the driver's message, never the statement or its parameters."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    return f"{type(cause).__name__}: {cause}"[:200]


@dataclass(eq=False)
class _Line(Generic[T]):
    """One person's updates not yet handled (the head is the one being tried), each with when it arrived."""

    items: deque[tuple[T, float]] = field(default_factory=deque)
    told_busy: bool = False  # since the last update handled
    told_lost: bool = False
    worker: asyncio.Task[None] | None = None


class Inbox(Generic[T]):
    """Per-person lines of updates, handled by `handle` (which raises `DATABASE_FAILURES` to be tried again).

    Args:
        handle: handles one update completely.
        tell: delivers a notice about an update to its sender, without the database; must not raise.
        t: the texts of the notices (the default locale: the person's own is in the database).
        name: names an update in log lines (an id, never the text: it is personal data).
        log: the channel's logger.
        patience: the retry schedule.
        concurrency: how many updates are handled at once.
        clock: monotonic seconds, for when updates arrived.
    """

    def __init__(
        self,
        *,
        handle: Callable[[T], Awaitable[None]],
        tell: Callable[[T, Reply], Awaitable[None]],
        t: Translator,
        name: Callable[[T], str],
        log: logging.Logger,
        patience: Patience | None = None,
        concurrency: int = 4,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._handle, self._tell, self._t, self._name, self._log = handle, tell, t, name, log
        self._patience = patience or Patience()
        self._clock = clock
        self._slots = asyncio.Semaphore(concurrency)
        self._lines: dict[str, _Line[T]] = {}
        self._closing = asyncio.Event()
        self.empty = asyncio.Event()  # set whenever no update is waiting
        self.empty.set()

    def put(self, person: str, item: T) -> None:
        """Queue `item` behind `person`'s earlier updates."""
        line = self._lines.setdefault(person, _Line())
        line.items.append((item, self._clock()))
        self.empty.clear()
        if line.worker is None:
            line.worker = asyncio.create_task(self._serve(person, line))

    @property
    def waiting(self) -> list[T]:
        """Return the updates neither handled nor given up yet."""
        return [item for line in self._lines.values() for item, _ in line.items]

    async def close(self) -> list[T]:
        """Start no attempt anymore, give those in progress `grace` seconds, and return the updates left."""
        self._closing.set()
        workers = [line.worker for line in self._lines.values() if line.worker is not None]
        if workers:
            _, late = await asyncio.wait(workers, timeout=self._patience.grace)
            for worker in late:
                worker.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        return self.waiting

    async def _serve(self, person: str, line: _Line[T]) -> None:
        try:
            while line.items and not self._closing.is_set():
                item, arrived = line.items[0]
                if not await self._settle(line, item, arrived):
                    return  # closing: the update stays in line, unhandled
                line.items.popleft()
        finally:
            line.worker = None
            if not line.items:
                del self._lines[person]
                if not self._lines:
                    self.empty.set()

    async def _settle(self, line: _Line[T], item: T, arrived: float) -> bool:
        """Try `item` until it is handled or dropped (True), or the inbox closes first (False)."""
        failures = 0
        while True:
            try:
                await self._attempt(line, item)
            except DATABASE_FAILURES as error:
                failures += 1
                await self._busy(line, item)
                if self._clock() - arrived >= self._patience.give_up_after:
                    self._log.error("giving up on %s: the database stayed away (%s)", self._name(item),
                                    describe_failure(error))
                    await self._lost(line, item)
                    return True
                delay = self._patience.delay(failures)
                self._log.warning("%s could not be handled (%s); retrying in %s s", self._name(item),
                                  describe_failure(error), delay)
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), delay)
                if self._closing.is_set():
                    return False
            except Exception:
                # Not the database: a bug that would fail again the same way. Logged by id, then skipped.
                self._log.exception("%s could not be handled; skipped", self._name(item))
                return True
            else:
                line.told_busy = line.told_lost = False
                return True

    async def _attempt(self, line: _Line[T], item: T) -> None:
        """Handle `item` once; tell its sender the system is busy if that takes longer than `notice_after`."""
        task = asyncio.ensure_future(self._handle_one(item))
        try:
            if not line.told_busy:
                done, _ = await asyncio.wait({task}, timeout=self._patience.notice_after)
                if not done:
                    await self._busy(line, item)
            await task
        finally:
            task.cancel()  # only when this worker itself is cancelled before the attempt ends

    async def _handle_one(self, item: T) -> None:
        async with self._slots:
            await self._handle(item)

    async def _busy(self, line: _Line[T], item: T) -> None:
        if not line.told_busy:
            line.told_busy = True
            await self._tell(item, Reply(self._t("channel.busy")))

    async def _lost(self, line: _Line[T], item: T) -> None:
        if not line.told_lost:
            line.told_lost = True
            await self._tell(item, Reply(self._t("channel.lost")))
