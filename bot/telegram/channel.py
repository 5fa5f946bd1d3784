"""The Telegram channel: each update → `Inbound` → the dialog engine → one platform call per `Reply`.

Updates of one person are handled in order, different people concurrently. In polling mode an update is
confirmed to Telegram (the next `getUpdates` offset) only after its batch was handled, and the engine
claims each update id in the transaction of its effects, so a crash redelivers and nothing runs twice.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from typing import TypeVar

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update

from bot.outlet import SendFailed, SendFailure
from bot.telegram.commands import CommandMenus
from bot.telegram.outlet import TelegramOutlet
from bot.telegram.payload import ALLOWED_UPDATES, CHANNEL, TelegramUpdate
from conversations.messages import Inbound, Reply
from storage.reachability import set_reachable

__all__ = ["TelegramChannel"]

log = logging.getLogger(__name__)

Handler = Callable[[Inbound], Awaitable[list[Reply]]]
T = TypeVar("T")
_BACKOFF = (1, 2, 5, 10, 30)  # seconds between failed polls, the last one repeated
_RETRY_BATCH = (1, 3, 10)  # seconds before handling failed updates again, before giving up on them


class TelegramChannel:
    """Translate Telegram updates for the engine and deliver its replies."""

    def __init__(
        self,
        *,
        outlet: TelegramOutlet,
        handle: Handler,
        sessions: async_sessionmaker[AsyncSession],
        menus: CommandMenus | None = None,
        concurrency: int = 4,
    ) -> None:
        self._outlet = outlet
        self._handle = handle
        self._sessions = sessions
        self._menus = menus
        self._slots = asyncio.Semaphore(concurrency)
        self._locks = _PersonLocks()

    async def process(self, update: Update) -> None:
        """Handle one update completely (engine, replies, menu); a redelivered one changes nothing."""
        incoming = TelegramUpdate.parse(update)
        if incoming.user_id is None:
            return
        async with self._locks.hold(incoming.user_id):
            await self._process(incoming)

    async def process_batch(self, updates: Iterable[Update]) -> list[Update]:
        """Handle a batch: each person's updates in order, different people at the same time.

        Return the updates not handled: one that failed, and the same person's later ones (kept in order).
        """
        by_person: dict[str, list[Update]] = {}
        for update in updates:
            person = TelegramUpdate.parse(update).user_id or f"#{update.update_id}"
            by_person.setdefault(person, []).append(update)
        left = await asyncio.gather(*(self._in_order(batch) for batch in by_person.values()))
        return sorted((update for rest in left for update in rest), key=lambda update: update.update_id)

    async def poll(self, stop: asyncio.Event) -> None:
        """Long-poll until `stop` is set; updates are confirmed only once handled."""
        await self._outlet.use_polling()
        offset: int | None = None
        failures = itertools.count()
        while not stop.is_set():
            try:
                updates = await self._until(stop, self._outlet.updates(offset, ALLOWED_UPDATES))
            except SendFailed as failed:
                if not failed.retryable:
                    raise
                delay = failed.retry_after or _BACKOFF[min(next(failures), len(_BACKOFF) - 1)]
                log.warning("polling Telegram failed (%s); retrying in %s s", failed, delay)
                await self._sleep(stop, delay)
                continue
            if updates is None:
                break
            failures = itertools.count()
            if updates:
                offset = await self._handle_batch(updates, stop)
        if offset is not None:
            await self._confirm(offset)

    async def _handle_batch(self, updates: tuple[Update, ...], stop: asyncio.Event) -> int:
        """Handle a batch, retrying what failed (the database may be back); return the offset to confirm."""
        left: list[Update] = list(updates)
        for delay in _RETRY_BATCH:
            left = await self.process_batch(left)
            if not left or stop.is_set():
                break
            log.warning("%d update(s) failed; retrying in %s s", len(left), delay)
            await self._sleep(stop, delay)
        else:
            left = await self.process_batch(left)
            if left:
                # Most likely a bug this update triggers every time: skip it rather than stall everyone.
                log.error("giving up on update(s) %s", ", ".join(str(update.update_id) for update in left))
                return updates[-1].update_id + 1
        if left:  # stopping: leave them unconfirmed, for the next start
            return left[0].update_id
        return updates[-1].update_id + 1

    async def _confirm(self, offset: int) -> None:
        """Tell Telegram the last batch was handled, so a restart does not fetch it again."""
        try:
            await self._outlet.updates(offset, ALLOWED_UPDATES, wait=0)
        except SendFailed as failed:
            log.warning("could not confirm handled updates (they will be redelivered and skipped): %s", failed)

    async def _in_order(self, updates: list[Update]) -> list[Update]:
        async with self._slots:
            for position, update in enumerate(updates):
                try:
                    await self.process(update)
                except Exception:
                    # Its transaction rolled back; logged by id only (the text is personal data). Other
                    # people's updates go on; this person's wait, to stay in order.
                    log.exception("update %s could not be handled", update.update_id)
                    return updates[position:]
        return []

    async def _process(self, incoming: TelegramUpdate) -> None:
        if incoming.callback_id is not None:
            await self._outlet.acknowledge(incoming.callback_id)
        if incoming.reachable is not None and incoming.chat_id is not None:
            await self._mark(incoming.chat_id, reachable=incoming.reachable)
            return
        inbound = incoming.inbound()
        if inbound is None:
            return
        replies = await self._handle(inbound)
        if not replies:
            return  # a redelivery: the first delivery answered it
        if incoming.pressed_message_id is not None and incoming.pressed_message_text and incoming.pressed_label:
            # The edit touches an older message, so it need not hold the new replies back.
            await asyncio.gather(
                self._outlet.show_pressed(inbound.chat_id, incoming.pressed_message_id,
                                          incoming.pressed_message_text, incoming.pressed_label),
                self._deliver(inbound, replies))
        else:
            await self._deliver(inbound, replies)
        # Roles change only at the end of a dialog step reached by a command or a press (joining, taking a
        # role), so typed answers, the bulk of the traffic, skip the menu check and its database read.
        if self._menus is not None and (inbound.choice is not None or (inbound.text or "").startswith("/")):
            await self._menus.refresh(inbound.user_id, inbound.chat_id)

    async def _deliver(self, inbound: Inbound, replies: list[Reply]) -> None:
        for reply in replies:
            try:
                await self._outlet.send(inbound.chat_id, reply)
            except SendFailed as failed:
                if failed.failure is SendFailure.BLOCKED:
                    await self._mark(inbound.chat_id, reachable=False)
                log.warning("reply to update %s not delivered: %s", inbound.update_id, failed)
                return

    async def _mark(self, chat_id: str, *, reachable: bool) -> None:
        async with self._sessions() as session, session.begin():
            await set_reachable(session, channel=CHANNEL, chat_id=chat_id, reachable=reachable)

    @staticmethod
    async def _until(stop: asyncio.Event, work: Awaitable[T]) -> T | None:
        """Await `work`, or give up on it (returning None) as soon as `stop` is set."""
        task = asyncio.ensure_future(work)
        stopper = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            stopper.cancel()
            return task.result()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return None

    @staticmethod
    async def _sleep(stop: asyncio.Event, seconds: float) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)


class _PersonLocks:
    """An `asyncio.Lock` per person, dropped from the table once nobody holds or awaits it."""

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
