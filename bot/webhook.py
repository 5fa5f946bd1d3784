"""The guard in front of every webhook (Telegram's and Zalo's): the platform's secret header is checked before
any of the body is read, a body over `BODY_LIMIT` is answered 413 without being read whole, and what is left
must be a JSON object of sane depth before the channel sees it.

Platforms post small, flat JSON updates (a Telegram update is under 10 kB and about 8 levels deep), so these
limits cost them nothing, while a stranger can no longer make the server buffer 100 MB per request, and an
authenticated but malformed body gets 400, which tells the platform retrying will not help.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import tornado.web

__all__ = ["BODY_LIMIT", "DEPTH_LIMIT", "GuardedWebhook", "json_object"]

log = logging.getLogger(__name__)

BODY_LIMIT = 1024 * 1024  # bytes
DEPTH_LIMIT = 64  # nested objects and arrays
Receive = Callable[[dict[str, Any]], Awaitable[HTTPStatus]]


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


@tornado.web.stream_request_body
class GuardedWebhook(tornado.web.RequestHandler):
    """`POST` handler: secret header, then size, then a JSON object handed to `receive` for the status to answer.

    Mounted with `{"header": <secret header name>, "secret": ..., "receive": ...}`. An exception from `receive`
    (the database away) answers 500 without a traceback, so the platform delivers the update again.
    """

    SUPPORTED_METHODS = ("POST",)  # type: ignore[assignment]

    def initialize(self, *, header: str, secret: str, receive: Receive, limit: int = BODY_LIMIT) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret")
        self._header, self._secret, self._receive, self._limit = header, secret.encode(), receive, limit
        self._body = bytearray()
        self._answered = False

    def prepare(self) -> None:
        given = self.request.headers.get(self._header, "").encode()
        if not hmac.compare_digest(given, self._secret):
            self._answer(HTTPStatus.FORBIDDEN)
            return
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > self._limit):
            self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)

    def data_received(self, chunk: bytes) -> None:
        if self._answered:
            return
        if len(self._body) + len(chunk) > self._limit:  # a chunked body, whose length was not announced
            self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            return
        self._body += chunk

    async def post(self) -> None:
        if self._answered:
            return
        data = json_object(bytes(self._body))
        if data is None:
            self._answer(HTTPStatus.BAD_REQUEST)
            return
        self._answer(await self._receive(data))

    def _answer(self, status: HTTPStatus) -> None:
        # Finishing before the body was read makes tornado close the connection instead of reading the rest.
        self._answered = True
        self.set_status(status)
        self.finish({"ok": status == HTTPStatus.OK})

    def log_exception(self, kind: Any, error: Any, tb: Any) -> None:
        # Not tornado's default line, which quotes the path (a deployment may hide a secret in it).
        log.error("webhook update could not be handled", exc_info=(kind, error, tb))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish({"ok": False})
