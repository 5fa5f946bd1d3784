"""Console adapter: one stdin line → one update → `Inbound`; each `Reply` printed through `ConsoleOutlet`.

A line `@name message` speaks as user `name`, so one script can play several people. Interactive when stdin is a
terminal (a banner and a `> ` prompt); otherwise each line is echoed before it is answered. End of input ends the
channel. Served by the one runner like any platform (`bot.serve.Runner`), so a line the database could not take
is kept and tried again by the dispatcher, and its sender told once that it will be handled.

Lines are read by a daemon thread: a blocking `readline()` cannot be cancelled, and a daemon thread, unlike the
event loop's executor, does not hold the process open at exit. Each line is fetched only once the one before it
was answered (its position is still waiting until then), so a piped script runs strictly in order.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.channel import NoMoreUpdates, WebhookAddress
from bot.console.outlet import CHANNEL, ConsoleOutlet
from bot.inbox import DATABASE_FAILURES
from conversations.i18n import Translator
from conversations.messages import Inbound

__all__ = ["ConsoleChannel", "Line", "parse_line"]

DEFAULT_USER = "me"


def parse_line(line: str, *, default_user: str = DEFAULT_USER) -> tuple[str, str]:
    """Split `@name message` into (name, message); a line without `@name` speaks as `default_user`."""
    text = line.rstrip("\r\n")
    if text.startswith("@"):
        name, _, rest = text[1:].partition(" ")
        if name:
            return name, rest.strip()
    return default_user, text.strip()


@dataclass(frozen=True, slots=True)
class Line:
    """One line typed or piped: its number in this run, who speaks, and what."""

    number: int
    user: str
    text: str


class ConsoleChannel:
    """The console as a `bot.channel.Channel[Line]`: lines from `stdin`, replies and pushes printed to `stdout`."""

    name = CHANNEL

    def __init__(self, *, t: Translator, stdin: TextIO, stdout: TextIO, attachment_dir: Path) -> None:
        self._t = t
        self._in, self._out = stdin, stdout
        self.outlet = ConsoleOutlet(stdout, mark="bot", t=t, attachment_dir=attachment_dir)
        self.pushes = ConsoleOutlet(stdout, mark="push", t=t, attachment_dir=attachment_dir)
        self._interactive = stdin.isatty()
        # Update ids must stay unique across runs, or a second run's messages would look redelivered.
        self._run = uuid.uuid4().hex[:12]
        self._count = 0
        self._lines: asyncio.Queue[str] | None = None

    async def prepare(self, prepare: Callable[[], Awaitable[None]]) -> bool:
        """Run `prepare` (schema, demo seed); while the database is busy, say so and let the person try again.

        Return False when they quit (end of input), or at once when no one is at a terminal to try again.
        """
        while True:
            try:
                await prepare()
            except DATABASE_FAILURES:
                if not self._interactive:
                    self._write(self._t("channel.console_busy_quit"))
                    return False
                self._write(self._t("channel.console_busy_start"))
                if not await self._next_line():
                    return False
            else:
                return True

    async def open(self) -> None:
        """Nothing to connect to."""

    async def close(self) -> None:
        """Nothing to release: the reader thread ends with the input or the process."""

    def webhook(self) -> WebhookAddress | None:
        return None

    async def start(self) -> None:
        """Greet a person at a terminal."""
        if self._interactive:
            self._write(self._t("console.banner"))

    def decode(self, body: dict[str, Any]) -> Line | None:
        return None  # the console takes no webhooks

    def parse(self, update: Line) -> Inbound:
        return Inbound(channel=CHANNEL, user_id=update.user, chat_id=update.user,
                       update_id=f"{self._run}-{update.number}", text=update.text, display_name=update.user)

    async def acknowledge(self, update: Line) -> None:
        """Nothing to acknowledge."""

    async def answered(self, update: Line) -> None:
        """Nothing to follow up."""

    async def fetch(self, offset: int | None, stop: asyncio.Event, *, newer_than: int | None = None) -> Sequence[Line]:
        """Return the next line with text once every earlier one was answered; raise `NoMoreUpdates` at its end."""
        if offset is not None and offset <= self._count:
            return []  # line `offset` is still being handled: the next one waits for its answer
        while True:
            if self._interactive:
                self._out.write("> ")
                self._out.flush()
            line = await self._next_line(stop)
            if line is None:
                return []
            if not line:
                raise NoMoreUpdates
            user, text = parse_line(line)
            if text:
                break
        self._count += 1
        if not self._interactive:
            self._write(f"[{user}] › {text}")
        return [Line(self._count, user, text)]

    def position(self, update: Line) -> int:
        return update.number

    async def confirm(self, offset: int) -> None:
        """Nothing to confirm: a line once read is the program's."""

    async def _next_line(self, stop: asyncio.Event | None = None) -> str | None:
        """Return the next line read ("" at end of input), or None once `stop` is set first."""
        if self._lines is None:
            self._lines = asyncio.Queue()
            loop = asyncio.get_running_loop()
            threading.Thread(target=self._read, args=(loop, self._lines), name="console-stdin", daemon=True).start()
        if stop is None:
            return await self._lines.get()
        line = asyncio.ensure_future(self._lines.get())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({line, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if line.done():
            return line.result()
        line.cancel()
        return None

    def _read(self, loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[str]) -> None:
        """Hand each stdin line to the loop, then "" at the end of input (or when stdin cannot be read)."""
        line = "-"
        while line:
            try:
                line = self._in.readline()
            except (OSError, ValueError):  # stdin closed under the thread
                line = ""
            try:
                loop.call_soon_threadsafe(lines.put_nowait, line)
            except RuntimeError:  # the loop is closed: nobody listens anymore
                return

    def _write(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()
