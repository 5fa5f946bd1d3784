"""A Bot API server on 127.0.0.1 for tests and the benchmark: it serves queued updates to `getUpdates`,
answers the send/edit/menu/webhook methods the bot uses, records every call, and can be told to fail the next
calls of a method (a 429 with `retry_after`, a 403 "bot was blocked by the user", a 500 …)."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

__all__ = ["BOT_USER", "Call", "Failure", "FakeBotApi"]

BOT_USER = {"id": 7733101201, "is_bot": True, "first_name": "Bot 1+1", "username": "bot11_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
_JSON_FIELDS = {"reply_markup", "commands", "scope", "allowed_updates"}
_TRUE_METHODS = {"answerCallbackQuery", "setWebhook", "deleteWebhook", "setMyCommands", "deleteMyCommands"}


@dataclass
class Call:
    """One request the bot made: method, decoded parameters, uploaded files, and what we answered."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    status: int = 200


@dataclass(frozen=True)
class Failure:
    status: int
    description: str
    retry_after: int | None = None


class FakeBotApi:
    """Start with `await api.start()`; point the bot at `api.base_url` with `api.token`."""

    def __init__(self, token: str = "987654321:AAH-fAkE_t0ken-for-the-loopback-server") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.sent: list[dict[str, Any]] = []  # messages the bot sent successfully, in order
        self.confirmed = 0  # every update below this offset was confirmed by a getUpdates
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(803471190)
        self._message_ids = itertools.count(1)
        self._failures: dict[str, list[Failure]] = {}
        self._arrived = asyncio.Condition()
        self._closing = False
        self._server: HTTPServer | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self, port: int = 0) -> FakeBotApi:
        sockets: list[socket.socket] = bind_sockets(port, address="127.0.0.1")
        self.port = int(sockets[0].getsockname()[1])
        app = tornado.web.Application([(r"/bot([^/]+)/(\w+)", _Method, {"api": self})],
                                      log_function=lambda handler: None)
        self._server = HTTPServer(app)
        self._server.add_sockets(sockets)
        return self

    async def stop(self) -> None:
        self._closing = True
        async with self._arrived:
            self._arrived.notify_all()
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()

    # ---- what tests use

    def fail(self, method: str, failure: Failure, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with `failure`."""
        self._failures.setdefault(method, []).extend([failure] * times)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def messages_to(self, chat_id: int) -> list[dict[str, Any]]:
        return [message for message in self.sent if message["chat"]["id"] == chat_id]

    async def push(self, update: dict[str, Any]) -> int:
        """Queue an update for `getUpdates`, numbering it; return its update id."""
        update = {"update_id": next(self._update_ids), **update}
        async with self._arrived:
            self._updates.append(update)
            self._arrived.notify_all()
        return int(update["update_id"])

    def numbered(self, update: dict[str, Any]) -> dict[str, Any]:
        """Return `update` with a fresh update id, for posting to a webhook."""
        return {"update_id": next(self._update_ids), **update}

    async def until_confirmed(self, update_id: int) -> None:
        """Wait until the bot confirmed `update_id`, which it does only after handling it."""
        await self.until(lambda: self.confirmed > update_id)

    async def until(self, condition: Callable[[], bool]) -> None:
        """Wait until `condition` holds; it is checked again after every call the bot makes."""
        async with self._arrived:
            await self._arrived.wait_for(condition)

    # ---- the Bot API

    async def answer(self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
                     ) -> tuple[int, dict[str, Any]]:
        try:
            return await self._answer(method, params, files)
        finally:
            async with self._arrived:
                self._arrived.notify_all()

    async def _answer(self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
                      ) -> tuple[int, dict[str, Any]]:
        call = Call(method, params, files)
        self.calls.append(call)
        pending = self._failures.get(method)
        if pending:
            failure = pending.pop(0)
            call.status = failure.status
            body: dict[str, Any] = {"ok": False, "error_code": failure.status, "description": failure.description}
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return failure.status, body
        if method == "getUpdates":
            return 200, {"ok": True, "result": await self._get_updates(params)}
        if method == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        if method in _TRUE_METHODS:
            return 200, {"ok": True, "result": True}
        if method in ("sendMessage", "sendPhoto", "sendDocument", "editMessageText"):
            return 200, {"ok": True, "result": self._message(method, params, files)}
        call.status = 404
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0))
        limit = int(params.get("limit", 100))
        timeout = float(params.get("timeout", 0))
        async with self._arrived:
            if offset:
                self.confirmed = max(self.confirmed, offset)
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                self._arrived.notify_all()
            if not self._updates and timeout > 0 and not self._closing:
                try:
                    async with asyncio.timeout(timeout):
                        await self._arrived.wait_for(lambda: bool(self._updates) or self._closing)
                except TimeoutError:
                    pass
            return self._updates[:limit]

    def _message(self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
                 ) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": int(params.get("message_id") or next(self._message_ids)), "date": 1764039600,
            "from": BOT_USER, "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
        }
        if "text" in params:
            message["text"] = params["text"]
        if "caption" in params:
            message["caption"] = params["caption"]
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        if method == "sendPhoto":
            message["photo"] = [{"file_id": "photo-1", "file_unique_id": "u-photo-1", "width": 800, "height": 600}]
        if method == "sendDocument":
            name = files["document"][0] if "document" in files else "file"
            message["document"] = {"file_id": "doc-1", "file_unique_id": "u-doc-1", "file_name": name}
        if method != "editMessageText":
            message["method"] = method
            message["files"] = files
            self.sent.append(message)
        return {k: v for k, v in message.items() if k not in ("method", "files")}


class _Method(tornado.web.RequestHandler):
    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    async def post(self, token: str, method: str) -> None:
        if token != self.api.token:
            self.set_status(401)
            self.finish({"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        params: dict[str, Any] = {}
        if self.request.headers.get("Content-Type", "").startswith("application/json"):
            params = json.loads(self.request.body or b"{}")
        else:
            for name, values in self.request.body_arguments.items():
                value = values[0].decode()
                params[name] = json.loads(value) if name in _JSON_FIELDS else value
        files = {name: (upload[0].filename, upload[0].body) for name, upload in self.request.files.items()}
        status, body = await self.api.answer(method, params, files)
        self.set_status(status)
        self.finish(body)

    get = post
