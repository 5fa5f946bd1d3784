"""Inbound throughput of the Telegram channel: python-telegram-bot + dialog engine + SQLite, against the
loopback fake Bot API, next to a bare echo bot run the same way in the same process.

Every person goes through a realistic mix of dialog steps (join with an invite code, a refused name, the
name, the birth year, two button presses (no phone to give; join as not yet on the branch's roster), /trogiup,
/gioithieu with its consent button and a name, /huy). All updates are queued at the fake server first; the bot
then long-polls them in batches of 100, exactly as in production (same adapter and dispatcher, same outlet,
same command-menu check), except that no flood limiter paces the replies: the far side is a local fake, and
what is measured is our cost per update.

A button press is queued as the button's label or choice, not as callback data: every saved dialog step stamps
its buttons afresh ("<stamp>.<choice>"), so the data exists only once the bot has shown the keyboard. The fake
server records the inline keyboards it was sent per chat (sendMessage/editMessageText `reply_markup`) and turns
a queued press into the press of that button under the newest message to the chat still showing a keyboard,
when it serves the press; it serves a press only once the bot confirmed having handled that person's previous
update (as a person presses only what they were shown), ending the batch there otherwise. The echo bot shows
no keyboards: its presses carry data of the same shape under a message like the bot's, and go through the same
gate, so both runs get the same updates in the same batches.

    .venv/bin/python bench/telegram_throughput.py [--people 500] [--concurrency 32]

Latency is per update, from the moment the channel starts on it to its last reply acknowledged by the
server (so it includes waiting for SQLite's write lock behind the other people handled at the same time).
Below the table: the Bot API calls the bot made per update, by method, and how the fake server batched updates.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import multiprocessing
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere: `tests` is not installed

from pydantic import SecretStr
from sqlalchemy import event
from telegram import Update

from bot.app import App, build_app
from bot.channel import Event
from bot.dispatch import Dispatcher, one_writer_at_a_time
from bot.menus import RoleMenus
from bot.settings import Settings
from bot.telegram.service import TelegramService
from conversations.held import new_stamp
from conversations.messages import Inbound, Reply
from storage.db import reader_factory
from tests.telegram.fake_api import BOT_USER, FakeBotApi
from tests.telegram.people import callback_update, message_update

FIRST_USER = 6_000_000_000
STALE_PREFIX = "Nút này đã cũ"  # engine.stale_choice in Vietnamese: a press the script got wrong


def script(person: int) -> list[tuple[str, str]]:
    """What one person sends, in order: ("say", text) or ("press", the choice or label of a button shown)."""
    return [
        ("say", "/start DEMO-DOANVIEN"),
        ("say", "Nguyễn 123"),  # refused: digits in a name
        ("say", "Trương Quốc Bảo"),
        ("say", str(1990 + person % 15)),
        ("press", "skip"),  # not on the branch's roster: no phone to give
        ("press", "unlisted"),  # join "chưa có trong danh sách", to be confirmed by the secretary
        ("say", "/trogiup"),
        ("say", "/gioithieu"),
        ("press", "yes"),  # consent
        ("say", "Lý Thị Diễm"),
        ("say", "/huy"),
    ]


def updates(people: int) -> list[dict[str, Any]]:
    """All updates, step by step across people (so each batch mixes many people, as real traffic does).

    A press is a placeholder {"press": {"from": user, "wanted": choice or label}}, made a real callback query by
    `ScriptedApi` when served.
    """
    scripts = [script(person) for person in range(people)]
    queued: list[dict[str, Any]] = []
    for step in range(len(scripts[0])):
        for person, steps in enumerate(scripts):
            user = {"id": FIRST_USER + person, "is_bot": False, "first_name": "Bảo", "language_code": "vi"}
            kind, value = steps[step]
            if kind == "say":
                queued.append(message_update(user, value))
            else:
                queued.append({"press": {"from": user, "wanted": value}})
    return queued


class ScriptedApi(FakeBotApi):
    """The fake Bot API, pressing for the simulated people the buttons the bot actually showed them."""

    def __init__(self, *, dialogs: bool) -> None:
        super().__init__()
        self.dialogs = dialogs
        self.keyboards: dict[int, dict[int, dict[str, Any]]] = {}  # chat → message id → message showing buttons
        self.misses: list[str] = []  # presses the script wanted that were not on offer
        self._latest: dict[int, int] = {}  # person → id of the last update queued for them
        self._pressed: dict[int, dict[str, Any]] = {}  # update id → the press it was made, once served
        self.batches: list[int] = []  # how many updates each getUpdates that served any returned

    async def push(self, update: dict[str, Any]) -> int:
        if "press" in update:
            user = update["press"]["from"]
            update = {"press": {**update["press"], "after": self._latest.get(user["id"])}}
        else:
            user = update["message"]["from"]
        update_id = await super().push(update)
        self._latest[user["id"]] = update_id
        return update_id

    def _message(self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
                 ) -> dict[str, Any]:
        message = super()._message(method, params, files)
        markup = params.get("reply_markup")
        shown = self.keyboards.setdefault(int(message["chat"]["id"]), {})
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            shown[int(message["message_id"])] = message
        else:  # a new message without buttons, or an edit that took them away
            shown.pop(int(message["message_id"]), None)
        return message

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        served: list[dict[str, Any]] = []
        for update in await super()._get_updates(params):
            if "press" in update:
                update_id = int(update["update_id"])
                if update_id not in self._pressed:
                    after = update["press"]["after"]
                    if after is not None and after >= self.confirmed:
                        break  # the person has not seen the answer to their previous update yet
                    self._pressed[update_id] = {"update_id": update_id, **self._press(update["press"])}
                update = self._pressed[update_id]
            served.append(update)
        if served:
            self.batches.append(len(served))
        return served

    def _press(self, press: dict[str, Any]) -> dict[str, Any]:
        user, wanted = press["from"], press["wanted"]
        shown = self.keyboards.get(user["id"])
        if shown:
            message = shown[max(shown)]
            for row in message["reply_markup"]["inline_keyboard"]:
                for button in row:
                    data = str(button.get("callback_data", ""))
                    if wanted in (button.get("text"), data.partition(".")[2]):
                        return callback_update(user, message, data)
        if self.dialogs:
            offered = [b.get("callback_data") for row in (message["reply_markup"]["inline_keyboard"] if shown else [])
                       for b in row]
            self.misses.append(f"{user['id']}: {wanted!r} not offered; offered {offered}")
        # The echo bot shows no buttons: press one of the same shape under a message like the bot's (and, for the
        # dialogs, a button the bot never showed, which it refuses as stale).
        data = f"{new_stamp()}.{wanted}"
        message = {"message_id": 1, "date": 1764039600, "from": BOT_USER, "text": "…",
                   "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
                   "reply_markup": {"inline_keyboard": [[{"text": "Đồng ý", "callback_data": data}]]}}
        return callback_update(user, message, data)


class Timed(Dispatcher[Update]):
    """The production dispatcher, timing each update and telling when `expected` updates were handled."""

    def __init__(self, expected: int, channel: TelegramService, **kwargs: Any) -> None:
        super().__init__(channel, **kwargs)
        self.latencies: list[float] = []
        self.expected = expected
        self.finished = asyncio.Event()

    async def handle_update(self, update: Update, event: Event | None) -> None:
        started = time.perf_counter()
        await super().handle_update(update, event)
        self.latencies.append(time.perf_counter() - started)
        if len(self.latencies) == self.expected:
            self.finished.set()


@dataclass(frozen=True)
class Result:
    name: str
    updates: int
    seconds: float
    latencies: list[float]
    replies: int
    statements: int = 0  # SQL statements sent to the database during the run
    cpu: float = 0.0  # seconds of this process's CPU (the bot's: the fake Bot API runs in another process)
    calls: Counter[str] = field(default_factory=Counter)  # Bot API calls the bot made during the run, by method
    batches: list[int] = field(default_factory=list)  # updates served by each getUpdates that served some

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    def quantile(self, q: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1] * 1000


async def echo(inbound: Inbound) -> list[Reply]:
    return [Reply(inbound.text or inbound.choice or "")]


def serve_fake_api(people: int, dialogs: bool, port_out: Any, stop_in: Any) -> None:
    """In a child process: serve the queued updates until told to stop, then report what the bot sent."""

    async def serve() -> None:
        api = ScriptedApi(dialogs=dialogs)
        await api.start()
        for update in updates(people):
            await api.push(update)
        port_out.send((api.port, api.token))
        await asyncio.get_running_loop().run_in_executor(None, stop_in.recv)  # the bot is set up: count from here
        before = len(api.calls)
        await asyncio.get_running_loop().run_in_executor(None, stop_in.recv)
        stale = sum(1 for message in api.sent if message.get("text", "").startswith(STALE_PREFIX))
        calls = Counter(call.method for call in api.calls[before:])
        port_out.send((len(api.sent), stale, api.misses, calls, api.batches))
        await api.stop()

    asyncio.run(serve())


async def demo_app(folder: str) -> tuple[Settings, App, list[int]]:
    """The demo organisation on a fresh SQLite file in `folder`, at a fixed instant, and a one-item list that
    counts the SQL statements sent to the database from then on."""
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{folder}/bench.db",
                        attachment_dir=folder)
    app = build_app(settings, clock=lambda: datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
    await app.prepare(demo=True)
    statements = [0]
    event.listen(app.db.sync_engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1))
    return settings, app, statements


async def run(name: str, people: int, concurrency: int, *, dialogs: bool, profile: Path | None = None) -> Result:
    total = people * len(script(0))
    to_child, from_parent = multiprocessing.Pipe()
    from_child, to_parent = multiprocessing.Pipe()
    child = multiprocessing.Process(target=serve_fake_api, args=(people, dialogs, to_parent, from_parent), daemon=True)
    child.start()
    port, token = from_child.recv()
    with tempfile.TemporaryDirectory() as folder:
        settings, app, statements = await demo_app(folder)
        try:
            served = settings.model_copy(update={"telegram_bot_token": SecretStr(token),
                                                 "telegram_api_base_url": f"http://127.0.0.1:{port}/bot"})
            service = TelegramService(served, limits=None, poll_timeout=1)
            await service.open()
            try:
                # Wired as `bot.serve.Runner` does for production, plus timing.
                menus = RoleMenus(service.name, service, commands=app.engine.commands, catalogs=app.catalogs,
                                  sessions=reader_factory(app.db))
                app.engine.tell_standing(menus.told)
                handle = one_writer_at_a_time(app.engine.handle, settings.database_url) if dialogs else echo
                channel = Timed(total, service, handle=handle, sessions=app.sessions, t=app.catalogs.get(None),
                                menus=menus if dialogs else None, concurrency=concurrency)
                stop = asyncio.Event()
                profiler = cProfile.Profile(time.process_time) if profile else None
                statements[0] = 0
                to_child.send("counting")
                cpu_started = time.process_time()
                started = time.perf_counter()
                if profiler:
                    profiler.enable()
                polling = asyncio.create_task(channel.poll(stop))
                await channel.finished.wait()
                seconds = time.perf_counter() - started
                cpu = time.process_time() - cpu_started
                if profiler and profile:
                    profiler.disable()
                    profiler.dump_stats(profile)
                stop.set()
                await polling
            finally:
                await service.close()
        finally:
            await app.close()
    to_child.send("stop")
    replies, stale, misses, calls, batches = from_child.recv()
    child.join()
    assert not misses, f"the script drifted: {len(misses)} presses not on offer, e.g. {misses[:3]}"
    assert stale == 0, f"{stale} presses were refused as stale"
    return Result(name, total, seconds, channel.latencies, replies, statements[0], cpu, calls, batches)


def table(results: list[Result]) -> str:
    rows = [f"{'bot':<34}{'updates':>9}{'replies':>9}{'seconds':>9}{'msg/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
            f"{'SQL/upd':>9}{'CPU ms':>9}"]
    for r in results:
        rows.append(f"{r.name:<34}{r.updates:>9}{r.replies:>9}{r.seconds:>9.2f}{r.per_second:>9.0f}"
                    f"{r.quantile(50):>9.2f}{r.quantile(99):>9.2f}{r.statements / r.updates:>9.1f}"
                    f"{r.cpu / r.updates * 1000:>9.2f}")
    echo_run, dialog_run = results
    ratio = echo_run.per_second / dialog_run.per_second
    rows.append(f"cost per update, dialogs / echo: {ratio:.2f}×")
    methods = sorted(set(echo_run.calls) | set(dialog_run.calls))
    rows.append(f"\n{'Bot API calls per update':<34}" + "".join(f"{r.name.split()[0]:>12}" for r in results))
    for method in methods:
        rows.append(f"{method:<34}" + "".join(f"{r.calls[method] / r.updates:>12.3f}" for r in results))
    rows.append(f"{'updates per getUpdates (mean)':<34}"
                + "".join(f"{statistics.mean(r.batches) if r.batches else 0:>12.1f}" for r in results))
    # Above 1: updates fetched again while still being handled (decoded again, then skipped by the dispatcher).
    rows.append(f"{'times each update was served':<34}" + "".join(f"{sum(r.batches) / r.updates:>12.2f}"
                                                                 for r in results))
    return "\n".join(rows)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4, help="people handled at once (production: 4)")
    parser.add_argument("--profile", type=Path, help="write the dialogs run's cProfile stats here and print the top")
    args = parser.parse_args()
    echo_run = await run("echo bot (PTB only)", args.people, args.concurrency, dialogs=False)
    dialog_run = await run("dialogs (PTB + engine + SQLite)", args.people, args.concurrency, dialogs=True,
                           profile=args.profile)
    print(f"{args.people} people × {len(script(0))} updates, concurrency {args.concurrency}, Python "
          f"{sys.version.split()[0]}")
    print(table([echo_run, dialog_run]))
    if args.profile:
        for order in ("tottime", "cumulative"):
            print(f"\ncProfile of the dialogs run, top 15 by {order}:")
            pstats.Stats(str(args.profile)).sort_stats(order).print_stats(15)


if __name__ == "__main__":
    asyncio.run(main())
