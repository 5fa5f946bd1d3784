"""Fixtures for the Telegram channel: the loopback fake Bot API and an outlet pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.telegram import FloodLimits, TelegramOutlet
from tests.telegram.fake_api import FakeBotApi


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    fake = await FakeBotApi().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def outlet(api: FakeBotApi) -> AsyncIterator[TelegramOutlet]:
    async with TelegramOutlet(token=api.token, base_url=api.base_url, limits=FloodLimits()) as opened:
        yield opened
