"""The one path from a channel's updates to the dialog engine and back, for every channel and both modes.

    update (polled or posted) → channel.parse → Event
        Inbound       → engine → replies sent through the channel's outlet (role menu refreshed after commands)
        Reachability  → the chat marked reachable or not
    a reply refused with SendFailure.BLOCKED → the chat marked unreachable

Polling: each person's updates are handled in order, different people's at the same time (`bot.inbox`); an
update the database could not take waits at the head of its person's line while the others go on. On platforms
that keep updates until confirmed (Telegram), an update is confirmed only once handled (or dropped after
`Patience.give_up_after`), and the engine claims each update id in the transaction of its effects, so a crash or
a stop redelivers and nothing runs twice. On platforms where fetching takes the update (Zalo), a stop lets the
fetch in flight finish, so nothing handed over is lost.

Webhook: an update is answered only once handled, so a failure (the database away) answers 500 and the platform
delivers it again; the engine's update-id claim turns that redelivery into a no-op still acknowledged with 200.

Every update handled is told to an `UpdateObserver` (the metrics): its channel, its outcome (`Outcome`) and how
long it took; so is every reply a platform refused and every exception met on the way.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channel import Channel, Event, NoMoreUpdates, NotAnUpdate, Reachability
from bot.inbox import DATABASE_FAILURES, Inbox, Patience
from bot.menus import RoleMenus
from bot.outlet import START_BACKOFF
from conversations.i18n import Translator
from conversations.messages import Inbound, Reply
from conversations.outlet import SendFailed, SendFailure
from storage.db import is_sqlite
from storage.reachability import set_reachable

__all__ = ["Dispatcher", "Handler", "Outcome", "UpdateObserver", "one_writer_at_a_time"]

log = logging.getLogger(__name__)

U = TypeVar("U")
Handler = Callable[[Inbound], Awaitable[list[Reply]]]
_REPOLL = 1.0  # seconds before polling again for others while an unconfirmed update is still being handled


class Outcome(enum.StrEnum):
    """What became of one update."""

    HANDLED = "handled"  # the dialogs answered it
    DUPLICATE = "duplicate"  # redelivered, already processed: nothing done again
    REACHABILITY = "reachability"  # the platform said a person blocked or unblocked the bot
    IGNORED = "ignored"  # nothing for the bot (an edit, a sticker in a group…)
    DATABASE_ERROR = "database_error"  # the database could not take it: it is tried again
    ERROR = "error"  # anything else raised


class UpdateObserver(Protocol):
    """Told what becomes of updates and replies (`bot.web.metrics.Metrics` counts them)."""

    def update_handled(self, channel: str, outcome: Outcome, seconds: float) -> None:
        """One update of `channel` came to `outcome` in `seconds`."""
        ...

    def send_failed(self, channel: str, failure: SendFailure) -> None:
        """A reply on `channel` was not delivered, for `failure`."""
        ...

    def failed(self, error: BaseException) -> None:
        """Handling an update raised `error`."""
        ...


class _Unobserved:
    def update_handled(self, channel: str, outcome: Outcome, seconds: float) -> None:
        """Ignore it."""

    def send_failed(self, channel: str, failure: SendFailure) -> None:
        """Ignore it."""

    def failed(self, error: BaseException) -> None:
        """Ignore it."""


def one_writer_at_a_time(handle: Handler, database_url: str) -> Handler:
    """Return `handle`; on SQLite, one update's transaction at a time in this process, for every channel.

    SQLite has a single writer anyway, and waiting on an asyncio lock is much cheaper than SQLite's busy
    handler, which sleeps up to 100 ms between retries. On PostgreSQL updates run truly at once.
    """
    if not is_sqlite(database_url):
        return handle
    lock = asyncio.Lock()

    async def one_at_a_time(inbound: Inbound) -> list[Reply]:
        async with lock:
            return await handle(inbound)

    return one_at_a_time


@dataclass(frozen=True, slots=True)
class _Received(Generic[U]):
    """A polled update, what it means, and its number in the platform's queue (None: already taken off it)."""

    update: U
    event: Event | None
    position: int | None


