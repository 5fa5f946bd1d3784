"""`bot run` (what `make run` starts) serves Telegram when TELEGRAM_BOT_TOKEN is set, by long polling against
TELEGRAM_API_BASE_URL, waits for a Bot API that cannot be reached yet, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket

import pytest
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


class Seen(logging.Handler):
    """Set `seen` once a record containing `text` is logged."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.seen.set()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_bot_api_unreachable_at_start_is_waited_for(settings: Settings,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    port, api = free_port(), FakeBotApi()
    configured = settings.model_copy(update={
        "telegram_bot_token": SecretStr(api.token), "telegram_api_base_url": f"http://127.0.0.1:{port}/bot",
        "seed_demo": True})
    retrying = Seen("reaching the telegram platform failed (retryable: ")
    logging.getLogger("bot.outlet").addHandler(retrying)
    served = asyncio.create_task(serve(configured))
    try:
        async with asyncio.timeout(20):
            await retrying.seen.wait()  # nothing listens on the port yet
        await api.start(port)  # … and now the Bot API is back
        user = {"id": AN, "is_bot": False, "first_name": "Hân"}
        async with asyncio.timeout(20):
            await api.until_confirmed(await api.push(message_update(user, "/start DEMO-DOANVIEN")))
        os.kill(os.getpid(), signal.SIGTERM)
        async with asyncio.timeout(20):
            assert await served == 0
    finally:
        served.cancel()
        logging.getLogger("bot.outlet").removeHandler(retrying)
        await api.stop()
    assert "; retrying in 1.0 s" in caplog.text
    assert api.token not in caplog.text and api.token.split(":")[1] not in caplog.text
    assert len(api.messages_to(AN)) == 2


async def test_a_stop_while_waiting_for_the_bot_api_ends_the_wait(settings: Settings,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    configured = settings.model_copy(update={
        "telegram_bot_token": SecretStr(FakeBotApi().token),
        "telegram_api_base_url": f"http://127.0.0.1:{free_port()}/bot"})  # nothing ever listens there
    retrying = Seen("reaching the telegram platform failed")
    logging.getLogger("bot.outlet").addHandler(retrying)
    served = asyncio.create_task(serve(configured))
    try:
        with caplog.at_level(logging.INFO, logger="scheduled.service"):
            async with asyncio.timeout(20):
                await retrying.seen.wait()
            os.kill(os.getpid(), signal.SIGTERM)
            async with asyncio.timeout(5):
                assert await served == 0
    finally:
        served.cancel()
        logging.getLogger("bot.outlet").removeHandler(retrying)
    assert "this process runs the scheduled jobs" not in caplog.text  # nothing was started on the way out
