"""The Zalo adapter behind `bot.channel.Channel`: a webhook when a public URL is configured, long polling
otherwise."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from bot.app import App
from bot.http import Webhook
from bot.zalo.api import CHANNEL, SECRET_HEADER, ZaloApi
from bot.zalo.channel import ZaloChannel
from bot.zalo.outlet import ZaloOutlet

__all__ = ["ZaloService"]

log = logging.getLogger(__name__)


class ZaloService:
    """Zalo for one `App`; raises ValueError for settings Zalo would refuse."""

    name = CHANNEL

    def __init__(self, app: App) -> None:
        settings = app.settings
        token = settings.zalo_bot_token.get_secret_value() if settings.zalo_bot_token else ""
        if not token:
            raise ValueError("ZALO_BOT_TOKEN is not set")
        self._secret = settings.zalo_webhook_secret.get_secret_value() if settings.zalo_webhook_secret else ""
        self._url = settings.zalo_webhook_url or ""
        if self._url and not 8 <= len(self._secret) <= 256:
            raise ValueError("ZALO_WEBHOOK_URL needs ZALO_WEBHOOK_SECRET of 8 to 256 characters")
        self._api = ZaloApi(token, base_url=settings.zalo_api_base_url)
        t = app.catalogs.get(None)
        self.outlet = ZaloOutlet(self._api, t=t)
        self._channel = ZaloChannel(self._api, self.outlet, app.engine.handle, sessions=app.sessions, t=t)

    async def open(self) -> None:
        """Nothing to check before the first call: Zalo's API has no `getMe`."""

    async def close(self) -> None:
        await self._api.close()

    def webhook(self) -> Webhook | None:
        if not self._url:
            return None
        return Webhook(path=urlsplit(self._url).path or "/", header=SECRET_HEADER, secret=self._secret,
                       receive=self._channel.receive)

    async def start(self) -> None:
        if self._url:
            await self._api.set_webhook(self._url, self._secret)
            log.warning("serving Zalo by webhook")

    async def poll(self, stop: asyncio.Event) -> None:
        log.warning("serving Zalo by long polling")
        await self._channel.poll(stop)
