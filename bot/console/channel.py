"""Console adapter: one line in → `Inbound`; each `Reply` → printed text with a numbered choice list.

A line `@name message` speaks as user `name`, so one script can play several people. Interactive when
stdin is a terminal; otherwise each line is echoed, answered, and the program ends at end of input.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from conversations.i18n import Translator
from conversations.messages import Inbound, Reply

__all__ = ["ConsoleChannel", "parse_line"]

CHANNEL = "console"
DEFAULT_USER = "me"


def parse_line(line: str, *, default_user: str = DEFAULT_USER) -> tuple[str, str]:
    """Split `@name message` into (name, message); a line without `@name` speaks as `default_user`."""
    text = line.rstrip("\r\n")
    if text.startswith("@"):
        name, _, rest = text[1:].partition(" ")
        if name:
            return name, rest.strip()
    return default_user, text.strip()


class ConsoleChannel:
    """Feed stdin lines to a handler and print what comes back."""

    def __init__(
        self,
        handle: Callable[[Inbound], Awaitable[list[Reply]]],
        *,
        t: Translator,
        stdin: TextIO,
        stdout: TextIO,
        attachment_dir: Path,
    ) -> None:
        self._handle = handle
        self._t = t
        self._in, self._out = stdin, stdout
        self._attachments = attachment_dir
        # Update ids must stay unique across runs, or a second run's messages would look redelivered.
        self._run = uuid.uuid4().hex[:12]
        self._count = 0

    async def run(self) -> None:
        interactive = self._in.isatty()
        if interactive:
            self._write(self._t("console.banner"))
        while True:
            if interactive:
                self._out.write("> ")
                self._out.flush()
            line = await asyncio.to_thread(self._in.readline)
            if not line:
                return
            user, text = parse_line(line)
            if not text:
                continue
            if not interactive:
                self._write(f"[{user}] › {text}")
            for reply in await self._handle(self._inbound(user, text)):
                self._show(user, reply)

    def _inbound(self, user: str, text: str) -> Inbound:
        self._count += 1
        return Inbound(channel=CHANNEL, user_id=user, chat_id=user, update_id=f"{self._run}-{self._count}",
                       text=text, display_name=user)

    def _show(self, user: str, reply: Reply) -> None:
        lines = [f"[bot → {user}] {reply.text}"]
        lines += [f"    {number}. {choice.label}" for number, choice in enumerate(reply.choices, 1)]
        if reply.attachment is not None:
            self._attachments.mkdir(parents=True, exist_ok=True)
            path = self._attachments / reply.attachment.filename
            path.write_bytes(reply.attachment.content)
            lines.append(self._t("console.attachment", path=path))
        self._write("\n".join(lines))

    def _write(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()
