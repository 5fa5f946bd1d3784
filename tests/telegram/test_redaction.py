"""The bot token sits in the URL path of every Bot API call (and python-telegram-bot quotes it when Telegram
rejects it): no log line and no error message may contain it, nor the webhook secret."""

from __future__ import annotations

import logging
import traceback

import pytest

from bot.app import App
from bot.telegram import TelegramOutlet
from bot.telegram.redact import MASK, Redactor
from conversations.outlet import SendFailed, SendFailure
from tests.telegram.conftest import SECRET, serving
from tests.telegram.fake_api import Failure, FakeBotApi

AN = 5120342711


def secrets_of(api: FakeBotApi) -> list[str]:
    return [api.token, api.token.split(":", 1)[1], SECRET]


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_logs_never_show_the_token_or_secret(
    demo: App, api: FakeBotApi, caplog: pytest.LogCaptureFixture, mode: str
) -> None:
    caplog.set_level(logging.DEBUG)
    async with serving(demo, api, mode) as running:
        person = running.person(api, AN, "Hân")
        await person.say("/start DEMO-DOANVIEN")
        api.fail("sendMessage", Failure(500, "Internal Server Error"))
        await person.say("Võ Thị Ngọc Hân")  # this answer fails and is logged
    text = caplog.text + "".join(str(record.__dict__) for record in caplog.records)
    for secret in secrets_of(api):
        assert secret not in text
    assert f"/bot{MASK}/sendMessage" in caplog.text  # httpx logged the URL, redacted
    assert "not delivered" in caplog.text


async def test_a_rejected_token_is_not_quoted(api: FakeBotApi, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "123456789:AAF-wrong-token-that-must-stay-secret"
    outlet = TelegramOutlet(token=wrong, base_url=api.base_url)
    factory = logging.getLogRecordFactory()
    with pytest.raises(SendFailed) as caught:
        await outlet.open()
    assert logging.getLogRecordFactory() is factory  # the failed open cleaned up after itself
    error = caught.value
    assert error.failure is SendFailure.PERMANENT
    shown = str(error) + repr(error) + "".join(traceback.format_exception(error)) + caplog.text
    assert "wrong-token" not in shown
    assert "rejected by the server" in str(error)  # python-telegram-bot's message, with the token masked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("POST https://api.telegram.org/bot123456:ABCdef-ghijk/getMe", f"POST https://api.telegram.org/bot{MASK}/getMe",
                     id="url"),
        pytest.param("tail ABCdef-ghijk alone", f"tail {MASK} alone", id="secret-half"),
        pytest.param("bot 123456 id alone is public", "bot 123456 id alone is public", id="bot-id-kept"),
        pytest.param("", "", id="empty"),
    ],
)
def test_redactor(text: str, expected: str) -> None:
    assert Redactor("123456:ABCdef-ghijk", None, "")(text) == expected


def test_logs_are_redacted_only_while_the_outlet_is_open(caplog: pytest.LogCaptureFixture) -> None:
    before = logging.getLogRecordFactory()
    outlet = TelegramOutlet(token="42:never-opened-token")
    assert logging.getLogRecordFactory() is before
    assert outlet.redact("x 42:never-opened-token y") == f"x {MASK} y"
