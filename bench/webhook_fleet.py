"""Webhook workers on one port, and the people and the platform around them: what `bench/webhook_workers.py`
(throughput across processes) and `bench/soak.py` (kill -9 soak) share.

    driver process (this module, imported)              worker processes (`python -m bench.webhook_fleet`)
    ┌──────────────────────────────────────┐            ┌─────────────────────────────────────────────┐
    │ People ─ Poster ──POST webhook──────────────────▶ │ one shared listening socket (pre-bound)     │
    │                   (secret header, ≤40 conns)      │ Runner: dispatcher → engine → PostgreSQL    │
    │ Platform (fake Bot API) ◀──sendMessage…──────────│ scheduler (advisory lock), outbox sender    │
    └──────────────────────────────────────┘            └─────────────────────────────────────────────┘

One port for N workers: the driver binds the listening socket once and hands it to every worker (inherited file
descriptor), as `uvicorn --workers` and gunicorn do. SO_REUSEPORT is not used: our `bot.http.HttpServer` binds
its own socket without it (on purpose: a second bot on a taken port must fail, not share it), and with it each
worker has its own accept queue, so connections queued at a worker killed by SIGKILL are reset. With one
shared socket the connections not yet accepted stay in the kernel's queue and the surviving worker takes them.
A worker is the production `bot.serve.Runner` (dispatchers, webhooks behind `bot.http.routes`, the scheduler
elected by the PostgreSQL advisory lock, one outbox sender) with only the listening step replaced: it serves
`routes()` under uvicorn on the inherited socket instead of binding `HTTP_PORT`.

Replies are attributed to updates at the fake platform: each person has at most one update in flight (as a
person waits for the answer), so every message the bot sends to a chat belongs to that chat's update in flight.
A reply text seen twice for one update id is an update handled twice.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import json
import logging
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict, deque
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import tornado.web
import uvicorn
from sqlalchemy import text
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from bot.app import build_app, platform_channels
from bot.http import Webhook, routes
from bot.serve import Runner
from bot.settings import Settings
from bot.telegram.service import SECRET_HEADER
from storage.db import create_engine, session_factory
from storage.demo import seed_demo
from storage.invites import create_invite
from storage.members import add_member
from storage.migrate import upgrade_to_head
from storage.models import RoleName
from storage.sealed import DEVELOPMENT_KEY, Sealer
from storage.units import unit_by_code

ROOT = Path(__file__).resolve().parent.parent
BENCH_SEALER = Sealer([DEVELOPMENT_KEY])  # made-up people: sealed with the development key
TOKEN = "424243:AAF-webhook-fleet-fake-platform-token"
SECRET = "bench-webhook-secret_0123456789"
WEBHOOK_PATH = "/telegram/webhook"
PUSH_PREFIX = "soak-push "
FIRST_USER = 7_000_000_000
BRANCHES = ("CD-KP1", "CD-KP2", "CD-12A1", "CD-12A2", "CD-APD", "CD-APT", "CD-PX1")
_BOT = {"id": 424243, "is_bot": True, "first_name": "Bot 1+1", "username": "bot11_fleet_bot"}
_TICK = os.sysconf("SC_CLK_TCK")
# Seconds a kept-alive connection is reused: below uvicorn's 5 s `timeout_keep_alive`, so the generator does not
# race the server closing an idle connection (which would count as a failed delivery).
_KEEP_ALIVE = 4.0


# ---- the database of its own


@asynccontextmanager
async def scratch_database(server_url: str, name: str, *, people: int, keep: bool = False) -> AsyncIterator[str]:
    """Create database `name` afresh on the server, migrate it, seed the demo organisation, put the `people` on
    its branches' rosters and make one invite per branch for all of them (the demo's own allow 1,000 uses);
    drop it at the end."""
    server = make_url(server_url)
    admin = create_engine(server.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url, sealer=BENCH_SEALER)
    try:
        await upgrade_to_head(engine)
        now = datetime.now(UTC)
        async with session_factory(engine)() as session, session.begin():
            await seed_demo(session, now=now)
            units = []
            for code in BRANCHES:
                unit = await unit_by_code(session, code=code)
                assert unit is not None and unit.id is not None, code
                units.append(unit.id)
                await create_invite(session, code=invite_code(code), unit_id=unit.id, role=RoleName.MEMBER,
                                    max_uses=10_000_000, expires_at=now + timedelta(days=30), created_at=now)
            for index in range(people):  # each person is on their branch's roster, as after an import
                await add_member(session, full_name=roster_name(index), birth_year=birth_year(index),
                                 unit_id=units[index % len(units)], joined_at=now)
        await engine.dispose()
        yield url
    finally:
        await engine.dispose()
        if not keep:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def invite_code(branch: str) -> str:
    return f"BENCH-{branch}"


_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Ngô")
_GIVEN = ("An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hiếu", "Khánh", "Lan", "Long", "Mai", "Nam", "Phúc",
          "Quyên", "Sơn", "Tâm", "Thảo", "Trung", "Uyên", "Vy", "Yến")


def roster_name(person: int) -> str:
    """Return a person's full name, different for every person (their number written in given names)."""
    words, rest = [_FAMILY[person % len(_FAMILY)]], person // len(_FAMILY)
    while True:
        words.append(_GIVEN[rest % len(_GIVEN)])
        rest //= len(_GIVEN)
        if not rest:
            return " ".join(words)