class Dispatcher(Generic[U]):
    """Carry `channel`'s updates to `handle` and its replies back.

    Args:
        handle: the dialog engine's entry point.
        sessions: where reachability is recorded.
        t: the texts of the busy notices (the default locale: the person's own is in the database).
        menus: the channel's role menus, for a channel that shows menus.
        patience: how long a polled update the database could not take is tried again.
        backoff: seconds between failed polls, the last one repeated (or the platform's `retry_after`).
        concurrency: how many polled updates are handled at once.
        observer: told what becomes of each update and reply (the metrics).
    """

    def __init__(
        self,
        channel: Channel[U],
        *,
        handle: Handler,
        sessions: async_sessionmaker[AsyncSession],
        t: Translator,
        menus: RoleMenus | None = None,
        patience: Patience | None = None,
        backoff: Sequence[float] = START_BACKOFF,
        concurrency: int = 4,
        observer: UpdateObserver | None = None,
    ) -> None:
        self.channel = channel
        self._handle, self._sessions, self._t, self._menus = handle, sessions, t, menus
        self._patience, self._backoff, self._concurrency = patience, tuple(backoff), concurrency
        self._locks = _PersonLocks()
        self._observer = observer if observer is not None else _Unobserved()

    async def start(self) -> None:
        """Publish the menus everyone sees, then register the webhook (raises `SendFailed`)."""
        if self._menus is not None:
            await self._menus.publish()
        await self.channel.start()

    async def receive(self, body: dict[str, Any]) -> HTTPStatus:
        """Handle one authenticated webhook body: 400 for one that is not an update, else 200 once handled."""
        try:
            update = self.channel.decode(body)
        except NotAnUpdate as wrong:
            log.warning("webhook body is not a %s update (%s)", self.channel.name, wrong)
            return HTTPStatus.BAD_REQUEST
        if update is not None:
            event = self.channel.parse(update)
            async with self._locks.hold(_person(event)):
                await self.handle_update(update, event)
        return HTTPStatus.OK

    async def handle_update(self, update: U, event: Event | None) -> None:
        """Handle one update completely (engine, replies, menu); a redelivered one changes nothing. Tell the
        observer its outcome and how long it took."""
        started = time.perf_counter()
        outcome = Outcome.ERROR
        try:
            outcome = await self._handle_update(update, event)
        except Exception as error:
            outcome = Outcome.DATABASE_ERROR if isinstance(error, DATABASE_FAILURES) else Outcome.ERROR
            self._observer.failed(error)
            raise
        finally:
            self._observer.update_handled(self.channel.name, outcome, time.perf_counter() - started)

    async def _handle_update(self, update: U, event: Event | None) -> Outcome:
        # Acknowledging only stops a pressed button's spinner: neither the step nor its replies wait for it.
        acknowledged = asyncio.ensure_future(self.channel.acknowledge(update))
        try:
            return await self._answer(update, event)
        finally:
            await acknowledged

    async def _answer(self, update: U, event: Event | None) -> Outcome:
        if isinstance(event, Reachability):
            await self._mark(event.chat_id, reachable=event.reachable)
            return Outcome.REACHABILITY
        if event is None:
            return Outcome.IGNORED
        replies = await self._handle(event)
        if not replies:
            return Outcome.DUPLICATE  # a redelivery: the first delivery answered it
        # The follow-up touches an older message and the menu sits beside the chat: neither need hold the new
        # replies back, nor wait for them.
        await asyncio.gather(self.channel.answered(update), self._deliver(event, replies), self._refresh(event))
        return Outcome.HANDLED

    async def _refresh(self, inbound: Inbound) -> None:
        """Give the chat the menu its roles open, after a step that may have changed them (typed answers, the bulk
        of the traffic, skip the check)."""
        if self._menus is not None and inbound.may_change_roles:
            await self._menus.refresh(inbound.user_id, inbound.chat_id)

    async def poll(self, stop: asyncio.Event) -> None:
        """Fetch and handle updates until `stop` is set or the channel has no more; updates are confirmed only
        once handled (or given up).

        A failed fetch is tried again after the next `backoff` delay; one that retrying will not help is raised.
        """
        inbox: Inbox[_Received[U]] = Inbox(
            handle=lambda received: self.handle_update(received.update, received.event), tell=self._tell,
            t=self._t, name=self._name, log=log, patience=self._patience, concurrency=self._concurrency)
        seen: int | None = None  # the newest position put in the inbox
        failures = 0
        try:
            while not stop.is_set():
                if any(received.position is not None for received in inbox.waiting):
                    # A poll now would fetch them again: wait until all is handled, or a little for others.
                    with suppress(TimeoutError):
                        await asyncio.wait_for(inbox.empty.wait(), _REPOLL)
                try:
                    updates = await self.channel.fetch(_offset(inbox.waiting, seen), stop, newer_than=seen)
                except NoMoreUpdates:
                    return
                except SendFailed as failed:
                    if not failed.retryable:
                        raise
                    delay = failed.retry_after or self._backoff[min(failures, len(self._backoff) - 1)]
                    failures += 1
                    log.warning("polling %s failed (%s); retrying in %s s", self.channel.name, failed, delay)
                    with suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), delay)
                    continue
                failures = 0
                for update in updates:
                    position = self.channel.position(update)
                    if position is not None:
                        if seen is not None and position <= seen:
                            continue  # still waiting in the inbox
                        seen = position
                    event = self.channel.parse(update)
                    inbox.put(_person(event, position), _Received(update, event, position))
        finally:
            left = await inbox.close()  # what is left stays unconfirmed, for the next start
            await self._confirm(_offset(left, seen))
            taken = [self._name(received) for received in left if received.position is None]
            if taken:  # taken off the platform's queue, which will not deliver them again
                log.error("stopping with %s not handled", ", ".join(taken))

    async def _deliver(self, inbound: Inbound, replies: list[Reply]) -> None:
        for reply in replies:
            try:
                await self.channel.outlet.send(inbound.chat_id, reply)
            except SendFailed as failed:
                self._observer.send_failed(self.channel.name, failed.failure)
                if failed.failure is SendFailure.BLOCKED:
                    await self._mark(inbound.chat_id, reachable=False)
                log.warning("reply to %s not delivered: %s", self._describe(inbound.update_id), failed)
                return

    async def _mark(self, chat_id: str, *, reachable: bool) -> None:
        async with self._sessions() as session, session.begin():
            await set_reachable(session, channel=self.channel.name, chat_id=chat_id, reachable=reachable)

    async def _tell(self, received: _Received[U], notice: Reply) -> None:
        """Send a notice about an update to its sender (only for updates the dialogs would have answered)."""
        if not isinstance(received.event, Inbound):
            return
        try:
            await self.channel.outlet.send(received.event.chat_id, notice)
        except SendFailed as failed:
            log.warning("notice about %s not delivered: %s", self._name(received), failed)

    async def _confirm(self, offset: int | None) -> None:
        """Tell the platform every update before `offset` was handled, so a restart does not fetch them again."""
        if offset is None:
            return
        try:
            await self.channel.confirm(offset)
        except SendFailed as failed:
            log.warning("could not confirm handled updates (they will be redelivered and skipped): %s", failed)

    def _name(self, received: _Received[U]) -> str:
        """Name an update in log lines: by its id, never its text (personal data)."""
        if received.event is not None:
            return self._describe(received.event.update_id)
        return self._describe(f"#{received.position}" if received.position is not None else "(not for the bot)")

    def _describe(self, update_id: str) -> str:
        return f"{self.channel.name} update {update_id}"


def _person(event: Event | None, position: int | None = None) -> str:
    """Return whose line an update joins; updates that are nothing for the bot each stand alone."""
    if event is not None:
        return event.user_id
    return f"#{position}"


def _offset(waiting: Sequence[_Received[Any]], seen: int | None) -> int | None:
    """Return the offset that confirms every update handled so far and none still waiting."""
    positions = [received.position for received in waiting if received.position is not None]
    if positions:
        return min(positions)
    return seen + 1 if seen is not None else None


class _PersonLocks:
    """An `asyncio.Lock` per person, dropped from the table once nobody holds or awaits it (webhook mode)."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, person: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(person, (asyncio.Lock(), 0))
        self._locks[person] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[person]
            if users == 1:
                del self._locks[person]
            else:
                self._locks[person] = (lock, users - 1)
