"""The Zalo adapter behind `bot.channel.Channel` (Zalo Bot Platform API): a webhook when a public URL is
configured, long polling otherwise. Text only, so choices go out as numbered lists (`bot.zalo.outlet`).

The message id is the update id, so a webhook delivered twice is acknowledged and ignored by the engine. Zalo's
getUpdates has no redelivery and no offset: a polled message is ours alone once fetched, so a fetch in flight is
never cut short.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from bot.channel import Event, NotAnUpdate, WebhookAddress
from bot.settings import Settings
from bot.web.files import FileLinks
from bot.zalo.api import CHANNEL, SECRET_HEADER, ZaloApi, parse_update
from bot.zalo.outlet import ZaloOutlet
from conversations.i18n import Translator
from conversations.messages import Inbound

__all__ = ["ZaloService"]

log = logging.getLogger(__name__)

Update = dict[str, Any]  # one getUpdates result or webhook body, without the `{"ok", "result"}` envelope


class ZaloService:
    """Zalo through `api`; `t` words what the outlet adds to a reply (the number to answer, attachments)."""

    name = CHANNEL

    def __init__(self, api: ZaloApi, *, t: Translator, webhook_url: str = "", secret: str = "",
                 files: FileLinks | None = None) -> None:
        _check_webhook(webhook_url, secret)
        self._api, self._url, self._secret = api, webhook_url, secret
        self.outlet = ZaloOutlet(api, t=t, files=files)
        self._polling = False  # getUpdates answers nothing while a webhook is set

    @classmethod
    def configured(cls, settings: Settings, *, t: Translator, files: FileLinks | None = None) -> ZaloService:
        """Return Zalo as `settings` describe it, sending attachments by `files` links when given; raise
        ValueError for settings Zalo would refuse."""
        token = settings.zalo_bot_token.get_secret_value() if settings.zalo_bot_token else ""
        if not token:
            raise ValueError("ZALO_BOT_TOKEN is not set")
        secret = settings.zalo_webhook_secret.get_secret_value() if settings.zalo_webhook_secret else ""
        url = settings.zalo_webhook_url or ""
        _check_webhook(url, secret)  # before a client is made, which would need closing
        return cls(ZaloApi(token, base_url=settings.zalo_api_base_url), t=t, webhook_url=url, secret=secret,
                   files=files)

    async def open(self) -> None:
        """Nothing to check before the first call: Zalo's API has no `getMe`."""

    async def close(self) -> None:
        await self._api.close()

    def webhook(self) -> WebhookAddress | None:
        return WebhookAddress.of(self._url, header=SECRET_HEADER, secret=self._secret)

    async def start(self) -> None:
        if self._url:
            await self._api.set_webhook(self._url, self._secret)
            log.warning("serving Zalo by webhook")
        else:
            log.warning("serving Zalo by long polling")

    def decode(self, body: dict[str, Any]) -> Update | None:
        """Return the update in `body`; None for an event that is not a message (acknowledged, ignored)."""
        update = body.get("result", body)
        if parse_update(body) is None:
            if not isinstance(update, dict) or "message" in update:
                raise NotAnUpdate("a message without its sender or id")
            return None
        return update

    def parse(self, update: Update) -> Event | None:
        message = parse_update(update)
        if message is None:
            return None
        # A sticker or an image carries no text: it still gets an answer (the dialog re-asks), not silence.
        return Inbound(channel=CHANNEL, user_id=message.user_id, chat_id=message.chat_id,
                       update_id=message.message_id, text=message.text or "", display_name=message.display_name)

    async def acknowledge(self, update: Update) -> None:
        """Nothing to acknowledge on Zalo."""

    async def answered(self, update: Update) -> None:
        """Nothing to follow up on Zalo."""

    async def fetch(
        self, offset: int | None, stop: asyncio.Event, *, newer_than: int | None = None
    ) -> Sequence[Update]:
        """Long-poll for the next update (Zalo has no offsets); a stop lets the poll in flight finish (up to its
        30 s): cutting it short could lose a message Zalo has already handed over."""
        if not self._polling:
            await self._api.delete_webhook()
            self._polling = True
        update = await self._api.get_update()
        return [update] if isinstance(update, dict) else []

    def position(self, update: Update) -> None:
        return None

    async def confirm(self, offset: int) -> None:
        """Nothing to confirm: fetching took the update."""


def _check_webhook(url: str, secret: str) -> None:
    if url and not 8 <= len(secret) <= 256:
        raise ValueError("ZALO_WEBHOOK_URL needs ZALO_WEBHOOK_SECRET of 8 to 256 characters")
