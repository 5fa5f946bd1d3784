"""Zalo in: long polling or a webhook, each message → `Inbound` → engine → replies out through `ZaloOutlet`.

The message id is the update id, so a webhook delivered twice is acknowledged and ignored by the engine."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from bot.outlet import SendFailed
from bot.zalo.api import ZaloApi, ZaloMessage, parse_update
from bot.zalo.outlet import ZaloOutlet
from conversations.messages import Inbound, Reply

__all__ = ["ZaloChannel"]

log = logging.getLogger(__name__)

CHANNEL = "zalo"
SECRET_HEADER = "X-Bot-Api-Secret-Token"


class ZaloChannel:
    """Feed Zalo messages to `handle` and send back what it returns."""

    def __init__(self, api: ZaloApi, outlet: ZaloOutlet, handle: Callable[[Inbound], Awaitable[list[Reply]]]) -> None:
        self._api = api
        self._outlet = outlet
        self._handle = handle

    async def process(self, message: ZaloMessage) -> None:
        """Handle one message and deliver the replies; a failed send is logged, never raised to the platform."""
        inbound = Inbound(channel=CHANNEL, user_id=message.user_id, chat_id=message.chat_id,
                          update_id=message.message_id, text=message.text or "", display_name=message.display_name)
        for reply in await self._handle(inbound):
            try:
                await self._outlet.send(message.chat_id, reply)
            except SendFailed as failed:
                log.warning("zalo reply to a chat failed: %s", failed)
                return

    async def webhook(self, headers: dict[str, str], body: bytes, *, secret: str) -> int:
        """Answer one webhook request: 403 for a wrong secret, 200 otherwise (also for what we ignore)."""
        given = next((value for key, value in headers.items() if key.lower() == SECRET_HEADER.lower()), "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return 403
        try:
            message = parse_update(json.loads(body))
        except ValueError:
            return 400
        if message is not None:
            await self.process(message)
        return 200

    async def poll(self, stop: asyncio.Event, *, backoff: float = 1.0) -> None:
        """Long-poll until `stop` is set, waiting longer after each failed poll (up to a minute)."""
        delay, polling = backoff, False
        while not stop.is_set():
            try:
                if not polling:  # getUpdates answers nothing while a webhook is set
                    await self._api.delete_webhook()
                    polling = True
                message = await self._api.get_update()
            except SendFailed as failed:
                log.warning("zalo getUpdates failed, retrying in %.0fs: %s", delay, failed)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
                continue
            delay = backoff
            if message is None:
                continue
            try:
                await self.process(message)
            except Exception:
                # The database is away (the engine answers everything else itself). Polling goes on; this
                # message was taken off Zalo's queue and is lost, as getUpdates has no redelivery.
                log.exception("zalo message %s could not be handled", message.message_id)
