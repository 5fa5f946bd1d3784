"""TelegramOutlet against the loopback fake Bot API: how each kind of reply goes out, and how each kind of
platform failure comes back as a `SendFailed`."""

from __future__ import annotations

import time

import pytest

from bot.telegram import TelegramOutlet
from bot.telegram.payload import ALLOWED_UPDATES
from bot.telegram.render import TEXT_LIMIT, telegram_length
from conversations.messages import Attachment, Choice, Reply
from conversations.outlet import SendFailed, SendFailure
from tests.telegram.fake_api import Failure, FakeBotApi
from tests.telegram.people import message_update

CHAT = "5120342711"
LAN = {"id": 5120342712, "is_bot": False, "first_name": "Lan", "language_code": "vi"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_plain_text_goes_as_one_message(outlet: TelegramOutlet, api: FakeBotApi) -> None:
    await outlet.send(CHAT, Reply("Xin chào 👋"))
    assert [m["text"] for m in api.messages_to(int(CHAT))] == ["Xin chào 👋"]


async def test_choices_become_an_inline_keyboard_with_the_payloads(outlet: TelegramOutlet, api: FakeBotApi) -> None:
    await outlet.send(CHAT, Reply("Bạn chọn?", (Choice("Đúng, tham gia", "3.yes"), Choice("Huỷ", "3.cancel"))))
    [message] = api.messages_to(int(CHAT))
    assert message["reply_markup"] == {"inline_keyboard": [
        [{"text": "Đúng, tham gia", "callback_data": "3.yes"}], [{"text": "Huỷ", "callback_data": "3.cancel"}]]}


async def test_a_payload_over_64_bytes_falls_back_to_a_numbered_list(outlet: TelegramOutlet, api: FakeBotApi) -> None:
    await outlet.send(CHAT, Reply("Chọn", (Choice("Một", "1." + "x" * 70), Choice("Hai", "1.two"))))
    [message] = api.messages_to(int(CHAT))
    assert message["text"] == "Chọn\n1. Một\n2. Hai"
    assert "reply_markup" not in message


async def test_a_long_text_is_split_below_the_limit_at_line_breaks(outlet: TelegramOutlet, api: FakeBotApi) -> None:
    lines = [f"{n:04d} Đoàn viên Nguyễn Văn An đã giới thiệu một thanh niên 🎉" for n in range(400)]
    await outlet.send(CHAT, Reply("\n".join(lines), (Choice("Tiếp", "1.next"),)))
    messages = api.messages_to(int(CHAT))
    assert len(messages) > 1
    assert all(telegram_length(m["text"]) < TEXT_LIMIT for m in messages)
    assert "\n".join(m["text"] for m in messages).split("\n") == lines  # nothing lost, no line cut
    assert [("reply_markup" in m) for m in messages] == [False] * (len(messages) - 1) + [True]


async def test_a_png_goes_as_a_photo_with_its_caption(outlet: TelegramOutlet, api: FakeBotApi) -> None:
    await outlet.send(CHAT, Reply("Biểu đồ tháng 11", attachment=Attachment("chart.png", PNG, "image/png")))
    [message] = api.messages_to(int(CHAT))
    assert message["method"] == "sendPhoto"
    assert message["caption"] == "Biểu đồ tháng 11"
    assert message["files"]["photo"] == ("chart.png", PNG)


async def test_an_xlsx_goes_as_a_document(outlet: TelegramOutlet, api: FakeBotApi) -> None:
    xlsx = b"PK\x03\x04" + b"\x00" * 32
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    await outlet.send(CHAT, Reply("Báo cáo", attachment=Attachment("bao-cao.xlsx", xlsx, mime)))
    [message] = api.messages_to(int(CHAT))
    assert (message["method"], message["caption"]) == ("sendDocument", "Báo cáo")
    assert message["files"]["document"] == ("bao-cao.xlsx", xlsx)


async def test_a_caption_too_long_goes_as_text_first(outlet: TelegramOutlet, api: FakeBotApi) -> None:
    await outlet.send(CHAT, Reply("ư" * 1500, attachment=Attachment("chart.png", PNG, "image/png")))
    assert [m["method"] for m in api.messages_to(int(CHAT))] == ["sendMessage", "sendPhoto"]


async def test_a_429_is_waited_out_and_the_message_arrives_once(outlet: TelegramOutlet, api: FakeBotApi) -> None:
    api.fail("sendMessage", Failure(429, "Too Many Requests: retry after 1", retry_after=1))
    started = time.monotonic()
    await outlet.send(CHAT, Reply("Nhắc việc"))
    assert time.monotonic() - started >= 1
    assert [c.status for c in api.calls_to("sendMessage")] == [429, 200]
    assert [m["text"] for m in api.messages_to(int(CHAT))] == ["Nhắc việc"]


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        pytest.param(Failure(403, "Forbidden: bot was blocked by the user"), SendFailure.BLOCKED, id="blocked"),
        pytest.param(Failure(403, "Forbidden: user is deactivated"), SendFailure.BLOCKED, id="deactivated"),
        pytest.param(Failure(400, "Bad Request: chat not found"), SendFailure.BLOCKED, id="chat-gone"),
        pytest.param(Failure(400, "Bad Request: message text is empty"), SendFailure.PERMANENT, id="bad-request"),
        pytest.param(Failure(500, "Internal Server Error"), SendFailure.RETRYABLE, id="server-error"),
        pytest.param(Failure(502, "Bad Gateway"), SendFailure.RETRYABLE, id="bad-gateway"),
        pytest.param(Failure(429, "Too Many Requests: retry after 7", retry_after=7), SendFailure.THROTTLED,
                     id="throttled-past-retries"),
    ],
)
async def test_failures_map_to_the_closed_set(
    api: FakeBotApi, failure: Failure, expected: SendFailure
) -> None:
    from bot.telegram import FloodLimits

    async with TelegramOutlet(token=api.token, base_url=api.base_url, limits=FloodLimits(max_retries=0)) as outlet:
        api.fail("sendMessage", failure)
        with pytest.raises(SendFailed) as caught:
            await outlet.send(CHAT, Reply("Xin chào"))
    assert caught.value.failure is expected
    assert caught.value.retryable is (expected in (SendFailure.RETRYABLE, SendFailure.THROTTLED))
    assert caught.value.retry_after == failure.retry_after
    assert caught.value.__cause__ is None


