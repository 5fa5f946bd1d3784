"""`bot run` (what `make run` starts) serves Telegram when TELEGRAM_BOT_TOKEN is set, by long polling against
TELEGRAM_API_BASE_URL, waits for a Bot API that cannot be reached yet, and stops cleanly on SIGTERM. On an empty
database it seeds nothing (the demo's codes grant officer rights) and says how to put an organisation on it."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket

import pytest
from pydantic import SecretStr
from sqlmodel import func, select

from bot.app import App
from bot.serve import NO_ORGANISATION, serve
from bot.settings import Settings
from storage.models import Invite, Member, Unit
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.people import message_update

AN = 5120342711


async def test_a_token_makes_the_bot_serve_telegram(settings: Settings, demo: App, api: FakeBotApi,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    configured = settings.model_copy(update={
        "telegram_bot_token": SecretStr(api.token), "telegram_api_base_url": api.base_url})
    served = asyncio.create_task(serve(configured))
    user = {"id": AN, "is_bot": False, "first_name": "Hân"}
    async with asyncio.timeout(20):
        await api.until_confirmed(await api.push(message_update(user, "/start DEMO-DOANVIEN")))
    os.kill(os.getpid(), signal.SIGTERM)
    async with asyncio.timeout(20):
        assert await served == 0
    assert [m["text"] for m in api.messages_to(AN)][1:] == ["Bạn cho biết họ và tên đầy đủ (có dấu):"]
    assert api.calls_to("deleteWebhook")  # polling mode makes sure no webhook is set
    assert NO_ORGANISATION not in caplog.text


async def test_an_empty_database_is_served_without_the_demo(settings: Settings, app: App, api: FakeBotApi,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    configured = settings.model_copy(update={
        "telegram_bot_token": SecretStr(api.token), "telegram_api_base_url": api.base_url})
    served = asyncio.create_task(serve(configured))
    user = {"id": AN, "is_bot": False, "first_name": "Hân"}
    async with asyncio.timeout(20):
        await api.until_confirmed(await api.push(message_update(user, "/start DEMO-QUANDOAN")))
    os.kill(os.getpid(), signal.SIGTERM)
    async with asyncio.timeout(20):
        assert await served == 0
    async with app.sessions() as session:
        for table in (Unit, Invite, Member):
            assert (await session.exec(select(func.count()).select_from(table))).one() == 0, table
    assert api.messages_to(AN)  # it served, and the demo's officer code is unknown here
    assert NO_ORGANISATION in caplog.text
    assert "`bot11 admin seed-demo`" in NO_ORGANISATION and "`bot11 admin tree`" in NO_ORGANISATION


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


async def test_a_bot_api_unreachable_at_start_is_waited_for(settings: Settings, demo: App,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    port, api = free_port(), FakeBotApi()
    configured = settings.model_copy(update={
        "telegram_bot_token": SecretStr(api.token), "telegram_api_base_url": f"http://127.0.0.1:{port}/bot"})
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
