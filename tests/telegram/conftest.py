"""Fixtures for the Telegram channel: the loopback fake Bot API, an outlet pointed at it, and the whole
Telegram service serving the demo app by polling or by webhook."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.app import App
from bot.inbox import Patience
from bot.serve import Runner
from bot.telegram import FloodLimits, TelegramOutlet
from bot.telegram.service import SECRET_HEADER, TelegramService
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.people import Deliver, Person


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    fake = await FakeBotApi().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def outlet(api: FakeBotApi) -> AsyncIterator[TelegramOutlet]:
    async with TelegramOutlet(token=api.token, base_url=api.base_url, limits=FloodLimits()) as opened:
        yield opened


SECRET = "s3cret-webhook-token_for-tests"
WEBHOOK_PATH = "/telegram/updates"


@dataclass
class Running:
    """The runner serving Telegram for `app` against the fake API, and how a person's update reaches it."""

    runner: Runner
    deliver: Deliver
    mode: str
    url: str = ""  # the webhook's local URL

    def person(self, api: FakeBotApi, user_id: int, first_name: str, language_code: str = "vi") -> Person:
        return Person(api, self.deliver, user_id, first_name, language_code)


@asynccontextmanager
async def serving(app: App, api: FakeBotApi, mode: str, *, patience: Patience | None = None
                  ) -> AsyncIterator[Running]:
    """Run Telegram through the runner as `bot.serve` does, by long polling or behind a webhook on a free port."""
    overrides: dict[str, Any] = {"telegram_bot_token": SecretStr(api.token), "telegram_api_base_url": api.base_url}
    if mode == "webhook":
        overrides |= {"telegram_webhook_url": f"https://bot.example.org{WEBHOOK_PATH}",
                      "telegram_webhook_secret": SecretStr(SECRET), "http_port": 0}
    served = replace(app, settings=app.settings.model_copy(update=overrides))
    # Telegram's limits, but a burst large enough that a quick test transcript is not paced at 1/s.
    limits = FloodLimits(chat_burst=50)
    service = TelegramService(served.settings, limits=limits, poll_timeout=1)
    stop = asyncio.Event()
    runner = Runner(served, [service], stop, pushes=False, patience=patience)
    task = asyncio.create_task(runner.run())
    async with asyncio.timeout(10):
        await asyncio.wait({task, asyncio.ensure_future(runner.ready.wait())}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        raise AssertionError(f"the runner stopped at start with {task.result()}")
    async with httpx.AsyncClient() as client:
        if mode == "webhook":
            url = f"http://127.0.0.1:{runner.port}{WEBHOOK_PATH}"

            async def deliver(update: dict[str, Any]) -> None:
                response = await client.post(url, json=api.numbered(update), headers={SECRET_HEADER: SECRET})
                assert response.status_code == 200, response.text

            running = Running(runner, deliver, mode, url)
        else:
            async def deliver(update: dict[str, Any]) -> None:
                await api.until_confirmed(await api.push(update))

            running = Running(runner, deliver, mode)
        try:
            yield running
        finally:
            stop.set()
            await task


@pytest.fixture(params=["polling", "webhook"])
async def telegram(request: pytest.FixtureRequest, demo: App, api: FakeBotApi) -> AsyncIterator[Running]:
    """The demo app served on Telegram, once by polling and once by webhook."""
    async with serving(demo, api, request.param) as running:
        yield running


@pytest.fixture
async def polling(demo: App, api: FakeBotApi) -> AsyncIterator[Running]:
    async with serving(demo, api, "polling") as running:
        yield running


@pytest.fixture
async def webhook(demo: App, api: FakeBotApi) -> AsyncIterator[Running]:
    async with serving(demo, api, "webhook") as running:
        yield running
