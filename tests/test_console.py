"""The console channel: `@name message` lines, numbered choices, the real `python -m bot run` on a pipe (with the
HTTP server's port taken or not), and a database locked by another program (at start, or under a typed line)."""

from __future__ import annotations

import asyncio
import io
import os
import queue
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import App
from bot.console import ConsoleChannel, parse_line
from bot.dispatch import Dispatcher
from bot.inbox import Patience
from tests.telegram.locks import held_lock, wait_briefly_for_locks

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("line", "expected"), [
    ("xin chào\n", ("me", "xin chào")),
    ("@an /batdau DEMO\n", ("an", "/batdau DEMO")),
    ("@an\n", ("an", "")),
    ("@ just text", ("me", "@ just text")),
    ("  spaced  \r\n", ("me", "spaced")),
], ids=["plain", "named", "name-only", "bare-at", "crlf"])
def test_parse_line(line: str, expected: tuple[str, str]) -> None:
    assert parse_line(line) == expected


async def converse(app: App, console: ConsoleChannel, *, patience: Patience | None = None) -> None:
    """Serve `console` through the dispatcher, as the runner does, until its input ends."""
    dispatcher = Dispatcher(console, handle=app.engine.handle, sessions=app.sessions, t=app.catalogs.get(None),
                            patience=patience)
    await dispatcher.poll(asyncio.Event())


async def test_script_with_two_people_prints_numbered_choices(demo: App, tmp_path: Path) -> None:
    script = "@an /batdau DEMO-DOANVIEN\n@an Nguyễn Văn An\n\n@binh xin chào\n@an 1996\n@an 1\n"
    out = io.StringIO()
    console = ConsoleChannel(t=demo.catalogs.get(None), stdin=io.StringIO(script), stdout=out,
                             attachment_dir=tmp_path)
    await asyncio.wait_for(converse(demo, console), 30)
    text = out.getvalue()
    assert "[an] › /batdau DEMO-DOANVIEN" in text
    assert "[bot → binh] Chào bạn! Đây là Bot 1+1" in text
    assert "    1. Đúng, là tôi\n    2. Không phải tôi\n    3. Hủy" in text
    assert "[bot → an] Xong! Nguyễn Văn An đã tham gia Chi đoàn Khu phố 1" in text
    # Strictly in order: each line is echoed only once the one before it was answered.
    assert text.index("[bot → binh] Chào bạn!") < text.index("[an] › 1996") < text.index("[bot → an] Bạn là")


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another program listens on."""
    with socket.create_server(("127.0.0.1", 0)) as other:
        yield int(other.getsockname()[1])


@pytest.mark.parametrize("port_taken", [False, True], ids=["http-server-listening", "http-port-taken"])
def test_make_run_style_pipe_completes_onboarding_and_exits(database_url: str, tmp_path: Path, taken_port: int,
                                                            port_taken: bool) -> None:
    # An empty database: the console seeds the demo organisation into it.
    env = {**os.environ, "DATABASE_URL": database_url,
           "ATTACHMENT_DIR": str(tmp_path / "files"), "HTTP_PORT": str(taken_port if port_taken else 0)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("ZALO_BOT_TOKEN", None)
    script = "/batdau DEMO-DOANVIEN\nNguyễn Văn An\n1996\n1\n"  # on the demo roster
    result = subprocess.run([sys.executable, "-m", "bot", "run"], input=script, capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "Xong! Nguyễn Văn An đã tham gia Chi đoàn Khu phố 1 trên Bot 1+1." in result.stdout
    said = "HTTP server not started, going on without it" if port_taken else "HTTP server listening on"
    assert said in result.stderr
    assert "Traceback" not in result.stderr
    assert "seeded the demo organisation" in result.stderr
    # A second run on the same database remembers the console user, and does not seed the demo twice.
    again = subprocess.run([sys.executable, "-m", "bot", "run"], input="/batdau\n", capture_output=True, text=True,
                           cwd=tmp_path, env=env, timeout=120, check=False)
    assert again.returncode == 0, again.stderr
    assert "seeded the demo organisation" not in again.stderr
    assert "[bot → me] Bạn đã tham gia rồi: Nguyễn Văn An, Chi đoàn Khu phố 1." in again.stdout


class Keyboard(io.StringIO):
    """A terminal's input: `readline` waits for the next line the test types ("" is Ctrl+D)."""

    def __init__(self, *, terminal: bool = True) -> None:
        super().__init__()
        self.terminal = terminal
        self.lines: queue.Queue[str] = queue.Queue()

    def isatty(self) -> bool:
        return self.terminal

    def readline(self, size: int | None = -1, /) -> str:
        try:
            return self.lines.get(timeout=10)
        except queue.Empty:
            return ""  # nobody typed for a while: the terminal is closed


class Screen(io.StringIO):
    """A terminal's output that the test can wait on."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def write(self, text: str, /) -> int:
        self.changed.set()
        return super().write(text)

    async def shows(self, text: str) -> None:
        async with asyncio.timeout(10):
            while text not in self.getvalue():
                self.changed.clear()
                await self.changed.wait()


async def test_a_line_the_locked_database_did_not_take_is_said_once_and_handled_once_it_is_free(
    demo: App, tmp_path: Path
) -> None:
    t = demo.catalogs.get("vi")
    await wait_briefly_for_locks(demo)
    keyboard, screen = Keyboard(), Screen()
    console = ConsoleChannel(t=t, stdin=keyboard, stdout=screen, attachment_dir=tmp_path)
    patience = Patience(delays=(0.05, 0.1), give_up_after=60, notice_after=0.5, grace=5)
    running = asyncio.create_task(converse(demo, console, patience=patience))
    async with held_lock(demo):
        keyboard.lines.put("/batdau DEMO-DOANVIEN\n")
        await screen.shows(t("channel.busy"))
        keyboard.lines.put("Nguyễn Văn An\n")  # typed while the first line waits: it waits behind it
        await asyncio.sleep(0.3)  # several attempts fail meanwhile
        assert t("join.ask_name") not in screen.getvalue()
    await screen.shows(t("join.ask_birth_year"))  # both lines handled, in order, without typing them again
    keyboard.lines.put("")
    await asyncio.wait_for(running, 10)
    shown = screen.getvalue()
    assert shown.count(t("channel.busy")) == 1
    assert shown.count(t("join.ask_name")) == 1
    assert shown.index(t("join.ask_name")) < shown.index(t("join.ask_birth_year"))


@pytest.mark.parametrize(("terminal", "says", "started"), [
    pytest.param(True, "channel.console_busy_start", True, id="at-a-terminal-enter-tries-again"),
    pytest.param(False, "channel.console_busy_quit", False, id="on-a-pipe-it-stops-cleanly"),
])
async def test_a_database_locked_at_start_is_said_plainly(
    app: App, tmp_path: Path, terminal: bool, says: str, started: bool
) -> None:
    t = app.catalogs.get("vi")
    await wait_briefly_for_locks(app)
    keyboard, screen = Keyboard(terminal=terminal), Screen()
    console = ConsoleChannel(t=t, stdin=keyboard, stdout=screen, attachment_dir=tmp_path)
    async with held_lock(app, tables=("alembic_version",)):
        preparing = asyncio.create_task(console.prepare(app.prepare))
        await screen.shows(t(says))
    keyboard.lines.put("\n")
    assert await asyncio.wait_for(preparing, 10) is started
    assert screen.getvalue().count(t(says)) == 1
    assert "Traceback" not in screen.getvalue()
