"""Webhook mode: a small tornado server (python-telegram-bot's webhooks extra brings it) that checks
Telegram's secret header before reading a body (`bot.webhook`), handles the update before answering, and serves
`/healthz`.

Answering only after the update is handled means a crash makes Telegram deliver it again; the engine's
update-id claim turns that redelivery into a no-op that is still acknowledged with 200. A body that is not an
update is answered 400, so Telegram does not deliver it again forever.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from bot.webhook import GuardedWebhook

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
            (path, GuardedWebhook, {"header": SECRET_HEADER, "secret": secret, "receive": _receiver(process)}),
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


def _receiver(process: Process) -> Callable[[dict[str, Any]], Awaitable[HTTPStatus]]:
    async def receive(data: dict[str, Any]) -> HTTPStatus:
        update_id = data.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return HTTPStatus.BAD_REQUEST
        try:
            await process(data)
        except MalformedUpdate:
            log.warning("webhook body is not a Telegram update (update_id %s)", update_id)
            return HTTPStatus.BAD_REQUEST
        return HTTPStatus.OK

    return receive


class _Health(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("GET",)  # type: ignore[assignment]

    def get(self) -> None:
        self.finish({"status": "ok"})


def _log_request(handler: tornado.web.RequestHandler) -> None:
    # Method and status only: a deployment may hide a secret in the webhook path.
    log.debug("webhook %s → %s", handler.request.method, handler.get_status())
