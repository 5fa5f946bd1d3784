"""The Zalo channel (its adapter behind the one dispatcher) against a fake Zalo Bot API at the far side of an
httpx transport."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

import httpx
import pytest
from sqlmodel import select

from bot.app import App
from bot.dispatch import Dispatcher
from bot.http import HttpServer, Webhook, routes
from bot.inbox import Patience
from bot.text_render import split_text
from bot.zalo import ZaloApi, ZaloOutlet, ZaloService, parse_update
from conversations.messages import Inbound, Reply
from conversations.outlet import SendFailed, SendFailure
from storage.models import ChatIdentity
from tests.telegram.locks import Attempts, held_lock, wait_briefly_for_locks

TOKEN = "1459232241:s3cr3t-zalo-token"
SECRET = "webhook-secret-123"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
Handle = Callable[[Inbound], Awaitable[list[Reply]]]


class FakeZalo:
    """Speaks the Bot API: records sendMessage calls, serves queued getUpdates results, fails on demand."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.updates: list[dict] = []
        self.fail_next: list[tuple[int, dict]] = []
        self.calls: list[str] = []
        self._changed = asyncio.Condition()

    async def until(self, condition: Callable[[], bool]) -> None:
        """Wait until `condition` holds; it is checked again after every call the bot makes."""
        async with self._changed:
            await self._changed.wait_for(condition)

    async def handler(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._answer(request)
        finally:
            async with self._changed:
                self._changed.notify_all()

    async def _answer(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path.startswith(f"/bot{TOKEN}/")
        method = request.url.path.rsplit("/", 1)[1]
        self.calls.append(method)
        if self.fail_next:
            status, body = self.fail_next.pop(0)
            return httpx.Response(status, json=body)
        payload = json.loads(request.content or b"{}")
        if method == "sendMessage":
            assert 1 <= len(payload["text"]) <= 2000
            self.sent.append(payload)
            return httpx.Response(200, json={"ok": True, "result": {"message_id": f"m{len(self.sent)}"}})
        if method == "getUpdates":
            if self.updates:
                return httpx.Response(200, json={"ok": True, "result": self.updates.pop(0)})
            await asyncio.sleep(0.01)  # a long poll that times out with nothing to deliver
            return httpx.Response(200, json={"ok": False, "error_code": 408, "description": "Request timeout"})
        return httpx.Response(200, json={"ok": True, "result": {}})

    def texts(self, chat_id: str) -> list[str]:
        return [call["text"] for call in self.sent if call["chat_id"] == chat_id]


def message(text: str, *, user: str = "u1", message_id: str) -> dict:
    return {"event_name": "message.text.received", "message": {
        "chat": {"id": user, "chat_type": "PRIVATE"}, "text": text, "message_id": message_id,
        "date": 1766619597466, "from": {"id": user, "display_name": "Nguyen Van A"}}}


@pytest.fixture
def fake() -> FakeZalo:
    return FakeZalo()


ZaloChannel = Dispatcher[dict[str, Any]]


def channel_for(app: App, fake: FakeZalo, *, handle: Handle | None = None,
                patience: Patience | None = None) -> tuple[ZaloApi, ZaloChannel]:
    """Zalo's adapter behind the dispatcher the runner gives every channel."""
    api = ZaloApi(TOKEN, base_url="https://zalo.test/bot", transport=httpx.MockTransport(fake.handler))
    t = app.catalogs.get("vi")
    channel = Dispatcher(ZaloService(api, t=t), handle=handle or app.engine.handle, sessions=app.sessions, t=t,
                         patience=patience, backoff=(0.01,))
    return api, channel


@pytest.fixture
async def zalo(fake: FakeZalo, demo: App) -> AsyncIterator[ZaloChannel]:
    api, channel = channel_for(demo, fake)
    yield channel
    await api.close()


async def polling(channel: ZaloChannel, fake: FakeZalo, until: Callable[[], bool], *, seconds: float = 5) -> None:
    """Poll Zalo until `until()` holds, then stop."""
    stop = asyncio.Event()
    task = asyncio.create_task(channel.poll(stop))
    try:
        async with asyncio.timeout(seconds):
            await fake.until(until)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


@pytest.mark.parametrize(("body", "expected"), [
    ({"ok": True, "result": message("Xin chào", message_id="a")}, ("a", "u1", "Xin chào")),
    (message("/batdau X", message_id="b"), ("b", "u1", "/batdau X")),
    ({"event_name": "message.sticker.received", "message": {"chat": {"id": "u"}, "message_id": "c",
                                                          "from": {"id": "u"}, "sticker": "0e07"}}, ("c", "u", None)),
], ids=["envelope", "webhook-body", "sticker"])
def test_parse_update(body: dict, expected: tuple) -> None:
    parsed = parse_update(body)
    assert parsed is not None and (parsed.message_id, parsed.user_id, parsed.text) == expected


@pytest.mark.parametrize("body", [None, [], "x", {}, {"result": None}, {"message": {"text": "no sender"}}],
                         ids=["none", "list", "string", "empty", "null-result", "no-sender"])
def test_parse_update_ignores_garbage(body: object) -> None:
    assert parse_update(body) is None


async def joined(zalo: ZaloChannel) -> None:
    for number, text in enumerate(["/batdau DEMO-DOANVIEN", "Nguyễn Văn An", "1996", "1"]):
        assert await zalo.receive(message(text, message_id=f"j{number}")) == HTTPStatus.OK


async def test_onboarding_through_the_webhook_with_numbered_choices(zalo: ZaloChannel, fake: FakeZalo) -> None:
    for number, text in enumerate(["/batdau DEMO-DOANVIEN", "Nguyễn Văn An", "1996"]):
        assert await zalo.receive(message(text, message_id=f"m{number}")) == HTTPStatus.OK
    summary = fake.texts("u1")[-1]
    assert summary.startswith("Bạn là Nguyễn Văn An, sinh năm 1996, đoàn viên Chi đoàn Khu phố 1?")
    assert summary.endswith("1. Đúng, là tôi\n2. Không phải tôi\n3. Hủy\n"
                            "(Bạn trả lời bằng số thứ tự, ví dụ: 1)")
    assert await zalo.receive(message("1", message_id="m9")) == HTTPStatus.OK
    assert fake.texts("u1")[-1].startswith("Xong! Nguyễn Văn An đã tham gia Chi đoàn Khu phố 1")
    sent = len(fake.sent)
    # The platform delivers the same message again: acknowledged, not processed.
    assert await zalo.receive(message("1", message_id="m9")) == HTTPStatus.OK
    assert len(fake.sent) == sent


async def test_an_event_that_is_not_a_message_is_acknowledged_and_ignored(zalo: ZaloChannel, fake: FakeZalo) -> None:
    assert await zalo.receive({"event_name": "x"}) == HTTPStatus.OK
    assert fake.sent == []


async def test_a_person_who_blocked_the_bot_is_marked_unreachable(zalo: ZaloChannel, fake: FakeZalo,
                                                                  demo: App) -> None:
    await joined(zalo)
    assert await reachable(demo, "u1")
    fake.fail_next = [(200, {"ok": False, "error_code": 403, "description": "User blocked the bot"})]
    assert await zalo.receive(message("/trogiup", message_id="b1")) == HTTPStatus.OK
    assert not await reachable(demo, "u1")


async def reachable(app: App, chat_id: str) -> bool:
    async with app.sessions() as session:
        query = select(ChatIdentity.reachable).where(ChatIdentity.channel == "zalo", ChatIdentity.chat_id == chat_id)
        return bool((await session.exec(query)).one())


async def test_polling_handles_messages_until_stopped(zalo: ZaloChannel, fake: FakeZalo) -> None:
    fake.updates = [message("xin chào", message_id="p1"), message("xin chào", message_id="p1")]
    fake.fail_next = [(502, {"ok": False, "description": "Bad Gateway"})]
    await polling(zalo, fake, lambda: not fake.updates and len(fake.calls) > 4)
    assert fake.calls[0] == "deleteWebhook"
    # The same message id delivered twice is answered once.
    assert len(fake.texts("u1")) == 1
    assert fake.texts("u1")[0].startswith("Chào bạn! Đây là Bot 1+1 của Đoàn TNCS Hồ Chí Minh.")


@pytest.mark.parametrize(("status", "body", "failure"), [
    (429, {"ok": False, "error_code": 429, "description": "Too many", "parameters": {"retry_after": 7}},
     SendFailure.THROTTLED),
    (500, {"ok": False, "description": "Internal"}, SendFailure.RETRYABLE),
    (200, {"ok": False, "error_code": 403, "description": "User blocked the bot"}, SendFailure.BLOCKED),
    (400, {"ok": False, "error_code": 400, "description": "Bad chat_id"}, SendFailure.PERMANENT),
    (502, {}, SendFailure.RETRYABLE),
], ids=["throttled", "server-error", "blocked", "bad-request", "not-json"])
async def test_failures_map_to_the_closed_set(fake: FakeZalo, status: int, body: dict, failure: SendFailure) -> None:
    fake.fail_next = [(status, body)]
    api = ZaloApi(TOKEN, base_url="https://zalo.test/bot", transport=httpx.MockTransport(fake.handler))
    with pytest.raises(SendFailed) as caught:
        await api.send_message("u1", "hello")
    await api.close()
    assert caught.value.failure == failure
    assert TOKEN not in str(caught.value)
    if failure == SendFailure.THROTTLED:
        assert caught.value.retry_after == 7


async def test_the_token_never_reaches_errors_or_logs(app: App, caplog: pytest.LogCaptureFixture) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect to {request.url}", request=request)

    api = ZaloApi(TOKEN, base_url="https://zalo.test/bot", transport=httpx.MockTransport(refuse))
    t = app.catalogs.get("vi")
    channel = Dispatcher(ZaloService(api, t=t), handle=app.engine.handle, sessions=app.sessions, t=t,
                         backoff=(0.01,))
    stop = asyncio.Event()
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(SendFailed) as caught:
            await api.send_message("u1", "hello")
        task = asyncio.create_task(channel.poll(stop))
        await asyncio.sleep(0.1)
        stop.set()
        await asyncio.wait_for(task, 5)
    await api.close()
    assert caught.value.failure == SendFailure.RETRYABLE
    assert "zalo.test/bot<token>/sendMessage" in str(caught.value)
    assert TOKEN not in str(caught.value) and TOKEN not in caplog.text
    assert "polling zalo failed" in caplog.text


async def test_long_replies_are_split_below_the_limit(fake: FakeZalo, demo: App) -> None:
    from conversations.messages import Attachment, Reply

    api = ZaloApi(TOKEN, base_url="https://zalo.test/bot", transport=httpx.MockTransport(fake.handler))
    outlet = ZaloOutlet(api, t=demo.catalogs.get("vi"))
    text = "\n".join(f"Dòng {i}: " + "đoàn viên " * 20 for i in range(40))
    await outlet.send("u9", Reply(text, attachment=Attachment("baocao.xlsx", b"x", "application/vnd.ms-excel")))
    await api.close()
    pieces = fake.texts("u9")
    assert len(pieces) >= 5 and all(len(piece) <= 2000 for piece in pieces)
    note = "📎 Tệp baocao.xlsx chưa gửi được qua Zalo. Bạn mở bot trên Telegram hoặc nhờ cán bộ đoàn gửi giúp."
    assert "".join("".join(pieces).split()) == "".join((text + note).split())


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("short", 10, ["short"]),
    ("", 10, []),  # nothing to send: Zalo refuses an empty message
    ("aaaa\nbbbb\ncccc", 9, ["aaaa\nbbbb", "cccc"]),
    ("one two three", 8, ["one two", "three"]),
    ("x" * 25, 10, ["x" * 10, "x" * 10, "x" * 5]),
], ids=["fits", "empty", "lines", "words", "no-breaks"])
def test_split_text(text: str, limit: int, expected: list[str]) -> None:
    assert split_text(text, limit) == expected