async def test_a_refused_connection_is_retryable(api: FakeBotApi) -> None:
    async with TelegramOutlet(token=api.token, base_url=api.base_url) as outlet:
        await api.stop()
        with pytest.raises(SendFailed) as caught:
            await outlet.send(CHAT, Reply("Xin chào"))
    assert caught.value.failure is SendFailure.RETRYABLE


async def test_a_poll_decodes_only_the_updates_after_those_being_handled(outlet: TelegramOutlet,
                                                                         api: FakeBotApi) -> None:
    """Telegram sends the unconfirmed updates again with every poll; those the bot is handling are left raw."""
    ids = [await api.push(message_update(LAN, f"tin {n}")) for n in range(4)]
    again = await outlet.updates(ids[0], ALLOWED_UPDATES, newer_than=ids[1])
    assert [(u.update_id, u.message.text if u.message else None) for u in again] == [
        (ids[2], "tin 2"), (ids[3], "tin 3")]
    assert [u.update_id for u in await outlet.updates(ids[0], ALLOWED_UPDATES)] == ids
    assert [int(call.params["offset"]) for call in api.calls_to("getUpdates")] == [ids[0], ids[0]]


async def test_confirming_drops_the_earlier_updates_and_decodes_nothing(outlet: TelegramOutlet,
                                                                        api: FakeBotApi) -> None:
    ids = [await api.push(message_update(LAN, f"tin {n}")) for n in range(3)]
    await outlet.confirm(ids[2])
    assert api.confirmed == ids[2]
    assert api.calls_to("getUpdates")[-1].params["limit"] == "1"  # nothing long to answer
    assert [u.update_id for u in await outlet.updates(None, ALLOWED_UPDATES)] == [ids[2]]
