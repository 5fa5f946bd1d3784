"""Webhook mode: the secret header is checked on every request, a redelivered update is acknowledged and not
handled again, and /healthz answers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import func, select

from bot.app import App
from bot.telegram.service import SECRET_HEADER, TelegramService
from storage.models import ProcessedUpdate
from tests.telegram.conftest import SECRET, Running
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.people import message_update

AN = 5120342711
USER = {"id": AN, "is_bot": False, "first_name": "An", "language_code": "vi"}


async def post(url: str, body: Any, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        if isinstance(body, bytes):
            return await client.post(url, content=body, headers=headers)
        return await client.post(url, json=body, headers=headers)


async def test_the_webhook_is_registered_with_its_secret(webhook: Running, api: FakeBotApi) -> None:
    [registered] = api.calls_to("setWebhook")
    assert registered.params["url"] == "https://bot.example.org/telegram/updates"
    assert registered.params["secret_token"] == SECRET
    assert registered.params["allowed_updates"] == ["message", "callback_query", "my_chat_member"]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-secret"),
        pytest.param({SECRET_HEADER: "wrong"}, id="wrong-secret"),
        pytest.param({SECRET_HEADER: SECRET[:-1]}, id="secret-prefix"),
        pytest.param({SECRET_HEADER: SECRET + "x"}, id="secret-longer"),
    ],
)
async def test_a_request_without_the_right_secret_is_refused(
    webhook: Running, api: FakeBotApi, headers: dict[str, str]
) -> None:
    response = await post(webhook.url, api.numbered(message_update(USER, "/start DEMO-DOANVIEN")), headers)
    assert response.status_code == 403
    assert api.sent == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(b"{not json", 400, id="not-json"),
        pytest.param([1, 2], 400, id="not-an-object"),
        pytest.param({"message": {}}, 400, id="no-update-id"),
        pytest.param({"update_id": 7, "edited_message": {"text": "x"}}, 400, id="malformed-update"),
        pytest.param({"update_id": 8, "edited_message": {**message_update(USER, "sửa")["message"], "edit_date": 1}},
                     200, id="unused-kind-acknowledged"),
    ],
)
async def test_malformed_or_unused_bodies(webhook: Running, api: FakeBotApi, body: Any, status: int) -> None:
    response = await post(webhook.url, body, {SECRET_HEADER: SECRET})
    assert response.status_code == status
    assert api.sent == []


async def test_a_redelivered_update_is_acknowledged_and_not_handled_again(
    webhook: Running, demo: App, api: FakeBotApi
) -> None:
    update = api.numbered(message_update(USER, "/start DEMO-DOANVIEN"))
    first = await post(webhook.url, update, {SECRET_HEADER: SECRET})
    assert first.status_code == 200
    answered = len(api.messages_to(AN))
    assert answered == 2
    for _ in range(3):  # Telegram retries when it did not see our 200 in time
        again = await post(webhook.url, update, {SECRET_HEADER: SECRET})
        assert again.status_code == 200
    assert len(api.messages_to(AN)) == answered
    async with demo.sessions() as session:
        claimed = (await session.exec(select(func.count()).select_from(ProcessedUpdate))).one()
    assert claimed == 1


async def test_health(webhook: Running) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(webhook.url.replace("/telegram/updates", "/healthz"))
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_a_webhook_url_without_a_secret_is_refused_at_start(demo: App, api: FakeBotApi) -> None:
    settings = demo.settings.model_copy(update={
        "telegram_bot_token": SecretStr(api.token), "telegram_webhook_url": "https://bot.example.org/hook"})
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET"):
        TelegramService(settings)
