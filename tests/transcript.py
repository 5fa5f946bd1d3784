"""Drive the dialog engine the way people do, and read the answers as a transcript.

    await chat.say("an", "/batdau DEMO-DOANVIEN")   # → list of reply texts
    await chat.press("an", "Đúng, tham gia")         # presses the button with that label, as Telegram would
    chat.choices("an")                               # labels offered in the last reply to "an"
"""

from __future__ import annotations

import itertools

from conversations.engine import Engine
from conversations.messages import Inbound, Reply

__all__ = ["Chat"]


class Chat:
    """One console-like channel shared by several people, each with their own update ids."""

    def __init__(self, engine: Engine, channel: str = "test") -> None:
        self.engine = engine
        self.channel = channel
        self.last: dict[str, list[Reply]] = {}
        self._ids = itertools.count(1)

    def inbound(self, user: str, *, text: str | None = None, choice: str | None = None,
                update_id: str | None = None) -> Inbound:
        return Inbound(channel=self.channel, user_id=user, chat_id=user, text=text, choice=choice,
                       update_id=update_id or str(next(self._ids)), display_name=user)

    async def send(self, inbound: Inbound) -> list[str]:
        replies = await self.engine.handle(inbound)
        if replies:
            self.last[inbound.user_id] = replies
        return [reply.text for reply in replies]

    async def say(self, user: str, text: str, *, update_id: str | None = None) -> list[str]:
        """Send typed text as `user`; return the texts of the bot's replies."""
        return await self.send(self.inbound(user, text=text, update_id=update_id))

    async def press(self, user: str, label: str) -> list[str]:
        """Press the button labelled `label` in the last reply to `user` (its real, stamped payload)."""
        payload = self.payload(user, label)
        return await self.send(self.inbound(user, choice=payload))

    def payload(self, user: str, label: str) -> str:
        offered = {choice.label: choice.payload for reply in self.last.get(user, []) for choice in reply.choices}
        assert label in offered, f"{label!r} not offered to {user}; offered: {list(offered)}"
        return offered[label]

    def choices(self, user: str) -> list[str]:
        return [choice.label for reply in self.last.get(user, []) for choice in reply.choices]