def birth_year(person: int) -> int:
    return 1990 + person % 15


# ---- the fake platform, in the driver's process


@dataclass
class Platform:
    """A loopback Bot API that attributes every message to the update in flight for its chat.

    Attributes:
        in_flight: chat id → the update id the generator is delivering to that chat's person.
        replies: update id → texts sent in answer (a text twice: handled twice).
        keyboards: chat id → message id → the message still showing buttons.
        pushes: outbox pushes by key (texts starting with `PUSH_PREFIX`) → times they were delivered.
        stray: messages to chats with no update in flight, that are not soak pushes (the scheduler's).
    """

    token: str = TOKEN
    in_flight: dict[int, int] = field(default_factory=dict)
    replies: dict[int, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    keyboards: dict[int, dict[int, dict[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    pushes: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    stray: Counter[tuple[int, str]] = field(default_factory=Counter)
    methods: Counter[str] = field(default_factory=Counter)
    port: int = 0
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    called: asyncio.Event = field(default_factory=asyncio.Event)  # set on every call
    _server: HTTPServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> Platform:
        sockets = bind_sockets(0, address="127.0.0.1")
        self.port = int(sockets[0].getsockname()[1])
        app = tornado.web.Application([(r"/bot([^/]+)/(\w+)", _Method, {"platform": self})],
                                      log_function=lambda _: None)
        self._server = HTTPServer(app)
        self._server.add_sockets(sockets)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.methods[method] += 1
        self.called.set()
        if method == "getMe":
            return _BOT
        if method not in ("sendMessage", "sendPhoto", "sendDocument", "editMessageText"):
            return True  # type: ignore[return-value]  # setWebhook, answerCallbackQuery, setMyCommands …
        chat = int(params["chat_id"])
        said = str(params.get("text") or params.get("caption") or f"<{method}>")
        message_id = int(params.get("message_id") or next(self._ids))
        message = {"message_id": message_id, "date": int(time.time()), "from": _BOT, "text": said,
                   "chat": {"id": chat, "type": "private", "first_name": "Bảo"}}
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
            self.keyboards[chat][message_id] = message
        else:
            self.keyboards[chat].pop(message_id, None)
        if said.startswith(PUSH_PREFIX):
            self.pushes[said[len(PUSH_PREFIX):]].append(time.time())
        elif chat in self.in_flight:
            self.replies[self.in_flight[chat]][f"{method}:{said}"] += 1
        else:
            self.stray[(chat, said)] += 1
        return message

    def keyboard(self, chat: int) -> dict[str, Any] | None:
        shown = self.keyboards.get(chat)
        return shown[max(shown)] if shown else None


class _Method(tornado.web.RequestHandler):
    def initialize(self, platform: Platform) -> None:
        self.platform = platform

    def post(self, token: str, method: str) -> None:
        if token != self.platform.token:
            self.set_status(401)
            self.finish({"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        if self.request.headers.get("Content-Type", "").startswith("application/json"):
            params = json.loads(self.request.body or b"{}")
        else:
            params = {name: values[0].decode() for name, values in self.request.body_arguments.items()}
        self.finish({"ok": True, "result": self.platform.answer(method, params)})

    get = post


# ---- the people, and how their updates reach the workers


class Poster:
    """POST JSON bodies to the webhook over at most `connections` kept-alive HTTP/1.1 connections, as Telegram
    does (its `max_connections` defaults to 40). Plain asyncio streams: the generator must cost little CPU.

    A connection carries at most `uses` requests, then a new one is opened: the workers share one listening
    socket, so each new connection goes to whichever worker accepts first. Without that, every connection would
    stay with the worker that survived the first kill, and the worker started again would get no traffic.
    """

    def __init__(self, port: int, *, connections: int = 40, timeout: float = 60, uses: int = 20) -> None:
        self._port, self._timeout, self._uses = port, timeout, uses
        # (reader, writer, when last used, requests carried)
        self._free: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float, int]] = []
        self.slots = asyncio.Semaphore(connections)  # held by the caller around each `post`
        self._head = (f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                      f"Content-Type: application/json\r\n{SECRET_HEADER}: {SECRET}\r\n").encode()

    async def post(self, body: bytes) -> int:
        """Return the status answered; raise OSError/TimeoutError when the connection failed. The caller holds
        one of `slots`."""
        now = time.monotonic()
        while self._free and now - self._free[-1][2] > _KEEP_ALIVE:
            self._free.pop()[1].close()
        if self._free:
            reader, writer, _, carried = self._free.pop()
        else:
            (reader, writer), carried = await asyncio.open_connection("127.0.0.1", self._port), 0
        try:
            async with asyncio.timeout(self._timeout):
                writer.write(self._head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
                status_line = await reader.readline()
                if not status_line:
                    raise ConnectionResetError("closed by the server")
                status = int(status_line.split()[1])
                length, close = 0, False
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                    elif name.lower() == "connection" and value.strip().lower() == "close":
                        close = True
                await reader.readexactly(length)
        except BaseException:
            writer.close()
            raise
        if close or carried + 1 >= self._uses:
            writer.close()
        else:
            self._free.append((reader, writer, time.monotonic(), carried + 1))
        return status

    def close(self) -> None:
        for _, writer, _, _ in self._free:
            writer.close()
        self._free.clear()


def _join(person: int) -> list[tuple[str, str]]:
    return [
        ("say", f"/start {invite_code(BRANCHES[person % len(BRANCHES)])}"),
        ("say", "Nguyễn 123"),  # refused: digits in a name
        ("say", roster_name(person)),
        ("say", str(birth_year(person))),
        ("press", "yes"),  # "that's me", under the roster row found
    ]


# Once joined, a person keeps doing what members do, over and over.
_ROUND = [
    ("say", "/trogiup"),
    ("say", "/gioithieu"),
    ("press", "yes"),  # consent
    ("say", "Lý Thị Diễm"),
    ("say", "/huy"),
    ("say", "/cuatoi"),
]


@dataclass
class Person:
    index: int
    step: int = 0

    @property
    def user_id(self) -> int:
        return FIRST_USER + self.index

    def next_update(self, update_id: int, platform: Platform) -> dict[str, Any]:
        """Return this person's next update: what the script says, or the press of a button the bot showed
        (the one the script wants when offered, else the first: the dialogs may have changed under the script)."""
        join = _join(self.index)
        kind, value = join[self.step] if self.step < len(join) else _ROUND[(self.step - len(join)) % len(_ROUND)]
        user = {"id": self.user_id, "is_bot": False, "first_name": "Bảo", "language_code": "vi"}
        chat = {"id": self.user_id, "type": "private", "first_name": "Bảo"}
        if kind == "press" and (shown := platform.keyboard(self.user_id)) is not None:
            buttons = [b for row in shown["reply_markup"]["inline_keyboard"] for b in row if "callback_data" in b]
            chosen = next((b for b in buttons if value in (b["text"], str(b["callback_data"]).partition(".")[2])),
                          buttons[0] if buttons else None)
            if chosen is not None:
                return {"update_id": update_id, "callback_query": {
                    "id": f"cb-{update_id}", "from": user, "chat_instance": "-4923810582251470392",
                    "data": chosen["callback_data"], "message": shown}}
        said = value if kind == "say" else "/cuatoi"  # nothing to press: the person asks something instead
        message: dict[str, Any] = {"message_id": update_id, "date": int(time.time()), "from": user, "chat": chat,
                                   "text": said}
        if said.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(said.split(" ")[0])}]
        return {"update_id": update_id, "message": message}


@dataclass
class Window:
    """What happened to the updates started in one measuring window."""

    offered: int = 0
    began: float = 0.0  # loop time the first update was due
    ended: float = 0.0  # loop time the last one was answered
    starved: int = 0  # ticks when every person still waited for an answer
    late: int = 0  # updates still waiting for a free connection when the run ended: never sent
    acked: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, scheduled send → 200
    lags: list[float] = field(default_factory=list)  # seconds the generator started late
    retries: int = 0
    refused: Counter[int] = field(default_factory=Counter)  # status → count (not 200, not retried)

    @property
    def per_second(self) -> float:
        """Updates answered a second, from the first due to the last answered."""
        return self.acked / (self.ended - self.began) if self.ended > self.began else 0.0

    def quantile(self, values: list[float], q: int) -> float:
        if len(values) < 2:
            return values[0] * 1000 if values else float("nan")
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


class Generator:
    """Post the people's updates at a fixed rate; a person has one update in flight at most (a failed delivery is
    tried again, as Telegram does, until answered 200).

    Each update is a new person's first (while some have not started) or, as often, the next of a person picked at
    random among those not waiting for an answer: at any moment people are at every step of their dialogs.
    """

    def __init__(self, people: int, platform: Platform, poster: Poster, *, first_update: int = 500_000_000) -> None:
        self._platform, self._poster = platform, poster
        self._fresh = deque(Person(index) for index in range(people))  # not started yet
        self._idle: list[Person] = []  # started, waiting for nothing
        self._random = random.Random(13)
        self._ids = itertools.count(first_update)
        self._tasks: set[asyncio.Task[None]] = set()
        self.sent: set[int] = set()  # update ids posted at least once
        self.acked: set[int] = set()  # update ids answered 200
        self.given_up: set[int] = set()
        self._closing = False

    async def run(self, rate: float, seconds: float, *, window: Window | None = None) -> Window:
        """Start `rate` updates a second for `seconds`, then wait for those still in flight; return what happened
        (in `window` when given, which others may read as it fills)."""
        window = window or Window()
        loop = asyncio.get_running_loop()
        started = loop.time()
        window.began = window.began or started
        ticks = 0
        while ticks < rate * seconds:
            due = started + ticks / rate
            now = loop.time()
            if due > now:
                await asyncio.sleep(due - now)
                now = loop.time()
            while ticks < rate * seconds and started + ticks / rate <= now:
                scheduled = started + ticks / rate
                ticks += 1
                window.offered += 1
                person = self._pick()
                if person is None:
                    window.starved += 1
                    continue
                window.lags.append(now - scheduled)
                task = asyncio.create_task(self._deliver(person, scheduled, window))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        # Updates still waiting for a free connection now are not sent at all (counted as `late`): a run ends on
        # time even when more was offered than the workers can take, and only the updates in flight are awaited.
        self._closing = True
        try:
            await self.drain()
        finally:
            self._closing = False
        return window

    def _pick(self) -> Person | None:
        if self._fresh and (not self._idle or self._random.random() < 0.5):
            return self._fresh.popleft()
        if not self._idle:
            return None
        index = self._random.randrange(len(self._idle))
        self._idle[index], self._idle[-1] = self._idle[-1], self._idle[index]
        return self._idle.pop()

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def _deliver(self, person: Person, scheduled: float, window: Window) -> None:
        loop = asyncio.get_running_loop()
        update_id: int | None = None
        body = b""
        delays = itertools.chain((0.05, 0.1, 0.2, 0.5, 1.0), itertools.repeat(2.0))
        while True:
            async with self._poster.slots:
                if update_id is None:
                    if self._closing:
                        window.late += 1
                        self._idle.append(person)
                        return
                    update_id = next(self._ids)
                    update = person.next_update(update_id, self._platform)
                    body = json.dumps(update, ensure_ascii=False).encode()
                    self._platform.in_flight[person.user_id] = update_id
                    self.sent.add(update_id)
                try:
                    status = await self._poster.post(body)
                except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
                    status = 0  # the connection failed (a worker killed): deliver again
            if status == 200:
                window.acked += 1
                window.ended = loop.time()
                window.latencies.append(window.ended - scheduled)
                self.acked.add(update_id)
                break
            if status not in (0, 500, 502, 503, 504):
                window.refused[status] += 1
                break
            if loop.time() - scheduled > 600:
                self.given_up.add(update_id)
                break
            window.retries += 1
            await asyncio.sleep(next(delays))
        del self._platform.in_flight[person.user_id]
        person.step += 1
        self._idle.append(person)


# ---- the workers


class SharedPortRunner(Runner):
    """The production runner, serving its routes on a listening socket it was handed instead of binding one."""

    def __init__(self, *args: Any, sock: socket.socket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sock = sock

    async def _listen(self, stack: AsyncExitStack) -> None:
        webhooks = [Webhook(address.path, address.header, address.secret, dispatcher.receive)
                    for dispatcher in self._dispatchers if (address := dispatcher.channel.webhook()) is not None]
        config = uvicorn.Config(Starlette(routes=routes(webhooks=webhooks, db=self._app.db)), log_config=None,
                                access_log=False, lifespan="off")
        server = _QuietServer(config)
        task = asyncio.create_task(server.serve(sockets=[self._sock]))
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)

        async def stop() -> None:
            server.should_exit = True
            await task

        stack.push_async_callback(stop)


class _QuietServer(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the worker's own handler stops the runner


async def _worker(fd: int) -> int:
    settings = Settings()  # from the environment the driver set
    app = build_app(settings)
    try:
        await app.prepare()
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        # No flood limiter: the far side is a local fake, and what is measured is our cost (as in
        # bench/telegram_throughput.py). The outbox sender paces itself at OUTBOX_RATE_PER_SECOND.
        channels = platform_channels(app)
        sock = socket.socket(fileno=fd)
        return await SharedPortRunner(app, channels, stop, sock=sock).run()
    finally:
        await app.close()


def worker_environment(database_url: str, platform: Platform, port: int, **extra: str) -> dict[str, str]:
    """Return the environment of a worker: the settings a deployment would put in `.env`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "ZALO_"))}
    env.update({
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": platform.token,
        "TELEGRAM_API_BASE_URL": platform.base_url,
        "TELEGRAM_WEBHOOK_URL": f"https://bot.example.org{WEBHOOK_PATH}",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        # Made-up people: the development key seals them (a worker with a platform token needs a key).
        "SENSITIVE_KEYS": DEVELOPMENT_KEY.decode("ascii"),
        "HTTP_PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        **extra,
    })
    return env


@dataclass
class Fleet:
    """N worker processes sharing one listening socket; each slot can be killed and started again."""

    env: dict[str, str]
    logs: Path
    sock: socket.socket = field(init=False)
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    starts: int = 0

    def __post_init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=1024)
        self.sock.set_inheritable(True)
        self.logs.mkdir(parents=True, exist_ok=True)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def start(self, slot: int, *, profile: Path | None = None) -> int:
        fd = self.sock.fileno()
        command = [sys.executable, "-m", "bench.webhook_fleet", "--fd", str(fd)]
        if profile is not None:
            command += ["--profile", str(profile)]
        with (self.logs / f"worker{slot}.log").open("ab") as log:
            process = subprocess.Popen(command, cwd=ROOT,
                                       env=self.env, pass_fds=(fd,), stdout=log, stderr=subprocess.STDOUT)
        self.processes[slot] = process
        self.starts += 1
        return process.pid

    def kill(self, slot: int) -> int:
        process = self.processes[slot]
        process.send_signal(signal.SIGKILL)
        process.wait()
        return process.pid

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes.values() if p.poll() is None]

    def error_lines(self) -> list[str]:
        """Return the workers' log lines above WARNING, and tracebacks."""
        found = []
        for path in sorted(self.logs.glob("worker*.log")):
            for line in path.read_text(errors="replace").splitlines():
                if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback"):
                    found.append(f"{path.name}: {line}")
        return found

    def warnings(self) -> Counter[str]:
        """Return the workers' WARNING lines, by message with numbers blanked."""
        seen: Counter[str] = Counter()
        for path in sorted(self.logs.glob("worker*.log")):
            for line in path.read_text(errors="replace").splitlines():
                if " WARNING " in line:
                    seen[re.sub(r"\d+", "N", line.split(" WARNING ", 1)[1])] += 1
        return seen


# ---- measuring processes


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) process `pid` has used, 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def machine_busy() -> tuple[float, float]:
    """Return (busy, total) jiffies of the whole machine so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


async def backend_pids(database_url: str) -> list[int]:
    """Return the PostgreSQL server processes serving database connections to the bench database."""
    engine = create_engine(database_url, sealer=BENCH_SEALER)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            return [int(row[0]) for row in rows]
    finally:
        await engine.dispose()


@dataclass
class CpuMeter:
    """CPU used by groups of processes between `start()` and `stop()`, in cores (1.0 = one core busy)."""

    groups: dict[str, Sequence[int]]
    _before: dict[str, dict[int, float]] = field(default_factory=dict)
    _machine: tuple[float, float] = (0.0, 0.0)
    _t: float = 0.0

    def start(self) -> None:
        self._before = {name: {pid: cpu_seconds(pid) for pid in pids} for name, pids in self.groups.items()}
        self._machine = machine_busy()
        self._t = time.monotonic()

    def stop(self, born: dict[str, Sequence[int]] | None = None) -> dict[str, float]:
        """Return the cores each group used; `born` adds processes started since `start()` (all their CPU)."""
        elapsed = time.monotonic() - self._t
        used = {name: sum(max(0.0, cpu_seconds(pid) - before) for pid, before in pids.items()) / elapsed
                for name, pids in self._before.items()}
        for name, pids in (born or {}).items():
            used[name] += sum(cpu_seconds(pid) for pid in pids if pid not in self._before[name]) / elapsed
        busy, total = machine_busy()
        used["machine"] = (busy - self._machine[0]) / max(1.0, total - self._machine[1]) * (os.cpu_count() or 1)
        return used


async def leader_pid(database_url: str, worker_pids: Sequence[int]) -> int | None:
    """Return which worker holds the scheduler's advisory lock: the backend holding it is matched to the worker
    whose TCP connection has the backend's client port."""
    engine = create_engine(database_url, sealer=BENCH_SEALER)
    try:
        async with engine.connect() as connection:
            port = (await connection.execute(text(
                "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"))).scalar()
    finally:
        await engine.dispose()
    return None if port is None else _owner_of_port(int(port), worker_pids)


def _owner_of_port(port: int, pids: Sequence[int]) -> int | None:
    """Return which of `pids` has a TCP socket bound to local `port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                if int(parts[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(parts[9])
    for pid in pids:
        with suppress(FileNotFoundError, PermissionError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with suppress(FileNotFoundError):
                    if (link := os.readlink(fd)).startswith("socket:[") and link[8:-1] in inodes:
                        return pid
    return None


async def handled_ids(database_url: str) -> set[int]:
    """Return the Telegram update ids the engine claimed (recorded in the transaction of their effects)."""
    engine = create_engine(database_url, sealer=BENCH_SEALER)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT update_id FROM processed_update WHERE channel = 'telegram'"))
            return {int(row[0]) for row in rows}
    finally:
        await engine.dispose()


async def leased_keys(database_url: str) -> set[str]:
    """Return the dedupe keys of the outbox rows leased to a sender and not recorded yet (status `sending`)."""
    engine = create_engine(database_url, sealer=BENCH_SEALER)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT dedupe_key FROM outbox WHERE status = 'sending'"))
            return {str(row[0]) for row in rows}
    finally:
        await engine.dispose()


async def unsent_pushes(database_url: str, *, prefix: str) -> int:
    """Return how many outbox rows whose dedupe key starts with `prefix` are still pending or leased."""
    engine = create_engine(database_url, sealer=BENCH_SEALER)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(text(
                "SELECT count(*) FROM outbox WHERE dedupe_key LIKE :pattern AND status IN ('pending', 'sending')"),
                {"pattern": prefix + "%"})).scalar_one())
    finally:
        await engine.dispose()


async def wait_for_webhooks(platform: Platform, count: int) -> None:
    """Wait until `count` worker starts in all have registered the webhook (each does it once it serves)."""
    async with asyncio.timeout(60):
        while platform.methods["setWebhook"] < count:
            platform.called.clear()
            await platform.called.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="one webhook worker on an inherited listening socket")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--profile", type=Path, help="write cProfile statistics here when stopped by SIGTERM")
    args = parser.parse_args()
    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.profile is None:
        sys.exit(asyncio.run(_worker(args.fd)))
    profile = cProfile.Profile()
    code = profile.runcall(asyncio.run, _worker(args.fd))
    profile.dump_stats(args.profile)
    sys.exit(code)


if __name__ == "__main__":
    main()
