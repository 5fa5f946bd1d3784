"""Delivery on the live channel: a 429 is waited out and the reply arrives once, a blocked bot marks the chat
unreachable (and unblocking marks it reachable), a redelivery after a restart is skipped, the per-chat pace
is kept, and updates that are not for the dialogs are left alone. (A database that is away:
test_database_away.py.)"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlmodel import select

from bot.app import App
from bot.telegram import FloodLimits, TelegramOutlet
from conversations.messages import Reply
from conversations.outlet import SendFailed, SendFailure
from storage.models import ChatIdentity
from tests.telegram.conftest import Running, serving
from tests.telegram.fake_api import Failure, FakeBotApi
from tests.telegram.people import Person, message_update

AN = 5120342711


async def joined(person: Person) -> None:
    for line in ("/start DEMO-DOANVIEN", "Huỳnh Thị Sơn", "2001"):  # on the demo roster of Khu phố 1
        await person.say(line)
    await person.press("Đúng, là tôi")


async def reachable(app: App) -> bool:
    async with app.sessions() as session:
        query = select(ChatIdentity.reachable).where(ChatIdentity.channel == "telegram",
                                                     ChatIdentity.chat_id == str(AN))
        return bool((await session.exec(query)).one())


def chat_member_update(status: str) -> dict[str, object]:
    user = {"id": AN, "is_bot": False, "first_name": "Hân"}
    bot = {"id": 7733101201, "is_bot": True, "first_name": "Bot 1+1"}
    old = "member" if status == "kicked" else "kicked"
    return {"my_chat_member": {
        "chat": {"id": AN, "type": "private", "first_name": "Hân"}, "from": user, "date": 1764039600,
        "old_chat_member": {"user": bot, "status": old, **({"until_date": 0} if old == "kicked" else {})},
        "new_chat_member": {"user": bot, "status": status, **({"until_date": 0} if status == "kicked" else {})},
    }}


async def test_a_429_is_waited_out_and_the_reply_arrives_once(polling: Running, demo: App, api: FakeBotApi) -> None:
    an = polling.person(api, AN, "Hân")
    api.fail("sendMessage", Failure(429, "Too Many Requests: retry after 1", retry_after=1))
    started = time.monotonic()
    assert await an.say("/trogiup") != []
    assert time.monotonic() - started >= 1
    assert [call.status for call in api.calls_to("sendMessage")] == [429, 200]
    assert len(api.messages_to(AN)) == 1


async def test_a_blocked_bot_marks_the_chat_unreachable(telegram: Running, demo: App, api: FakeBotApi) -> None:
    an = telegram.person(api, AN, "Hân")
    await joined(an)
    assert await reachable(demo)
    api.fail("sendMessage", Failure(403, "Forbidden: bot was blocked by the user"))
    assert await an.say("/trogiup") == []
    assert not await reachable(demo)


async def test_blocking_and_unblocking_are_followed(telegram: Running, demo: App, api: FakeBotApi) -> None:
    an = telegram.person(api, AN, "Hân")
    await joined(an)
    await an.send(chat_member_update("kicked"))
    assert not await reachable(demo)
    await an.send(chat_member_update("member"))
    assert await reachable(demo)
    assert len(api.messages_to(AN)) == 5  # the membership changes themselves got no answer


async def test_a_redelivery_after_a_restart_is_skipped(demo: App, api: FakeBotApi) -> None:
    start = message_update({"id": AN, "is_bot": False, "first_name": "Hân"}, "/start DEMO-DOANVIEN")
    async with serving(demo, api, "polling"):
        update_id = await api.push(start)
        await api.until_confirmed(update_id)
    assert len(api.messages_to(AN)) == 2
    # The confirmation was lost (say, the process died first): Telegram serves the same update again.
    async with serving(demo, api, "polling"):
        await api.until_confirmed(await api.push({**start, "update_id": update_id}))
    assert len(api.messages_to(AN)) == 2


async def test_group_chats_and_other_bots_updates_are_ignored(polling: Running, api: FakeBotApi) -> None:
    group = message_update({"id": AN, "is_bot": False, "first_name": "Hân"}, "/start DEMO-DOANVIEN")
    group["message"]["chat"] = {"id": -1001234567890, "type": "supergroup", "title": "Chi đoàn KP1"}
    await api.until_confirmed(await api.push(group))
    assert api.sent == []


async def test_a_photo_without_text_still_gets_an_answer(polling: Running, demo: App, api: FakeBotApi) -> None:
    an = polling.person(api, AN, "Hân")
    await an.say("/start DEMO-DOANVIEN")
    photo = message_update(an.user, "")
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "p", "file_unique_id": "u", "width": 90, "height": 90}]
    [answer] = await an.send(photo)
    assert answer  # the name question, asked again with what was wrong


async def test_one_chat_is_paced_and_others_are_not_held_back(api: FakeBotApi) -> None:
    limits = FloodLimits(per_chat_per_second=10, chat_burst=2)
    async with TelegramOutlet(token=api.token, base_url=api.base_url, limits=limits) as outlet:
        started = time.monotonic()
        await asyncio.gather(*(outlet.send(str(AN), Reply(f"Tin {n}")) for n in range(6)))
        # Two go at once (the burst), the other four at 10 a second.
        assert time.monotonic() - started >= 0.35
        assert sorted(m["text"] for m in api.messages_to(AN)) == [f"Tin {n}" for n in range(6)]


async def test_the_bot_wide_rate_is_kept_across_chats(api: FakeBotApi) -> None:
    limits = FloodLimits(per_bot_per_second=20)
    async with TelegramOutlet(token=api.token, base_url=api.base_url, limits=limits) as outlet:
        started = time.monotonic()
        await asyncio.gather(*(outlet.send(str(AN + n), Reply("Nhắc việc")) for n in range(30)))
        # Twenty at once, the other ten at 20 a second.
        assert time.monotonic() - started >= 0.45
    assert len(api.sent) == 30


async def test_a_long_retry_after_is_handed_back_not_slept(api: FakeBotApi) -> None:
    async with TelegramOutlet(token=api.token, base_url=api.base_url, limits=FloodLimits(longest_wait=60)) as outlet:
        api.fail("sendMessage", Failure(429, "Too Many Requests: retry after 600", retry_after=600))
        started = time.monotonic()
        with pytest.raises(SendFailed) as caught:
            await outlet.send(str(AN), Reply("Nhắc việc"))
    assert time.monotonic() - started < 5
    assert (caught.value.failure, caught.value.retry_after) == (SendFailure.THROTTLED, 600)
