"""Console outlet: a push from the outbox is printed like a bot message, marked as a push."""

from __future__ import annotations

from typing import TextIO

from bot.text_render import numbered_choices
from conversations.messages import Reply

__all__ = ["CHANNEL", "ConsoleOutlet"]

CHANNEL = "console"


class ConsoleOutlet:
    """Print each pushed reply to `stdout`; a console chat never blocks the bot, so sending cannot fail."""

    channel = CHANNEL

    def __init__(self, stdout: TextIO) -> None:
        self._out = stdout

    async def send(self, chat_id: str, reply: Reply) -> None:
        lines = [f"[push → {chat_id}] {reply.text}"]
        lines += [f"    {line}" for line in numbered_choices(reply.choices)]
        self._out.write("\n".join(lines) + "\n")
        self._out.flush()
