"""`TelegramOutlet`: deliver `Reply`s to Telegram chats through python-telegram-bot, within the flood limits,
raising only `SendFailed`. Both the live channel (replies) and the outbox sender (pushes) use it.

    async with TelegramOutlet(token="123:ABC…", base_url="http://127.0.0.1:8081/bot") as outlet:
        await outlet.send("123456789", Reply("Xin chào"))
"""

from __future__ import annotations

import logging
import os
from contextlib import ExitStack
from types import TracebackType
from typing import Any, Self

from telegram import BotCommand, BotCommandScope, InputFile, Update
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.outlet import FileLinker, fitted
from bot.telegram import render
from bot.telegram.errors import mapped_errors
from bot.telegram.payload import CHANNEL
from bot.telegram.ratelimit import FloodLimiter, FloodLimits
from bot.telegram.redact import Redactor, redacted_logs
from bot.text_render import numbered
from conversations.i18n import Catalogs, Translator
from conversations.messages import Reply
from conversations.outlet import SendFailed

__all__ = ["DEFAULT_BASE_URL", "TelegramOutlet"]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
_PRESSED_MARK = "→"


class TelegramOutlet:
    """One Bot API client: sends replies, answers button presses, polls, and manages webhook and menus.

    Args:
        token: the bot token from @BotFather; it never appears in logs or errors while the outlet is open.
        base_url: any Bot API-compatible server, in python-telegram-bot's form (`…/bot`, token appended).
        limits: flood limits to keep; None sends as fast as the server answers (only for a local fake).
        secrets: further strings to keep out of the logs (the webhook secret).
        poll_timeout: seconds a `getUpdates` long poll may wait for updates.
        files: where a file over the Bot API's upload limit is put to be fetched by link (None: no public web
            address, the reply then says so).
        t: the texts that say so (the default locale's, when not given).
    """

    channel = CHANNEL

    def __init__(
        self,
        *,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        limits: FloodLimits | None = None,
        secrets: tuple[str, ...] = (),
        poll_timeout: float = 30,
        connections: int = 64,
        files: FileLinker | None = None,
        t: Translator | None = None,
    ) -> None:
        if not token:
            raise ValueError("a Telegram bot token is required")
        self._token = token
        self._base_url = base_url
        self._limits = limits
        self._poll_timeout = poll_timeout
        self._read_timeout = poll_timeout + 10  # a long poll answers within its timeout: this, on top, is slack
        self._connections = connections
        self._files = files
        self._t = t if t is not None else Catalogs().get(None)
        self.redact = Redactor(token, *secrets)
        self._bot: ExtBot[Any] | None = None
        self._exit = ExitStack()

    @property
    def bot(self) -> ExtBot[Any]:
        if self._bot is None:
            raise RuntimeError("open the outlet first: `async with TelegramOutlet(...)`")
        return self._bot

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def open(self) -> None:
        """Start redacting logs, then connect and check the token with `getMe` (raises `SendFailed`)."""
        # Time periods as timedelta, python-telegram-bot's next-major behaviour; without this opt-in every
        # 429 it parses emits a deprecation warning.
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self._exit.enter_context(redacted_logs(self.redact))
        try:
            self._bot = ExtBot(
                self._token,
                base_url=self._base_url,
                request=HTTPXRequest(connection_pool_size=self._connections, pool_timeout=10),
                get_updates_request=HTTPXRequest(
                    connection_pool_size=1, read_timeout=self._read_timeout, pool_timeout=10),
                rate_limiter=FloodLimiter(self._limits) if self._limits is not None else None,
            )
            async with mapped_errors(self.redact):
                await self._bot.initialize()
        except BaseException:
            await self.close()  # `async with` does not call __aexit__ when __aenter__ fails
            raise

    async def close(self) -> None:
        """Release the HTTP connections and stop redacting (after the last log line that may need it)."""
        try:
            if self._bot is not None:
                bot, self._bot = self._bot, None
                async with mapped_errors(self.redact):
                    await bot.shutdown()
        finally:
            self._exit.close()

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Deliver `reply`: its text (split if long), its choices as buttons, its attachment as a file, or as a
        signed link when it is over the Bot API's upload limit."""
        reply = await fitted(reply, render.FILE_RULE, files=self._files, t=self._t)
        markup = render.inline_keyboard(reply.choices)
        text = reply.text if markup is not None or not reply.choices else numbered(reply)
        attachment = reply.attachment
        caption = text if attachment is not None and render.telegram_length(text) <= render.CAPTION_LIMIT else None
        chunks = [] if caption is not None else render.split_text(text)
        async with mapped_errors(self.redact):
            for index, chunk in enumerate(chunks):
                last = index == len(chunks) - 1 and attachment is None
                await self._call("sendMessage", {"chat_id": chat_id, "text": chunk,
                                                 "reply_markup": markup if last else None})
            if attachment is not None:
                upload = InputFile(attachment.content, filename=attachment.filename)
                if render.is_photo(attachment):
                    await self.bot.send_photo(chat_id, upload, caption=caption, reply_markup=markup)
                else:
                    await self.bot.send_document(chat_id, upload, caption=caption, reply_markup=markup)

    async def _call(self, method: str, data: dict[str, Any]) -> None:
        """Call Bot API `method` without decoding the Message Telegram returns: nothing here reads it, and PTB's
        `Message.de_json` is a third of the echo bot's CPU per update (bench/telegram_throughput.py). `_post` is
        the call every `Bot` method makes: defaults, the rate limiter and errors are the same."""
        await self.bot._post(method, data)

    async def acknowledge(self, callback_query_id: str) -> None:
        """Answer a button press so the client stops its spinner; a press too old to answer is fine."""
        try:
            async with mapped_errors(self.redact):
                await self.bot.answer_callback_query(callback_query_id)
        except SendFailed as failed:
            log.debug("callback query not answered: %s", failed)

    async def show_pressed(self, chat_id: str, message_id: int, text: str, label: str) -> None:
        """Replace the keyboard under a message by the label that was pressed, so it cannot be pressed twice."""
        edited = f"{text}\n\n{_PRESSED_MARK} {label}"
        if render.telegram_length(edited) > render.TEXT_LIMIT:
            edited = text
        try:
            async with mapped_errors(self.redact):
                await self._call("editMessageText", {"chat_id": chat_id, "message_id": message_id, "text": edited})
        except SendFailed as failed:
            log.debug("pressed button not shown: %s", failed)

    async def updates(
        self, offset: int | None, allowed: tuple[str, ...], *, newer_than: int | None = None
    ) -> tuple[Update, ...]:
        """Long-poll for updates from `offset` on, which confirms every earlier one to Telegram, and decode those
        after `newer_than`. `getUpdates` through `_post`, as `Bot.get_updates` calls it, because that decodes
        every update: the ones sent again while still being handled cost the dispatcher a decoding each."""
        data = {"offset": offset, "timeout": self._poll_timeout, "allowed_updates": list(allowed)}
        async with mapped_errors(self.redact):
            found = await self.bot._post("getUpdates", data, read_timeout=self._read_timeout + self._poll_timeout)
            return tuple(Update.de_json(raw, self.bot) for raw in found
                         if newer_than is None or raw["update_id"] > newer_than)

    async def confirm(self, offset: int) -> None:
        """Confirm every update before `offset` to Telegram (a `getUpdates` from it that waits for nothing; the
        one update it may return is left alone)."""
        async with mapped_errors(self.redact):
            await self.bot._post("getUpdates", {"offset": offset, "timeout": 0, "limit": 1},
                                 read_timeout=self._read_timeout)

    async def use_polling(self) -> None:
        async with mapped_errors(self.redact):
            await self.bot.delete_webhook()

    async def use_webhook(self, url: str, secret: str, allowed: tuple[str, ...]) -> None:
        async with mapped_errors(self.redact):
            await self.bot.set_webhook(url, secret_token=secret, allowed_updates=list(allowed))

    async def set_commands(
        self, commands: list[BotCommand], *, scope: BotCommandScope | None = None, language: str | None = None
    ) -> None:
        """Publish a command menu; an empty list removes the menu for that scope and language."""
        async with mapped_errors(self.redact):
            if commands:
                await self.bot.set_my_commands(commands, scope=scope, language_code=language)
            else:
                await self.bot.delete_my_commands(scope=scope, language_code=language)