@asynccontextmanager
async def zalo_webhook(app: App, channel: ZaloChannel, *, path: str, secret: str) -> AsyncIterator[int]:
    """Serve `channel`'s webhook from the one HTTP server on a free local port; yield the port."""
    server = HttpServer(routes(webhooks=[Webhook(path, SECRET_HEADER, secret, channel.receive)], db=app.db),
                        listen="127.0.0.1", port=0)
    try:
        yield await server.start()
    finally:
        await server.stop()


async def test_webhook_over_real_http(zalo: ZaloChannel, fake: FakeZalo, demo: App) -> None:
    body = json.dumps(message("/batdau DEMO-DOANVIEN", message_id="h1"))
    async with zalo_webhook(demo, zalo, path="/zalo", secret=SECRET) as port, \
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.post("/zalo", content=body, headers={SECRET_HEADER: "nope"})).status_code == 403
        assert fake.sent == []
        assert (await client.post("/zalo", content=body, headers={SECRET_HEADER: SECRET})).status_code == 200
        assert (await client.post("/zalo", content=body, headers={SECRET_HEADER: SECRET})).status_code == 200
    assert fake.texts("u1") == ["Chào mừng bạn đến với Bot 1+1! Mã mời này dành cho đoàn viên của Chi đoàn Khu phố 1.",
                                "Bạn cho biết họ và tên đầy đủ (có dấu):"]


