"""Serve Telegram from the composition root's `App`: webhook mode when a public URL is configured,
long polling otherwise. Both run until `stop` is set."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from telegram import Update

from bot.app import App
from bot.outlet import SendFailed
from bot.settings import Settings
from bot.telegram.channel import Handler, TelegramChannel
from bot.telegram.commands import CommandMenus
from bot.telegram.outlet import TelegramOutlet
from bot.telegram.payload import ALLOWED_UPDATES
from bot.telegram.ratelimit import FloodLimits
from bot.telegram.webhook import MalformedUpdate, WebhookServer
from conversations.messages import Inbound, Reply
from storage.db import is_sqlite

__all__ = ["TelegramService", "channel_for", "engine_handler", "serve_telegram"]

log = logging.getLogger(__name__)


async def serve_telegram(app: App) -> int:
    """Serve Telegram until SIGINT/SIGTERM; return the exit code (1 when Telegram refuses to start)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await TelegramService(app).run(stop)
    except SendFailed as failed:
        log.error("Telegram could not be served: %s", failed)
        return 1
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
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


def channel_for(app: App, outlet: TelegramOutlet, *, concurrency: int = 4) -> tuple[TelegramChannel, CommandMenus]:
    """Wire the channel and its command menus to the app."""
    menus = CommandMenus(outlet=outlet, commands=app.engine.commands, catalogs=app.catalogs, sessions=app.sessions)
    channel = TelegramChannel(outlet=outlet, handle=engine_handler(app), sessions=app.sessions,
                              menus=menus, concurrency=concurrency)
    return channel, menus


class TelegramService:
    """Telegram for one `App`: outlet, channel and command menus, by polling or behind a webhook."""

    def __init__(self, app: App, settings: Settings | None = None, *, limits: FloodLimits | None = None,
                 poll_timeout: float = 30) -> None:
        self._app = app
        self._settings = settings or app.settings
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
        """Connect, publish the command menus, then serve until `stop` is set."""
        async with self.outlet:
            channel, menus = channel_for(self._app, self.outlet)
            await menus.publish()
            if self._settings.telegram_webhook_url:
                await self._webhook(channel, stop, ready)
            else:
                _set(ready)
                log.warning("serving Telegram by long polling")
                await channel.poll(stop)

    async def _webhook(self, channel: TelegramChannel, stop: asyncio.Event, ready: asyncio.Event | None) -> None:
        url = self._settings.telegram_webhook_url or ""
        server = WebhookServer(
            path=urlsplit(url).path or "/", secret=self._secret, process=_parser(channel, self.outlet),
            listen=self._settings.telegram_webhook_listen, port=self._settings.telegram_webhook_port,
        )
        self.port = await server.start()
        try:
            await self.outlet.use_webhook(url, self._secret, ALLOWED_UPDATES)
            log.warning("serving Telegram by webhook on port %s", self.port)
            _set(ready)
            await stop.wait()
        finally:
            await server.stop()


def _parser(channel: TelegramChannel, outlet: TelegramOutlet) -> Callable[[dict[str, Any]], Any]:
    async def process(data: dict[str, Any]) -> None:
        try:
            update = Update.de_json(data, outlet.bot)
        except (KeyError, TypeError, ValueError) as error:
            raise MalformedUpdate(str(data.get("update_id"))) from error
        await channel.process(update)

    return process


def _set(event: asyncio.Event | None) -> None:
    if event is not None:
        event.set()
