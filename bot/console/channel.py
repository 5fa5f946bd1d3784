"""Console adapter: one line in → `Inbound`; each `Reply` → printed text with a numbered choice list.

A line `@name message` speaks as user `name`, so one script can play several people. Interactive when
stdin is a terminal; otherwise each line is echoed, answered, and the program ends at end of input.

When the database is busy or locked (another program writing to the SQLite file), the person is told so in
their language and nothing is lost: an empty line sends the line that was not handled again.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from bot.console.outlet import CHANNEL, ConsoleOutlet
from bot.inbox import DATABASE_FAILURES
from bot.text_render import numbered_choices
from conversations.i18n import Translator
from conversations.messages import Inbound, Reply

__all__ = ["ConsoleChannel", "parse_line"]

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
    """Feed stdin lines to a handler and print what comes back; pushes are printed by `outlet`."""

    name = CHANNEL

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
        self.outlet = ConsoleOutlet(stdout)
        self._attachments = attachment_dir
        # Update ids must stay unique across runs, or a second run's messages would look redelivered.
        self._run = uuid.uuid4().hex[:12]
        self._count = 0

    async def prepare(self, prepare: Callable[[], Awaitable[None]]) -> bool:
        """Run `prepare` (schema, demo seed); while the database is busy, say so and let the person try again.

        Return False when they quit (end of input), or at once when no one is at a terminal to try again.
        """
        while True:
            try:
                await prepare()
            except DATABASE_FAILURES:
                if not self._in.isatty():
                    self._write(self._t("channel.console_busy_quit"))
                    return False
                self._write(self._t("channel.console_busy_start"))
                if not await asyncio.to_thread(self._in.readline):
                    return False
            else:
                return True

    async def run(self) -> None:
        """Answer lines until end of input."""
        interactive = self._in.isatty()
        if interactive:
            self._write(self._t("console.banner"))
        kept: Inbound | None = None  # a line the database did not take, sent again on an empty line
        while True:
            if interactive:
                self._out.write("> ")
                self._out.flush()
            line = await asyncio.to_thread(self._in.readline)
            if not line:
                return
            user, text = parse_line(line)
            if text:
                inbound = self._inbound(user, text)
            elif kept is not None:
                inbound = kept
            else:
                continue
            if not interactive:
                self._write(f"[{inbound.user_id}] › {inbound.text}")
            kept = await self._answer(inbound)

    async def _answer(self, inbound: Inbound) -> Inbound | None:
        """Handle one line and show the replies; return it when the database could not take it."""
        try:
            replies = await self._handle(inbound)
        except DATABASE_FAILURES:
            # Rolled back by the engine: nothing of it was saved, and the same update id may be sent again.
            self._write(self._t("channel.console_busy"))
            return inbound
        for reply in replies:
            self._show(inbound.user_id, reply)
        return None

    def _inbound(self, user: str, text: str) -> Inbound:
        self._count += 1
        return Inbound(channel=CHANNEL, user_id=user, chat_id=user, update_id=f"{self._run}-{self._count}",
                       text=text, display_name=user)

    def _show(self, user: str, reply: Reply) -> None:
        lines = [f"[bot → {user}] {reply.text}"]
        lines += [f"    {line}" for line in numbered_choices(reply.choices)]
        if reply.attachment is not None:
            self._attachments.mkdir(parents=True, exist_ok=True)
            path = self._attachments / reply.attachment.filename
            path.write_bytes(reply.attachment.content)
            lines.append(self._t("console.attachment", path=path))
        self._write("\n".join(lines))

    def _write(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()
