"""Zalo in: long polling or a webhook, each message → `Inbound` → engine → replies out through `ZaloOutlet`.

The message id is the update id, so a webhook delivered twice is acknowledged and ignored by the engine. Zalo's
getUpdates has no redelivery: a polled message is ours alone, so one the database could not take waits in its
person's line (`bot.inbox`) while the others go on, and its sender is told that it will be handled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from http import HTTPStatus
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.inbox import Inbox, Patience
from bot.zalo.api import CHANNEL, ZaloApi, ZaloMessage, parse_update
from bot.zalo.outlet import ZaloOutlet
from conversations.i18n import Translator
from conversations.messages import Inbound, Reply
from conversations.outlet import SendFailed, SendFailure
from storage.reachability import set_reachable

__all__ = ["ZaloChannel"]

log = logging.getLogger(__name__)



class ZaloChannel:
    """Feed Zalo messages to `handle` and send back what it returns.

    Args:
        t: the texts of the busy notices (the default locale: the person's own is in the database).
        patience: how long a polled message the database could not take is tried again.
    """

    def __init__(
        self,
        api: ZaloApi,
        outlet: ZaloOutlet,
        handle: Callable[[Inbound], Awaitable[list[Reply]]],
        *,
        sessions: async_sessionmaker[AsyncSession],
        t: Translator,
        patience: Patience | None = None,
        concurrency: int = 4,
    ) -> None:
        self._api = api
        self._outlet = outlet
        self._handle = handle
        self._sessions = sessions
        self._t = t
        self._patience = patience
        self._concurrency = concurrency

    async def process(self, message: ZaloMessage) -> None:
        """Handle one message and deliver the replies; a failed send is logged, never raised to the platform."""
        inbound = Inbound(channel=CHANNEL, user_id=message.user_id, chat_id=message.chat_id,
                          update_id=message.message_id, text=message.text or "", display_name=message.display_name)
        for reply in await self._handle(inbound):
            try:
                await self._outlet.send(message.chat_id, reply)
            except SendFailed as failed:
                if failed.failure is SendFailure.BLOCKED:
                    async with self._sessions() as session, session.begin():
                        await set_reachable(session, channel=CHANNEL, chat_id=message.chat_id, reachable=False)
                log.warning("zalo reply to a chat failed: %s", failed)
                return

    async def receive(self, data: dict[str, Any]) -> HTTPStatus:
        """Answer one authenticated webhook body: 400 for a message we cannot read, else 200 once handled (also
        for events that are not messages, which are ignored)."""
        update = data.get("result", data)
        message = parse_update(data)
        if message is None:
            malformed = not isinstance(update, dict) or "message" in update
            return HTTPStatus.BAD_REQUEST if malformed else HTTPStatus.OK
        await self.process(message)
        return HTTPStatus.OK

    async def poll(self, stop: asyncio.Event, *, backoff: float = 1.0) -> None:
        """Long-poll until `stop` is set, waiting longer after each failed poll (up to a minute).

        A stop lets the poll in flight finish (up to its 30 s): cutting it short could lose a message Zalo has
        already handed over.
        """
        inbox: Inbox[ZaloMessage] = Inbox(
            handle=self.process, tell=self._tell, t=self._t, name=_name, log=log, patience=self._patience,
            concurrency=self._concurrency)
        delay, polling = backoff, False
        try:
            while not stop.is_set():
                try:
                    if not polling:  # getUpdates answers nothing while a webhook is set
                        await self._api.delete_webhook()
                        polling = True
                    message = await self._api.get_update()
                except SendFailed as failed:
                    log.warning("zalo getUpdates failed, retrying in %.0fs: %s", delay, failed)
                    with suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), delay)
                    delay = min(delay * 2, 60.0)
                    continue
                delay = backoff
                if message is not None:
                    inbox.put(message.user_id, message)
        finally:
            left = await inbox.close()
            if left:  # taken off Zalo's queue, which will not deliver them again
                log.error("stopping with zalo message(s) %s not handled", ", ".join(m.message_id for m in left))

    async def _tell(self, message: ZaloMessage, notice: Reply) -> None:
        try:
            await self._outlet.send(message.chat_id, notice)
        except SendFailed as failed:
            log.warning("notice about zalo message %s not delivered: %s", message.message_id, failed)


def _name(message: ZaloMessage) -> str:
    return f"zalo message {message.message_id}"

