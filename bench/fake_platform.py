"""A loopback Bot API server that counts deliveries per message text (the outbox tests and the benchmark put the
dedupe key in the text), for the outbox crash test and `bench/outbox_drain.py`.

It can also hold requests at a chosen point, so that a test can kill the sender with requests in flight:

* `hold_before(n)`: once `n` messages were delivered, hold every further request *before* it is delivered
  (the platform never got it);
* `hold_after(n)`: deliver message `n + 1` and the ones after it, but hold their responses (the platform got
  them; the sender never hears so).

In-process: `await FakePlatform(token).start()`. As a process: `python -m bench.fake_platform` prints its port,
then serves; `GET /stats` answers the counts as JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import sys
from collections import Counter
from typing import Any

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.iostream import StreamClosedError
from tornado.netutil import bind_sockets

__all__ = ["TOKEN", "FakePlatform"]

TOKEN = "424242:AAF-loopback-fake-platform-token"
_BOT = {"id": 424242, "is_bot": True, "first_name": "Bot 1+1", "username": "bot11_fake_bot"}


class FakePlatform:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.deliveries: Counter[str] = Counter()
        self.held_after: list[str] = []  # texts delivered whose response was held
        self.per_chat: Counter[str] = Counter()
        self.blocked: set[str] = set()
        self.failures: dict[str, list[tuple[int, str, int | None]]] = {}  # chat → queued error answers
        self.held = asyncio.Event()
        self._release = asyncio.Event()
        self._hold: tuple[str, int] | None = None
        self._server: HTTPServer | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def delivered(self) -> int:
        return sum(self.deliveries.values())

    def duplicates(self) -> dict[str, int]:
        return {text: count for text, count in self.deliveries.items() if count > 1}

    def hold_before(self, count: int) -> None:
        self._gate(("before", count))

    def hold_after(self, count: int) -> None:
        self._gate(("after", count))

    def _gate(self, hold: tuple[str, int]) -> None:
        self._hold = hold
        self.held.clear()
        self._release = asyncio.Event()

    def release(self) -> None:
        """Let held requests go: ones held before delivery are dropped undelivered."""
        self._hold = None
        self._release.set()

    def fail(self, chat_id: str, status: int, description: str, *, retry_after: int | None = None,
             times: int = 1) -> None:
        self.failures.setdefault(chat_id, []).extend([(status, description, retry_after)] * times)

    async def start(self, port: int = 0) -> FakePlatform:
        sockets: list[socket.socket] = bind_sockets(port, address="127.0.0.1")
        self.port = int(sockets[0].getsockname()[1])
        app = tornado.web.Application([(r"/bot([^/]+)/(\w+)", _Method, {"fake": self}),
                                       (r"/stats", _Stats, {"fake": self})], log_function=lambda _: None)
        self._server = HTTPServer(app)
        self._server.add_sockets(sockets)
        return self

    async def stop(self) -> None:
        self.release()
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()

    async def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "getMe":
            return 200, {"ok": True, "result": _BOT}
        if method != "sendMessage":
            return 200, {"ok": True, "result": True}
        chat = str(params["chat_id"])
        if chat in self.blocked:
            return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        queued = self.failures.get(chat)
        if queued:
            status, description, retry_after = queued.pop(0)
            body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
            if retry_after is not None:
                body["parameters"] = {"retry_after": retry_after}
            return status, body
        if self._hold is not None and self._hold[0] == "before" and self.delivered >= self._hold[1]:
            self.held.set()
            await self._release.wait()
            # Dropped: the sender was killed while this request was on its way; the platform never got it.
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        self.deliveries[str(params.get("text", ""))] += 1
        self.per_chat[chat] += 1
        if self._hold is not None and self._hold[0] == "after" and self.delivered > self._hold[1]:
            self.held_after.append(str(params.get("text", "")))
            self.held.set()
            await self._release.wait()
        message = {"message_id": self.delivered, "date": 1764039600, "from": _BOT,
                   "chat": {"id": int(chat), "type": "private"}, "text": params.get("text", "")}
        return 200, {"ok": True, "result": message}


class _Method(tornado.web.RequestHandler):
    def initialize(self, fake: FakePlatform) -> None:
        self.fake = fake

    async def post(self, token: str, method: str) -> None:
        if token != self.fake.token:
            self.set_status(401)
            self.finish({"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        if self.request.headers.get("Content-Type", "").startswith("application/json"):
            params = json.loads(self.request.body or b"{}")
        else:
            params = {name: values[0].decode() for name, values in self.request.body_arguments.items()}
        status, body = await self.fake.answer(method, params)
        self.set_status(status)
        with contextlib.suppress(StreamClosedError):  # the sender was killed while we held its request
            await self.finish(body)

    get = post


class _Stats(tornado.web.RequestHandler):
    def initialize(self, fake: FakePlatform) -> None:
        self.fake = fake

    def get(self) -> None:
        self.finish({"delivered": self.fake.delivered, "distinct": len(self.fake.deliveries),
                     "duplicates": len(self.fake.duplicates())})


async def _main() -> None:
    fake = await FakePlatform().start(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    sys.stdout.write(f"{fake.port}\n")
    sys.stdout.flush()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(_main())
