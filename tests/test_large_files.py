"""A file larger than Telegram's Bot API takes as an upload (50 MB) goes as a signed link, like every file on
Zalo: the Bot API sees no upload, only a message that says the file was too large and gives the `/f/` link that
serves the very bytes; without a public web address the message says to look on the web pages instead."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.telegram.outlet import TelegramOutlet
from bot.telegram.render import DOCUMENT_LIMIT, PHOTO_LIMIT
from bot.web.files import FileLinks
from conversations.messages import Attachment, Reply
from tests.telegram.fake_api import FakeBotApi
from tests.web_support import client

PUBLIC = "https://bot.example.vn"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    fake = await FakeBotApi().start()
    yield fake
    await fake.stop()


def _links(app: App) -> FileLinks:
    return FileLinks(sessions=app.sessions, key=app.web_key, base_url=PUBLIC, clock=app.clock)


async def _send(app: App, api: FakeBotApi, reply: Reply, *, files: FileLinks | None, locale: str = "vi") -> None:
    async with TelegramOutlet(token=api.token, base_url=api.base_url, files=files,
                              t=app.catalogs.get(locale)) as outlet:
        await outlet.send("4242", reply)


def _uploads(api: FakeBotApi) -> list[str]:
    return [call.method for call in api.calls if call.method in ("sendDocument", "sendPhoto")]


@pytest.mark.parametrize(("name", "content", "mime"), [
    pytest.param("baocao.xlsx", b"x" * (DOCUMENT_LIMIT + 1), XLSX, id="workbook-over-50MB"),
    pytest.param("bieudo.png", PNG + b"\x00" * DOCUMENT_LIMIT, "image/png", id="image-over-50MB"),
])
async def test_a_file_over_the_upload_limit_goes_as_a_link(app: App, api: FakeBotApi, name: str, content: bytes,
                                                           mime: str) -> None:
    await _send(app, api, Reply("Báo cáo 6 tháng", attachment=Attachment(name, content, mime)), files=_links(app))
    assert _uploads(api) == []
    [message] = [call.params["text"] for call in api.calls_to("sendMessage")]
    said, link = message.rsplit(": ", 1)
    assert said == (f"Báo cáo 6 tháng\n\n📎 Tệp {name} quá lớn nên không gửi thẳng qua đây được. Bạn tải tệp tại "
                    "đây (liên kết dùng được trong 24 giờ)")
    assert link.startswith(f"{PUBLIC}/f/")
    async with client(app) as web:
        served = await web.get(link.removeprefix(PUBLIC))
    assert served.status_code == 200 and served.content == content and served.headers["content-type"] == mime


@pytest.mark.parametrize(("name", "size", "mime", "method"), [
    pytest.param("bieudo.png", 1024, "image/png", "sendPhoto", id="small-image-as-photo"),
    pytest.param("bieudo.png", PHOTO_LIMIT + 1, "image/png", "sendDocument", id="image-over-10MB-as-document"),
    pytest.param("baocao.xlsx", 1024, XLSX, "sendDocument", id="small-workbook-as-document"),
])
async def test_a_file_within_the_limit_is_uploaded(app: App, api: FakeBotApi, name: str, size: int, mime: str,
                                                   method: str) -> None:
    content = PNG + b"\x00" * size
    await _send(app, api, Reply("Báo cáo", attachment=Attachment(name, content, mime)), files=_links(app))
    [call] = [call for call in api.calls if call.method in ("sendDocument", "sendPhoto", "sendMessage")]
    assert call.method == method and call.files[method.removeprefix("send").lower()][1] == content


@pytest.mark.parametrize(("locale", "expected"), [
    pytest.param("vi", "📎 Tệp baocao.xlsx quá lớn nên không gửi qua đây được. Bạn gõ /web để xem trên trang web, "
                       "hoặc nhờ cán bộ đoàn gửi giúp.", id="vi"),
    pytest.param("en", "📎 The file baocao.xlsx is too large to send here. Type /web to see it on the web pages, or "
                       "ask a Youth Union officer to send it to you.", id="en"),
])
async def test_without_a_public_address_the_reply_says_where_to_look(app: App, api: FakeBotApi, locale: str,
                                                                     expected: str) -> None:
    big = Attachment("baocao.xlsx", b"x" * (DOCUMENT_LIMIT + 1), XLSX)
    await _send(app, api, Reply("Báo cáo", attachment=big), files=None, locale=locale)
    assert _uploads(api) == []
    assert [call.params["text"] for call in api.calls_to("sendMessage")] == [f"Báo cáo\n\n{expected}"]