async def test_a_message_the_database_never_takes_is_dropped_and_others_go_on(
    fake: FakeZalo, demo: App, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlalchemy.exc import OperationalError

    from tests.test_engine_failures import engine_with

    engine = engine_with(demo, OperationalError("SELECT 1", {}, Exception("database is locked")))
    api, channel = channel_for(demo, fake, handle=engine.handle,
                               patience=Patience(delays=(0.01,), give_up_after=0.3, notice_after=1))
    fake.updates = [message("/hong", message_id="q1"), message("xin chào", message_id="q2")]
    await polling(channel, fake, lambda: len(fake.texts("u1")) == 3)
    await api.close()
    assert "giving up on zalo update q1: the database stayed away (Exception: database is locked)" in caplog.text
    assert [text[:40] for text in fake.texts("u1")] == [
        "⏳ Hệ thống đang bận, tin nhắn của bạn đã", "Xin lỗi, hệ thống gặp sự cố kéo dài nên ",
        "Chào bạn! Đây là Bot 1+1 của Đoàn TNCS H"]


PATIENCE = Patience(delays=(0.05, 0.1), give_up_after=60, notice_after=0.5, grace=5)


async def test_a_locked_database_loses_no_message_and_each_person_is_told_once(fake: FakeZalo, demo: App) -> None:
    t = demo.catalogs.get("vi")
    await wait_briefly_for_locks(demo)
    api, channel = channel_for(demo, fake, patience=PATIENCE)
    welcome = [t("join.welcome", role=t("role.member"), unit="Chi đoàn Khu phố 1"), t("join.ask_name")]
    async with Attempts().watching("bot.dispatch") as attempts:
        stop = asyncio.Event()
        task = asyncio.create_task(channel.poll(stop))
        try:
            async with held_lock(demo):
                fake.updates = [message("/batdau DEMO-DOANVIEN", message_id="a1"),
                                message("/batdau DEMO-DOANVIEN", user="u2", message_id="b1"),
                                message("Nguyễn Văn An", message_id="a2")]
                async with asyncio.timeout(5):
                    await attempts.at_least(8, "zalo update a1")
                    await attempts.at_least(8, "zalo update b1")
                assert (fake.texts("u1"), fake.texts("u2")) == ([t("channel.busy")], [t("channel.busy")])
            async with asyncio.timeout(10):
                await fake.until(lambda: len(fake.texts("u1")) == 4 and len(fake.texts("u2")) == 3)
        finally:
            stop.set()
            await asyncio.wait_for(task, 5)
            await api.close()
    assert fake.texts("u1") == [t("channel.busy"), *welcome, t("join.ask_birth_year")]
    assert fake.texts("u2") == [t("channel.busy"), *welcome]
