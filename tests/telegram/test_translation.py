"""Translation tables: Telegram payloads → what the engine sees, and replies → what Telegram is sent."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from telegram import Bot, Update

from bot.telegram.payload import TelegramUpdate
from bot.telegram.render import CHUNK_LIMIT, TEXT_LIMIT, inline_keyboard, split_text, telegram_length
from conversations.messages import Choice, Inbound

BOT = Bot("1:x")  # only needed to parse; never connects
USER = {"id": 5120342711, "is_bot": False, "first_name": "An", "last_name": "Nguyễn", "language_code": "vi"}
PRIVATE = {"id": 5120342711, "type": "private", "first_name": "An"}


def parse(data: dict[str, Any]) -> TelegramUpdate:
    return TelegramUpdate.parse(Update.de_json(data, BOT))


def message(**fields: Any) -> dict[str, Any]:
    return {"update_id": 10, "message": {"message_id": 5, "date": 1764039600, "from": USER, "chat": PRIVATE,
                                         **fields}}


def test_the_documented_sample_payload_parses_into_a_pressed_button() -> None:
    doc = TelegramUpdate.__doc__ or ""
    sample = json.loads(re.search(r"```json\n(.*?)```", doc, re.S).group(1))  # type: ignore[union-attr]
    incoming = parse(sample)
    assert incoming.inbound() == Inbound(channel="telegram", user_id="5120342711", chat_id="5120342711",
                                         update_id="803471190", choice="3.yes", display_name="An Nguyễn")
    assert (incoming.callback_id, incoming.pressed_message_id, incoming.pressed_label) == (
        "4382bfdwdsb323b2d9", 1187, "Đúng, tham gia")


@pytest.mark.parametrize(
    ("data", "text", "choice"),
    [
        pytest.param(message(text="/start DEMO-DOANVIEN"), "/start DEMO-DOANVIEN", None, id="deep-link"),
        pytest.param(message(text="Nguyễn Văn An 🎉"), "Nguyễn Văn An 🎉", None, id="text-emoji"),
        pytest.param(message(caption="ảnh chụp", photo=[]), "ảnh chụp", None, id="caption"),
        pytest.param(message(sticker={"file_id": "s", "file_unique_id": "u", "width": 1, "height": 1,
                                      "is_animated": False, "is_video": False, "type": "regular"}),
                     "", None, id="sticker-empty-text"),
    ],
)
def test_messages_become_typed_text(data: dict[str, Any], text: str, choice: str | None) -> None:
    inbound = parse(data).inbound()
    assert inbound is not None
    assert (inbound.text, inbound.choice, inbound.update_id, inbound.channel) == (text, choice, "10", "telegram")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"update_id": 11, "message": {"message_id": 5, "date": 1764039600, "from": USER, "text": "hi",
                                                   "chat": {"id": -100, "type": "group", "title": "g"}}},
                     id="group-message"),
        pytest.param({"update_id": 12, "edited_message": message(text="x")["message"] | {"edit_date": 1}},
                     id="edited"),
        pytest.param({"update_id": 13, "callback_query": {"id": "q", "from": USER, "chat_instance": "c",
                                                          "data": "1.yes"}}, id="inline-mode-press"),
    ],
)
def test_updates_not_for_the_dialogs(data: dict[str, Any]) -> None:
    assert parse(data).inbound() is None


def test_a_press_on_a_message_older_than_48_hours() -> None:
    old = {"message_id": 9, "date": 0, "chat": PRIVATE}  # Telegram's InaccessibleMessage
    incoming = parse({"update_id": 14, "callback_query": {"id": "q", "from": USER, "chat_instance": "c",
                                                          "data": "2.yes", "message": old}})
    assert incoming.inbound() is not None and incoming.inbound().choice == "2.yes"  # type: ignore[union-attr]
    assert incoming.pressed_label is None  # nothing to edit


LINE = "Đoàn viên Nguyễn Văn An đã giới thiệu một thanh niên"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        pytest.param("ngắn", ["ngắn"], id="short"),
        pytest.param("a" * CHUNK_LIMIT, ["a" * CHUNK_LIMIT], id="exactly-the-limit"),
        pytest.param("\n".join([LINE] * 200), None, id="many-lines"),
        pytest.param(" ".join(["từ"] * 3000), None, id="one-long-line-of-words"),
        pytest.param("x" * 9000, ["x" * CHUNK_LIMIT, "x" * CHUNK_LIMIT, "x" * 1000], id="no-space-hard-cut"),
        pytest.param("🎉" * 2500, ["🎉" * 2000, "🎉" * 500], id="emoji-count-twice"),
        pytest.param("", [], id="empty"),
        pytest.param("\n\n\n", [], id="only-newlines"),
    ],
)
def test_split_text(text: str, parts: list[str] | None) -> None:
    chunks = split_text(text)
    assert all(telegram_length(chunk) <= CHUNK_LIMIT < TEXT_LIMIT for chunk in chunks)
    if parts is not None:
        assert chunks == parts
    else:
        assert len(chunks) > 1
        separator = "\n" if "\n" in text else " "
        assert separator.join(chunks) == text  # cut only at line breaks (or spaces), nothing lost


@pytest.mark.parametrize(
    ("payload", "fits"),
    [
        pytest.param("12.yes", True, id="short"),
        pytest.param("1." + "a" * 62, True, id="64-bytes"),
        pytest.param("1." + "a" * 63, False, id="65-bytes"),
        pytest.param("1." + "đ" * 31, True, id="vietnamese-64-bytes"),
        pytest.param("1." + "đ" * 32, False, id="vietnamese-66-bytes"),
    ],
)
def test_button_payloads_must_fit_64_bytes(payload: str, fits: bool) -> None:
    markup = inline_keyboard([Choice("Đồng ý", payload)])
    assert (markup is not None) is fits
