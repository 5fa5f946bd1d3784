"""Console outlet: a reply or a push is printed as a bot message, with its choices numbered and its attachment
saved to a file; a push is marked as one."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from bot.text_render import numbered_choices
from conversations.i18n import Translator
from conversations.messages import Reply

__all__ = ["CHANNEL", "ConsoleOutlet"]

CHANNEL = "console"


class ConsoleOutlet:
    """Print each reply to `stdout` as `[<mark> → chat] text`; a console chat never blocks the bot, so sending
    cannot fail.

    Args:
        mark: `"bot"` for replies, `"push"` for pushes from the outbox.
        t: the texts, and `attachment_dir` where attachments are saved; without them attachments are left out.
    """

    channel = CHANNEL

    def __init__(self, stdout: TextIO, *, mark: str = "push", t: Translator | None = None,
                 attachment_dir: Path | None = None) -> None:
        self._out, self._mark, self._texts, self._attachments = stdout, mark, t, attachment_dir

    async def send(self, chat_id: str, reply: Reply) -> None:
        lines = [f"[{self._mark} → {chat_id}] {reply.text}"]
        lines += [f"    {line}" for line in numbered_choices(reply.choices)]
        if reply.attachment is not None and self._texts is not None and self._attachments is not None:
            self._attachments.mkdir(parents=True, exist_ok=True)
            path = self._attachments / reply.attachment.filename
            path.write_bytes(reply.attachment.content)
            lines.append(self._texts("console.attachment", path=path))
        self._out.write("\n".join(lines) + "\n")
        self._out.flush()
