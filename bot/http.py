"""The one HTTP server (an ASGI app: Starlette under uvicorn): every channel's webhook and `GET /healthz`.

The officers' web pages, signed file links and `/metrics` (`bot.web`) join as more routes in `routes()`.

Every webhook is guarded the same way: the platform's secret header is checked before any of the body is read,
a body over `BODY_LIMIT` is answered 413 without being read whole, and what is left must be a JSON object of
sane depth (else 400, which tells the platform retrying will not help) before the channel sees it. The channel
answers only once the update is handled, so a failure (the database away) answers 500 and the platform delivers
the update again; the engine's update-id claim turns that redelivery into a no-op still acknowledged with 200.

Platforms post small, flat JSON updates (a Telegram update is under 10 kB and about 8 levels deep), so these
limits cost them nothing, while a stranger can no longer make the server buffer 100 MB per request.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import socket
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.inbox import DATABASE_FAILURES

__all__ = ["BODY_LIMIT", "DEPTH_LIMIT", "HEALTH_PATH", "HttpServer", "Webhook", "json_object", "routes"]

log = logging.getLogger(__name__)

BODY_LIMIT = 1024 * 1024  # bytes
DEPTH_LIMIT = 64  # nested objects and arrays
HEALTH_PATH = "/healthz"


@dataclass(frozen=True, slots=True)
class Webhook:
    """One channel's webhook: where the platform posts, the header carrying our secret, and who takes the body.

    `receive` gets an authenticated JSON object and returns the status to answer (400 for a body that is not an
    update of this platform); what it raises answers 500, so the platform delivers the update again.
    """

    path: str
    header: str
    secret: str
    receive: Callable[[dict[str, Any]], Awaitable[HTTPStatus]]


def routes(*, webhooks: Sequence[Webhook], db: AsyncEngine, pages: Sequence[BaseRoute] = ()) -> list[BaseRoute]:
    """Return every route the server serves: `/healthz`, one `POST` per webhook, then `pages` (bot.web)."""
    return [
        Route(HEALTH_PATH, _health(db), methods=["GET"]),
        *(Route(hook.path, _guarded(hook), methods=["POST"]) for hook in webhooks),
        *pages,
    ]


def json_object(body: bytes, *, depth: int = DEPTH_LIMIT) -> dict[str, Any] | None:
    """Return `body` parsed when it is a JSON object nested at most `depth` levels, else None."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser's stack allows
        return None
    if not isinstance(data, dict) or _deeper_than(data, depth):
        return None
    return data


def _deeper_than(value: Any, limit: int) -> bool:
    level: list[Any] = [value]
    for _ in range(limit):
        level = [child for node in level for child in _children(node)]
        if not level:
            return False
    return True


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [child for child in node.values() if isinstance(child, (dict, list))]
    if isinstance(node, list):
        return [child for child in node if isinstance(child, (dict, list))]
    return []


def _answer(status: HTTPStatus) -> Response:
    return JSONResponse({"ok": status == HTTPStatus.OK}, status_code=status)


def _guarded(hook: Webhook) -> Callable[[Request], Awaitable[Response]]:
    if not hook.secret:
        raise ValueError("a webhook needs a secret")
    secret = hook.secret.encode()

    async def endpoint(request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get(hook.header, "").encode(), secret):
            return _answer(HTTPStatus.FORBIDDEN)
        length = request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > BODY_LIMIT):
            return _answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        body = bytearray()
        async for chunk in request.stream():
            if len(body) + len(chunk) > BODY_LIMIT:  # a chunked body, whose length was not announced
                return _answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            body += chunk
        data = json_object(bytes(body))
        if data is None:
            return _answer(HTTPStatus.BAD_REQUEST)
        try:
            return _answer(await hook.receive(data))
        except Exception:
            # Logged without the path, which a deployment may use to hide a secret.
            log.exception("webhook update could not be handled")
            return _answer(HTTPStatus.INTERNAL_SERVER_ERROR)

    return endpoint


def _health(db: AsyncEngine) -> Callable[[Request], Awaitable[Response]]:
    async def health(request: Request) -> Response:
        try:
            async with db.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except DATABASE_FAILURES:
            return JSONResponse({"status": "database unreachable"}, status_code=HTTPStatus.SERVICE_UNAVAILABLE)
        return JSONResponse({"status": "ok"})

    return health


class HttpServer:
    """Serve `routes` on `listen:port` under uvicorn until `stop()`; `port` is the bound one (0 asks any)."""

    def __init__(self, routes: list[BaseRoute], *, listen: str, port: int) -> None:
        config = uvicorn.Config(Starlette(routes=routes), host=listen, port=port, log_config=None,
                                access_log=False, lifespan="off", proxy_headers=True)
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None
        self.port: int | None = None

    async def start(self) -> int:
        """Start listening and return the port; raise `OSError` when the address cannot be bound (the port taken)."""
        # Bound here rather than by uvicorn, which answers a taken port with `sys.exit`.
        config = self._server.config
        family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
        sock = socket.create_server((config.host, config.port), family=family)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raise why it could not start
                raise OSError("the HTTP server stopped before it listened")
            await asyncio.sleep(0.01)
        [server] = self._server.servers
        self.port = int(server.sockets[0].getsockname()[1])
        log.warning("HTTP server listening on %s:%s", self._server.config.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._task is not None:
            self._server.should_exit = True
            await self._task
            self._task = None


class _Server(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The runner installs SIGINT/SIGTERM once for the whole process; uvicorn must not take them over.
        yield
