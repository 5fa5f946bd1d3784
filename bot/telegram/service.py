"""The Telegram adapter behind `bot.channel.Channel`: one `TelegramOutlet` (the process's only Telegram client,
for replies and pushes alike), a webhook when a public URL is configured, long polling otherwise.

Only translation and Telegram's protocol live here: an `Update` → `Event` (`bot.telegram.payload`), a pressed
button answered and marked as pressed, `getUpdates` offsets, the secret header. Handling, ordering, retry,
reachability and which menu a chat gets are `bot.dispatch`'s and `bot.menus`'.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Update

from bot.channel import Event, MenuCommand, NotAnUpdate, WebhookAddress
from bot.outlet import FileLinker, unless_stopped
from bot.settings import Settings
from bot.telegram.outlet import TelegramOutlet
from bot.telegram.payload import ALLOWED_UPDATES, CHANNEL, TelegramUpdate
from bot.telegram.ratelimit import FloodLimits
from conversations.i18n import Translator

__all__ = ["SECRET_HEADER", "TelegramService"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_DESCRIPTION_LIMIT = 256  # characters of a menu entry's description


class TelegramService:
    """Telegram as configured in `settings`; raises ValueError for settings Telegram would refuse.

    Args:
        limits: the flood limits of the one client; None sends as fast as the server answers (a sender alone,
            which paces itself).
        poll_timeout: seconds a `getUpdates` long poll may wait for updates.
        files: where a file over the Bot API's upload limit is put to be fetched by link.
        t: the texts that say a file went by link, or could not be sent.
    """

    name = CHANNEL

    def __init__(self, settings: Settings, *, limits: FloodLimits | None = None, poll_timeout: float = 30,
                 files: FileLinker | None = None, t: Translator | None = None) -> None:
        token = settings.telegram_bot_token
        if token is None or not token.get_secret_value():
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        secret = settings.telegram_webhook_secret
        self._secret = secret.get_secret_value() if secret is not None else ""
        self._url = settings.telegram_webhook_url or ""
        if self._url and not self._secret:
            raise ValueError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET (1-256 of A-Z a-z 0-9 _ -)")
        self.outlet = TelegramOutlet(
            token=token.get_secret_value(), base_url=settings.telegram_api_base_url, limits=limits,
            secrets=(self._secret,), poll_timeout=poll_timeout, files=files, t=t,
        )
        self._polling = False  # getUpdates answers 409 while a webhook is set

    async def open(self) -> None:
        await self.outlet.open()

    async def close(self) -> None:
        await self.outlet.close()

    def webhook(self) -> WebhookAddress | None:
        return WebhookAddress.of(self._url, header=SECRET_HEADER, secret=self._secret)

    async def start(self) -> None:
        if self._url:
            await self.outlet.use_webhook(self._url, self._secret, ALLOWED_UPDATES)
            log.warning("serving Telegram by webhook")
        else:
            log.warning("serving Telegram by long polling")

    def decode(self, body: dict[str, Any]) -> Update:
        update_id = body.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise NotAnUpdate("no update_id")
        try:
            update = Update.de_json(body, self.outlet.bot)
            TelegramUpdate.parse(update).inbound()
        except Exception:  # python-telegram-bot raises KeyError, AttributeError … for a wrong shape
            raise NotAnUpdate(f"update_id {update_id}") from None
        return update

    def parse(self, update: Update) -> Event | None:
        return TelegramUpdate.parse(update).event()

    async def acknowledge(self, update: Update) -> None:
        if update.callback_query is not None:
            await self.outlet.acknowledge(update.callback_query.id)

    async def answered(self, update: Update) -> None:
        pressed = TelegramUpdate.parse(update)
        if pressed.chat_id and pressed.pressed_message_id is not None and pressed.pressed_message_text \
                and pressed.pressed_label:
            await self.outlet.show_pressed(pressed.chat_id, pressed.pressed_message_id,
                                           pressed.pressed_message_text, pressed.pressed_label)

    async def fetch(
        self, offset: int | None, stop: asyncio.Event, *, newer_than: int | None = None
    ) -> Sequence[Update]:
        """Long-poll; unconfirmed updates stay Telegram's, so a stop cuts the poll short. Telegram sends the
        updates still being handled again (the offset confirms none of them): only the newer ones are decoded."""
        if not self._polling:
            await unless_stopped(self.outlet.use_polling(), stop)
            if stop.is_set():
                return ()
            self._polling = True
        return await unless_stopped(self.outlet.updates(offset, ALLOWED_UPDATES, newer_than=newer_than), stop) or ()

    def position(self, update: Update) -> int:
        return update.update_id

    async def confirm(self, offset: int) -> None:
        await self.outlet.confirm(offset)

    async def publish_menu(
        self, chat_id: str | None, commands: Sequence[MenuCommand], *, language: str | None = None
    ) -> None:
        entries = [BotCommand(command.name, command.description[:_DESCRIPTION_LIMIT]) for command in commands]
        scope = BotCommandScopeChat(int(chat_id)) if chat_id is not None else None
        await self.outlet.set_commands(entries, scope=scope, language=language)
