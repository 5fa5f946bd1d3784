"""A bug in a dialog step is rolled back and answered politely; a database that is away is left to the channel."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import func, select

from bot.app import App
from conversations.engine import Command, Context, Engine, OneShotFlow, Turn
from conversations.flows import default_commands
from storage.identities import set_locale
from storage.models import ChatIdentity, ProcessedUpdate
from tests.transcript import Chat


class BrokenFlow(OneShotFlow):
    """Writes a row, then fails the way a bug would (or the way a lost connection does)."""

    name = "broken"

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def start(self, ctx: Context, args: str) -> Turn:
        inbound = ctx.inbound
        await set_locale(ctx.session, channel=inbound.channel, external_id=inbound.user_id, chat_id=inbound.chat_id,
                         locale="en", now=ctx.now)
        raise self.error


def engine_with(app: App, error: Exception) -> Engine:
    commands = [*default_commands(), Command(("hong", "broken"), BrokenFlow(error), "help.help")]
    return Engine(sessions=app.sessions, catalogs=app.catalogs, commands=commands, clock=app.clock,
                  tz=ZoneInfo("Asia/Ho_Chi_Minh"), conversation_ttl=timedelta(hours=24))


async def rows(app: App, model: type) -> int:
    async with app.sessions() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def test_a_bug_in_a_step_is_rolled_back_and_answered(app: App, caplog: pytest.LogCaptureFixture) -> None:
    chat = Chat(engine_with(app, RuntimeError("a bug")))
    with caplog.at_level(logging.ERROR):
        replies = await chat.say("an", "/hong bí mật", update_id="u1")
    assert replies == ["Xin lỗi, bot gặp lỗi khi xử lý tin nhắn này nên chưa lưu gì. Bạn thử lại sau ít phút, "
                       "hoặc gõ /huy để bắt đầu lại."]
    assert await rows(app, ChatIdentity) == 0  # the locale written before the failure is gone
    assert await rows(app, ProcessedUpdate) == 0  # not claimed: a redelivery is tried again
    assert "update u1 on test failed" in caplog.text and "bí mật" not in caplog.text
    # The bot goes on answering.
    assert await chat.say("an", "/huy", update_id="u2") == ["Hiện không có thao tác nào đang dở."]


async def test_a_database_that_is_away_is_left_to_the_channel(app: App) -> None:
    chat = Chat(engine_with(app, OperationalError("SELECT 1", {}, Exception("server closed the connection"))))
    with pytest.raises(OperationalError):
        await chat.say("an", "/hong", update_id="u1")
    assert await rows(app, ProcessedUpdate) == 0
