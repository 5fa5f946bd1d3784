"""People talking to the bot through the fake Bot API, by polling or by webhook, as Telegram clients do.

    an = Person(api, deliver, 5120342711, "An")
    await an.say("/start DEMO-DOANVIEN")      # → texts of the messages the bot sent An in answer
    await an.press("Đúng, tham gia")          # presses that button under the bot's latest keyboard
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tests.telegram.fake_api import FakeBotApi

__all__ = ["Deliver", "Person", "callback_update", "message_update"]

Deliver = Callable[[dict[str, Any]], Awaitable[None]]
_ids = itertools.count(1)


def message_update(user: dict[str, Any], text: str) -> dict[str, Any]:
    """A private text message as Telegram sends it (without the update id)."""
    message: dict[str, Any] = {
        "message_id": next(_ids), "date": 1764039600, "from": user,
        "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]}, "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split(" ")[0])}]
    return {"message": message}


def callback_update(user: dict[str, Any], message: dict[str, Any], data: str) -> dict[str, Any]:
    """A pressed inline button under `message` (a message the bot sent)."""
    shown = {k: v for k, v in message.items() if k not in ("method", "files")}
    return {"callback_query": {"id": f"cb-{next(_ids)}", "from": user, "chat_instance": "-4923810582251470392",
                               "data": data, "message": shown}}


@dataclass
class Person:
    api: FakeBotApi
    deliver: Deliver
    user_id: int
    first_name: str
    language_code: str = "vi"
    last: list[dict[str, Any]] = field(default_factory=list)

    @property
    def user(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": self.first_name,
                "language_code": self.language_code}

    async def say(self, text: str) -> list[str]:
        """Type `text`; return the texts the bot sent back."""
        return await self.send(message_update(self.user, text))

    async def press(self, label: str) -> list[str]:
        """Press the button labelled `label` under the latest message that has a keyboard."""
        message, data = self.button(label)
        return await self.send(callback_update(self.user, message, data))

    async def press_data(self, data: str) -> list[str]:
        """Press a button whose callback data is `data` (what a forged client could send)."""
        message = self.keyboard_message() or self.inbox()[-1]
        return await self.send(callback_update(self.user, message, data))

    async def send(self, update: dict[str, Any]) -> list[str]:
        before = len(self.inbox())
        async with asyncio.timeout(15):
            await self.deliver(update)
        self.last = self.inbox()[before:]
        return [m.get("text") or m.get("caption") or "" for m in self.last]

    def inbox(self) -> list[dict[str, Any]]:
        return self.api.messages_to(self.user_id)

    def keyboard_message(self) -> dict[str, Any] | None:
        return next((m for m in reversed(self.inbox()) if m.get("reply_markup")), None)

    def buttons(self) -> list[str]:
        message = self.keyboard_message()
        if message is None:
            return []
        return [button["text"] for row in message["reply_markup"]["inline_keyboard"] for button in row]

    def button(self, label: str) -> tuple[dict[str, Any], str]:
        message = self.keyboard_message()
        assert message is not None, "no keyboard was shown"
        for row in message["reply_markup"]["inline_keyboard"]:
            for button in row:
                if button["text"] == label:
                    return message, button["callback_data"]
        raise AssertionError(f"{label!r} not offered; offered: {self.buttons()}")
