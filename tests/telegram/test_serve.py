"""`bot run` (what `make run` starts) serves Telegram when TELEGRAM_BOT_TOKEN is set, by long polling against
TELEGRAM_API_BASE_URL, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal

from pydantic import SecretStr

from bot.serve import serve
from bot.settings import Settings
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.people import message_update

AN = 5120342711


async def test_a_token_makes_the_bot_serve_telegram(settings: Settings, api: FakeBotApi) -> None:
    configured = settings.model_copy(update={
        "telegram_bot_token": SecretStr(api.token), "telegram_api_base_url": api.base_url, "seed_demo": True})
    served = asyncio.create_task(serve(configured))
    user = {"id": AN, "is_bot": False, "first_name": "Hân"}
    async with asyncio.timeout(20):
        await api.until_confirmed(await api.push(message_update(user, "/start DEMO-DOANVIEN")))
    os.kill(os.getpid(), signal.SIGTERM)
    async with asyncio.timeout(20):
        assert await served == 0
    assert [m["text"] for m in api.messages_to(AN)][1:] == ["Bạn cho biết họ và tên đầy đủ (có dấu):"]
    assert api.calls_to("deleteWebhook")  # polling mode makes sure no webhook is set
