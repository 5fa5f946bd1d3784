"""`bot run` with both platform tokens set: Telegram and Zalo are served side by side (each against a fake
server on 127.0.0.1), one SIGTERM stops both, and a channel that cannot start stops the other too."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator

import httpx
import pytest
import tornado.web
from pydantic import SecretStr
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from bot.app import App
from bot.serve import serve
from bot.settings import Settings
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.people import message_update
from tests.test_zalo import TOKEN as ZALO_TOKEN
from tests.test_zalo import FakeZalo, message

AN = 5120342711


class _OverHttp(tornado.web.RequestHandler):
    """Serve the httpx-level `FakeZalo` over real HTTP, as Zalo's Bot API server would."""

    def initialize(self, fake: FakeZalo) -> None:
        self._fake = fake

    async def post(self) -> None:
        request = httpx.Request("POST", f"http://127.0.0.1{self.request.path}", content=self.request.body)
        response = await self._fake.handler(request)
        self.set_status(response.status_code)
        self.set_header("Content-Type", "application/json")
        self.finish(response.content)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    fake = await FakeBotApi().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def zalo() -> AsyncIterator[tuple[FakeZalo, str]]:
    """The fake Zalo Bot API listening on a free port, and its base URL."""
    fake = FakeZalo()
    sockets = bind_sockets(0, address="127.0.0.1")
    server = HTTPServer(tornado.web.Application([(r"/.*", _OverHttp, {"fake": fake})]))
    server.add_sockets(sockets)
    yield fake, f"http://127.0.0.1:{sockets[0].getsockname()[1]}/bot"
    server.stop()
    await server.close_all_connections()


def both(settings: Settings, api: FakeBotApi, zalo_url: str, **more: object) -> Settings:
    return settings.model_copy(update={
        "telegram_bot_token": SecretStr(api.token), "telegram_api_base_url": api.base_url,
        "zalo_bot_token": SecretStr(ZALO_TOKEN), "zalo_api_base_url": zalo_url, **more})


async def test_one_sigterm_stops_telegram_and_zalo(settings: Settings, demo: App, api: FakeBotApi,
                                                   zalo: tuple[FakeZalo, str]) -> None:
    fake, zalo_url = zalo
    served = asyncio.create_task(serve(both(settings, api, zalo_url)))
    try:
        async with asyncio.timeout(20):
            await api.until_confirmed(await api.push(message_update({"id": AN, "first_name": "An", "is_bot": False},
                                                                    "/start DEMO-DOANVIEN")))
            fake.updates.append(message("/batdau DEMO-DOANVIEN", message_id="z1"))
            await fake.until(lambda: len(fake.texts("u1")) == 2)
        os.kill(os.getpid(), signal.SIGTERM)
        async with asyncio.timeout(10):
            assert await served == 0
    finally:
        served.cancel()
    calls = (len(api.calls), len(fake.calls))
    await asyncio.sleep(0.3)
    assert (len(api.calls), len(fake.calls)) == calls  # neither polls anymore
    assert len(api.messages_to(AN)) == 2


async def test_a_channel_that_cannot_start_stops_the_other(settings: Settings, api: FakeBotApi,
                                                           zalo: tuple[FakeZalo, str]) -> None:
    _, zalo_url = zalo
    refused = both(settings, api, zalo_url, zalo_webhook_url="https://bot.example.vn/zalo")  # and no secret
    async with asyncio.timeout(20):
        assert await serve(refused) == 1
