"""Serve Telegram from the composition root's `App`: webhook mode when a public URL is configured,
long polling otherwise. Both run until `stop` is set; a Bot API unreachable at start is waited for."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from telegram import Update

from bot.app import App
from bot.inbox import Patience
from bot.outlet import START_BACKOFF, SendFailed, keep_trying
from bot.settings import Settings
from bot.telegram.channel import Handler, TelegramChannel
from bot.telegram.commands import CommandMenus
from bot.telegram.outlet import TelegramOutlet
from bot.telegram.payload import ALLOWED_UPDATES, TelegramUpdate
from bot.telegram.ratelimit import FloodLimits
from bot.telegram.webhook import MalformedUpdate, WebhookServer
from conversations.messages import Inbound, Reply
from storage.db import is_sqlite

__all__ = ["TelegramService", "channel_for", "engine_handler", "serve_telegram"]

log = logging.getLogger(__name__)


async def serve_telegram(app: App, stop: asyncio.Event) -> int:
    """Serve Telegram until `stop` is set; return the exit code (1 when Telegram refuses to serve)."""
    try:
        await TelegramService(app).run(stop)
    except SendFailed as failed:
        log.error("Telegram could not be served: %s", failed)
        return 1
    return 0


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


def channel_for(app: App, outlet: TelegramOutlet, *, concurrency: int = 4, patience: Patience | None = None
                ) -> tuple[TelegramChannel, CommandMenus]:
    """Wire the channel and its command menus to the app."""
    menus = CommandMenus(outlet=outlet, commands=app.engine.commands, catalogs=app.catalogs, sessions=app.sessions)
    channel = TelegramChannel(outlet=outlet, handle=engine_handler(app), sessions=app.sessions,
                              menus=menus, concurrency=concurrency, catalogs=app.catalogs, patience=patience)
    return channel, menus


class TelegramService:
    """Telegram for one `App`: outlet, channel and command menus, by polling or behind a webhook.

    Args:
        patience: how long an update the database could not take is tried again (polling mode).
        backoff: seconds between start-up calls that failed retryably (the Bot API unreachable).
    """

    def __init__(self, app: App, settings: Settings | None = None, *, limits: FloodLimits | None = None,
                 poll_timeout: float = 30, patience: Patience | None = None,
                 backoff: Sequence[float] = START_BACKOFF) -> None:
        self._app = app
        self._settings = settings or app.settings
        self._patience = patience
        self._backoff = backoff
        token = self._settings.telegram_bot_token
        if token is None or not token.get_secret_value():
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        secret = self._settings.telegram_webhook_secret
        self._secret = secret.get_secret_value() if secret is not None else ""
        if self._settings.telegram_webhook_url and not self._secret:
            raise ValueError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET (1-256 of A-Z a-z 0-9 _ -)")
        self.outlet = TelegramOutlet(
            token=token.get_secret_value(), base_url=self._settings.telegram_api_base_url,
            limits=limits if limits is not None else FloodLimits(), secrets=(self._secret,),
            poll_timeout=poll_timeout,
        )
        self.port: int | None = None  # the webhook server's, once listening

    async def run(self, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
        """Connect, publish the command menus, then serve until `stop` is set.

        While the Bot API cannot be reached, each start-up call is logged and tried again (`backoff`); a
        refusal that retrying cannot change (an invalid token) raises `SendFailed`.
        """
        if not await self._keep_trying(self.outlet.open, "reaching the Telegram Bot API", stop):
            return
        try:
            channel, menus = channel_for(self._app, self.outlet, patience=self._patience)
            if not await self._keep_trying(menus.publish, "publishing the Telegram command menus", stop):
                return
            if self._settings.telegram_webhook_url:
                await self._webhook(channel, stop, ready)
            else:
                _set(ready)
                log.warning("serving Telegram by long polling")
                await channel.poll(stop)
        finally:
            await self.outlet.close()

    async def _keep_trying(self, call: Callable[[], Any], what: str, stop: asyncio.Event) -> bool:
        return await keep_trying(call, stop=stop, what=what, backoff=self._backoff)

    async def _webhook(self, channel: TelegramChannel, stop: asyncio.Event, ready: asyncio.Event | None) -> None:
        url = self._settings.telegram_webhook_url or ""
        server = WebhookServer(
            path=urlsplit(url).path or "/", secret=self._secret, process=_parser(channel, self.outlet),
            listen=self._settings.telegram_webhook_listen, port=self._settings.telegram_webhook_port,
        )
        self.port = await server.start()
        try:
            if not await self._keep_trying(lambda: self.outlet.use_webhook(url, self._secret, ALLOWED_UPDATES),
                                           "setting the Telegram webhook", stop):
                return
            log.warning("serving Telegram by webhook on port %s", self.port)
            _set(ready)
            await stop.wait()
        finally:
            await server.stop()


def _parser(channel: TelegramChannel, outlet: TelegramOutlet) -> Callable[[dict[str, Any]], Any]:
    async def process(data: dict[str, Any]) -> None:
        try:
            update = Update.de_json(data, outlet.bot)
            TelegramUpdate.parse(update).inbound()
        except Exception as error:  # python-telegram-bot raises KeyError, AttributeError … for a wrong shape
            raise MalformedUpdate(str(data.get("update_id"))) from error
        await channel.process(update)

    return process


def _set(event: asyncio.Event | None) -> None:
    if event is not None:
        event.set()
