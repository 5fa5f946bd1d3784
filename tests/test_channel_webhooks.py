"""What both webhooks (Telegram's and Zalo's) do before an update reaches the dialogs: the secret header is
checked before any of the body is read, a body over 1 MB gets 413 without being read whole, and an
authenticated body that is not an update gets 400 (not 500, which the platform would deliver again forever)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bot.app import App
from bot.http import BODY_LIMIT
from tests.telegram.conftest import SECRET as TELEGRAM_SECRET
from tests.telegram.conftest import WEBHOOK_PATH, serving
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.people import message_update
from tests.test_zalo import FakeZalo, channel_for, message, zalo_webhook

ZALO_SECRET = "zalo-webhook-secret-for-tests"
USER = {"id": 5120342711, "is_bot": False, "first_name": "An", "language_code": "vi"}
NINETY_MB = 90 * 1024 * 1024


@dataclass
class Hook:
    """One channel's webhook, listening on a local port, and what its bot sent so far."""

    port: int
    path: str
    header: str
    secret: str
    sent: Callable[[], list[Any]]
    update: Callable[[], dict[str, Any]]  # a fresh, valid update


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    fake = await FakeBotApi().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def hooks(demo: App, api: FakeBotApi) -> AsyncIterator[dict[str, Hook]]:
    """Telegram's webhook (the whole service against the fake Bot API) and Zalo's, both serving the demo."""
    fake = FakeZalo()
    zalo_api, zalo = channel_for(demo, fake)
    ids = iter(range(1, 1000))
    try:
        async with serving(demo, api, "webhook") as telegram, \
                zalo_webhook(demo, zalo, path="/zalo", secret=ZALO_SECRET) as zalo_port:
            assert telegram.runner.port is not None
            yield {
                "telegram": Hook(telegram.runner.port, WEBHOOK_PATH, "X-Telegram-Bot-Api-Secret-Token",
                                 TELEGRAM_SECRET, lambda: api.sent,
                                 lambda: api.numbered(message_update(USER, "/start DEMO-DOANVIEN"))),
                "zalo": Hook(zalo_port, "/zalo", "X-Bot-Api-Secret-Token", ZALO_SECRET,
                             lambda: fake.sent, lambda: message("/batdau DEMO-DOANVIEN", message_id=f"v{next(ids)}")),
            }
    finally:
        await zalo_api.close()


async def raw_post(hook: Hook, headers: dict[str, str], *, chunks: Iterable[bytes] = ()) -> int:
    """Send a request's head (and the `chunks` of a chunked body) and return the status, read within 5 s.

    A body announced by Content-Length is never sent: a server that waits to read it before answering
    times out here.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", hook.port)
    try:
        lines = [f"POST {hook.path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
                 *(f"{name}: {value}" for name, value in headers.items())]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            for chunk in chunks:
                writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                await writer.drain()
        except ConnectionError:
            pass  # the server answered and closed the connection rather than read the rest
        status = await asyncio.wait_for(reader.readline(), 5)
    finally:
        writer.close()
    return int(status.split()[1])


CHANNELS = ["telegram", "zalo"]


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(("secret", "length", "status"), [
    pytest.param(None, NINETY_MB, 403, id="no-secret-90MB"),
    pytest.param("wrong", NINETY_MB, 403, id="wrong-secret-90MB"),
    pytest.param("right", NINETY_MB, 413, id="right-secret-90MB"),
    pytest.param("right", BODY_LIMIT + 1, 413, id="right-secret-just-over-1MB"),
    # Not HTTP: uvicorn's parser refuses the request head before any route runs, also without reading a body.
    pytest.param("right", "12abc", 400, id="right-secret-garbled-length"),
])
async def test_the_head_is_answered_before_the_body_is_read(
    hooks: dict[str, Hook], channel: str, secret: str | None, length: int | str, status: int
) -> None:
    hook = hooks[channel]
    headers = {"Content-Length": str(length)}
    if secret is not None:
        headers[hook.header] = hook.secret if secret == "right" else secret
    assert await raw_post(hook, headers) == status
    assert hook.sent() == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_chunked_body_is_cut_off_at_the_limit(hooks: dict[str, Hook], channel: str) -> None:
    hook = hooks[channel]
    headers = {"Transfer-Encoding": "chunked", hook.header: hook.secret}
    chunks = [b" " * 64 * 1024] * (BODY_LIMIT // (64 * 1024) + 4)  # a little over 1 MB, never terminated
    assert await raw_post(hook, headers, chunks=chunks) == 413
    assert hook.sent() == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_update_padded_to_the_limit_is_still_handled(hooks: dict[str, Hook], channel: str) -> None:
    hook = hooks[channel]
    body = httpx.Request("POST", "/", json=hook.update()).content
    async with httpx.AsyncClient() as client:
        response = await client.post(f"http://127.0.0.1:{hook.port}{hook.path}", headers={hook.header: hook.secret},
                                     content=body + b" " * (BODY_LIMIT - len(body)))
    assert response.status_code == 200
    assert len(hook.sent()) == 2


def nested(depth: int, **fields: object) -> bytes:
    """A JSON object with `fields` and an array nested `depth` deep."""
    head = "".join(f'"{name}": {value}, ' for name, value in fields.items())
    return ("{" + head + '"x": ' + "[" * depth + "]" * depth + "}").encode()


BAD_BODIES = {
    "telegram": [
        ("message-is-a-string", b'{"update_id": 6, "message": "x"}'),
        ("callback-query-is-a-number", b'{"update_id": 6, "callback_query": 5}'),
        ("message-without-date-and-chat", b'{"update_id": 6, "message": {"message_id": 1}}'),
        ("update-id-true", b'{"update_id": true}'),
        ("update-id-a-string", b'{"update_id": "6"}'),
        ("nested-100000-deep", nested(100_000, update_id=6)),
        ("nested-100-deep", nested(100, update_id=6)),
        ("not-json", b"{not json"),
        ("not-utf8", b'{"update_id": 6, "message": "\xff"}'),
        ("an-array", b"[6]"),
        ("empty", b""),
    ],
    "zalo": [
        ("message-is-a-string", b'{"message": "x"}'),
        ("message-without-sender", b'{"message": {"text": "no sender"}}'),
        ("result-is-a-string", b'{"ok": true, "result": "x"}'),
        ("nested-100000-deep", nested(100_000)),
        ("nested-100-deep", nested(100)),
        ("not-json", b"{not json"),
        ("an-array", b"[1, 2]"),
        ("empty", b""),
    ],
}


@pytest.mark.parametrize(("channel", "body"), [
    pytest.param(channel, body, id=f"{channel}-{label}") for channel, bodies in BAD_BODIES.items()
    for label, body in bodies
])
async def test_an_authenticated_body_that_is_not_an_update_gets_400(
    hooks: dict[str, Hook], channel: str, body: bytes
) -> None:
    hook = hooks[channel]
    async with httpx.AsyncClient() as client:
        response = await client.post(f"http://127.0.0.1:{hook.port}{hook.path}", content=body,
                                     headers={hook.header: hook.secret, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert hook.sent() == []
