"""The Telegram adapter behind `bot.channel.Channel`: one `TelegramOutlet` (the process's only Telegram client,
for replies and pushes alike), a webhook when a public URL is configured, long polling otherwise.

Answering a webhook only after the update is handled means a crash makes Telegram deliver it again; the engine's
update-id claim turns that redelivery into a no-op that is still acknowledged with 200. A body that is not an
update is answered 400, so Telegram does not deliver it again forever.
"""

from __future__ import annotations

import asyncio
import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from telegram import Update

from bot.app import App
from bot.http import Webhook
from bot.inbox import Patience
from bot.settings import Settings
from bot.telegram.channel import Handler, TelegramChannel
from bot.telegram.commands import CommandMenus
from bot.telegram.outlet import TelegramOutlet
from bot.telegram.payload import ALLOWED_UPDATES, CHANNEL, TelegramUpdate
from bot.telegram.ratelimit import FloodLimits
from conversations.messages import Inbound, Reply
from storage.db import is_sqlite

__all__ = ["SECRET_HEADER", "TelegramService", "engine_handler"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def engine_handler(app: App) -> Handler:
    """Return the engine's `handle`; on SQLite, one update's transaction at a time in this process.

    SQLite has a single writer anyway, and waiting on an asyncio lock is much cheaper than SQLite's busy
    handler, which sleeps up to 100 ms between retries. On PostgreSQL updates run truly at once.
    """
    handle: Handler = app.engine.handle
    if not is_sqlite(app.settings.database_url):
        return handle
    lock = asyncio.Lock()

    async def one_at_a_time(inbound: Inbound) -> list[Reply]:
        async with lock:
            return await handle(inbound)

    return one_at_a_time


class TelegramService:
    """Telegram for one `App`.

    Args:
        limits: the flood limits of the one client; None sends as fast as the server answers (a sender alone,
            which paces itself).
        patience: how long an update the database could not take is tried again (polling mode).
    """

    name = CHANNEL

    def __init__(self, app: App, settings: Settings | None = None, *, limits: FloodLimits | None = None,
                 poll_timeout: float = 30, patience: Patience | None = None) -> None:
        self._app = app
        self._settings = settings or app.settings
        self._patience = patience
        token = self._settings.telegram_bot_token
        if token is None or not token.get_secret_value():
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        secret = self._settings.telegram_webhook_secret
        self._secret = secret.get_secret_value() if secret is not None else ""
        self._url = self._settings.telegram_webhook_url or ""
        if self._url and not self._secret:
            raise ValueError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET (1-256 of A-Z a-z 0-9 _ -)")
        self.outlet = TelegramOutlet(
            token=token.get_secret_value(), base_url=self._settings.telegram_api_base_url, limits=limits,
            secrets=(self._secret,), poll_timeout=poll_timeout,
        )
        self._menus = CommandMenus(outlet=self.outlet, commands=app.engine.commands, catalogs=app.catalogs,
                                   sessions=app.sessions)
        self._channel = TelegramChannel(outlet=self.outlet, handle=engine_handler(app), sessions=app.sessions,
                                        menus=self._menus, catalogs=app.catalogs, patience=patience)

    async def open(self) -> None:
        await self.outlet.open()

    async def close(self) -> None:
        await self.outlet.close()

    def webhook(self) -> Webhook | None:
        if not self._url:
            return None
        return Webhook(path=urlsplit(self._url).path or "/", header=SECRET_HEADER, secret=self._secret,
                       receive=self.receive)

    async def start(self) -> None:
        await self._menus.publish()
        if self._url:
            await self.outlet.use_webhook(self._url, self._secret, ALLOWED_UPDATES)
            log.warning("serving Telegram by webhook")

    async def poll(self, stop: asyncio.Event) -> None:
        log.warning("serving Telegram by long polling")
        await self._channel.poll(stop)

    async def receive(self, data: dict[str, Any]) -> HTTPStatus:
        """Handle one authenticated webhook body; 400 for one that is not a Telegram update."""
        update_id = data.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return HTTPStatus.BAD_REQUEST
        try:
            update = Update.de_json(data, self.outlet.bot)
            TelegramUpdate.parse(update).inbound()
        except Exception:  # python-telegram-bot raises KeyError, AttributeError … for a wrong shape
            log.warning("webhook body is not a Telegram update (update_id %s)", update_id)
            return HTTPStatus.BAD_REQUEST
        await self._channel.process(update)
        return HTTPStatus.OK
