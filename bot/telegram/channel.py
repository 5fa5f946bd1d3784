"""The Telegram channel: each update → `Inbound` → the dialog engine → one platform call per `Reply`.

Updates of one person are handled in order, different people concurrently. In polling mode an update is
confirmed to Telegram (the next `getUpdates` offset) only once it was handled, and the engine claims each update
id in the transaction of its effects, so a crash or a stop redelivers and nothing runs twice. An update the
database could not take waits in its person's line (`bot.inbox`) while the others go on, and is confirmed only
once handled, or dropped after `Patience.give_up_after` with its sender asked to send it again.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import TypeVar

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update

from bot.inbox import Inbox, Patience
from bot.outlet import keep_trying
from bot.telegram.commands import CommandMenus
from bot.telegram.outlet import TelegramOutlet
from bot.telegram.payload import ALLOWED_UPDATES, CHANNEL, TelegramUpdate
from conversations.i18n import Catalogs
from conversations.messages import Inbound, Reply
from conversations.outlet import SendFailed, SendFailure
from storage.reachability import set_reachable

__all__ = ["TelegramChannel"]

log = logging.getLogger(__name__)

Handler = Callable[[Inbound], Awaitable[list[Reply]]]
T = TypeVar("T")
_BACKOFF = (1, 2, 5, 10, 30)  # seconds between failed polls, the last one repeated
_REPOLL = 1.0  # seconds before polling again for others while some update is still being handled


class TelegramChannel:
    """Translate Telegram updates for the engine and deliver its replies.

    Args:
        catalogs: the texts of the busy notices (loaded from `locales/` when not given).
        patience: how long an update the database could not take is tried again (polling mode).
    """

    def __init__(
        self,
        *,
        outlet: TelegramOutlet,
        handle: Handler,
        sessions: async_sessionmaker[AsyncSession],
        menus: CommandMenus | None = None,
        concurrency: int = 4,
        catalogs: Catalogs | None = None,
        patience: Patience | None = None,
    ) -> None:
        self._outlet = outlet
        self._handle = handle
        self._sessions = sessions
        self._menus = menus
        self._concurrency = concurrency
        self._catalogs = catalogs or Catalogs()
        self._patience = patience
        self._locks = _PersonLocks()

    async def process(self, update: Update) -> None:
        """Handle one update completely (engine, replies, menu); a redelivered one changes nothing."""
        incoming = TelegramUpdate.parse(update)
        if incoming.user_id is None:
            return
        async with self._locks.hold(incoming.user_id):
            await self._process(incoming)

    async def poll(self, stop: asyncio.Event) -> None:
        """Long-poll until `stop` is set; updates are confirmed only once handled (or given up)."""
        if not await keep_trying(self._outlet.use_polling, stop=stop, what="switching Telegram to polling"):
            return
        inbox: Inbox[Update] = Inbox(
            handle=self.process, tell=self._tell, t=self._catalogs.get(None), name=_name, log=log,
            patience=self._patience, concurrency=self._concurrency)
        seen: int | None = None  # the newest update id put in the inbox
        failures = itertools.count()
        try:
            while not stop.is_set():
                if not inbox.empty.is_set():  # poll again once all is handled, or soon for other people
                    with suppress(TimeoutError):
                        await asyncio.wait_for(inbox.empty.wait(), _REPOLL)
                try:
                    updates = await self._until(stop, self._outlet.updates(_offset(inbox, seen), ALLOWED_UPDATES))
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
                for update in updates:
                    if seen is None or update.update_id > seen:  # not one still waiting in the inbox
                        seen = update.update_id
                        inbox.put(_person(update), update)
        finally:
            await inbox.close()  # what is left stays unconfirmed, for the next start
            offset = _offset(inbox, seen)
            if offset is not None:
                await self._confirm(offset)

    async def _tell(self, update: Update, notice: Reply) -> None:
        """Send a notice about `update` to its sender (only for updates the dialogs would have answered)."""
        inbound = TelegramUpdate.parse(update).inbound()
        if inbound is None:
            return
        try:
            await self._outlet.send(inbound.chat_id, notice)
        except SendFailed as failed:
            log.warning("notice about update %s not delivered: %s", update.update_id, failed)

    async def _confirm(self, offset: int) -> None:
        """Tell Telegram every update before `offset` was handled, so a restart does not fetch them again."""
        try:
            await self._outlet.updates(offset, ALLOWED_UPDATES, wait=0)
        except SendFailed as failed:
            log.warning("could not confirm handled updates (they will be redelivered and skipped): %s", failed)

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


def _person(update: Update) -> str:
    return TelegramUpdate.parse(update).user_id or f"#{update.update_id}"


def _name(update: Update) -> str:
    return f"update {update.update_id}"


def _offset(inbox: Inbox[Update], seen: int | None) -> int | None:
    """Return the offset that confirms every update handled so far and none still waiting."""
    waiting = [update.update_id for update in inbox.waiting]
    if waiting:
        return min(waiting)
    return seen + 1 if seen is not None else None
