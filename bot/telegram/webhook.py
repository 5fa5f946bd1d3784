"""Webhook mode: a small tornado server (python-telegram-bot's webhooks extra brings it) that checks
Telegram's secret header on every request, handles the update before answering, and serves `/healthz`.

Answering only after the update is handled means a crash makes Telegram deliver it again; the engine's
update-id claim turns that redelivery into a no-op that is still acknowledged with 200.
"""

from __future__ import annotations

import hmac
import json
import logging
import socket
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

__all__ = ["HEALTH_PATH", "SECRET_HEADER", "MalformedUpdate", "WebhookServer"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"
Process = Callable[[dict[str, Any]], Awaitable[None]]


class MalformedUpdate(ValueError):
    """Raised by `process` for a body that is JSON but not an update: answered 400, as retrying cannot help."""


class WebhookServer:
    """Serve `POST <path>` (updates) and `GET /healthz` on `listen:port` until `stop()`."""

    def __init__(self, *, path: str, secret: str, process: Process, listen: str, port: int) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret token")
        self._listen, self._port = listen, port
        handlers: list[Any] = [
            (HEALTH_PATH, _Health),
            (path, _Updates, {"secret": secret, "process": process}),
        ]
        self._app = tornado.web.Application(handlers, log_function=_log_request)
        self._server: HTTPServer | None = None
        self._sockets: list[socket.socket] = []

    async def start(self) -> int:
        """Start listening; return the port (useful when 0 asked for any free one)."""
        self._sockets = bind_sockets(self._port, address=self._listen)
        self._server = HTTPServer(self._app, xheaders=True)
        self._server.add_sockets(self._sockets)
        port = int(self._sockets[0].getsockname()[1])
        log.info("webhook server listening on %s:%s", self._listen, port)
        return port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None


class _Updates(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)  # type: ignore[assignment]

    def initialize(self, secret: str, process: Process) -> None:
        self._secret = secret.encode()
        self._process = process

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            self._answer(HTTPStatus.FORBIDDEN)
            return
        try:
            data = json.loads(self.request.body)
        except ValueError:
            self._answer(HTTPStatus.BAD_REQUEST)
            return
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            self._answer(HTTPStatus.BAD_REQUEST)
            return
        try:
            await self._process(data)
        except MalformedUpdate:
            log.warning("webhook body is not a Telegram update (update_id %s)", data["update_id"])
            self._answer(HTTPStatus.BAD_REQUEST)
            return
        self._answer(HTTPStatus.OK)

    def _answer(self, status: HTTPStatus) -> None:
        self.set_status(status)
        self.finish({"ok": status == HTTPStatus.OK})

    def log_exception(self, kind: Any, error: Any, tb: Any) -> None:
        # Not tornado's default line, which quotes the path (a deployment may hide a secret in it).
        log.error("webhook update could not be handled", exc_info=(kind, error, tb))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # An unexpected failure answers 500 without a traceback, so Telegram delivers the update again.
        self.finish({"ok": False})


class _Health(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("GET",)  # type: ignore[assignment]

    def get(self) -> None:
        self.finish({"status": "ok"})


def _log_request(handler: tornado.web.RequestHandler) -> None:
    # Method and status only: a deployment may hide a secret in the webhook path.
    log.debug("webhook %s → %s", handler.request.method, handler.get_status())
