"""Polling while the database is locked or away: no update is lost, each person is told once and promptly that
their message will be handled, one person's waiting update holds up no one else, and an update is confirmed to
Telegram only once handled (or, past the patience, dropped with its sender asked to send it again).

The retry schedule is scaled down (`PATIENCE`), as is the time the app waits for a lock (`locks.py`), so that a
few seconds here stand for the minutes of a real outage: each test makes many more attempts than the four the
channel used to make before it dropped an update.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text

from bot.app import App
from bot.inbox import Patience
from conversations.i18n import Translator
from storage.db import is_sqlite
from tests.telegram.conftest import serving
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.locks import Attempts, held_lock, wait_briefly_for_locks
from tests.telegram.people import message_update

AN = 5120342711
BINH = 5120342712
UNIT = "Chi đoàn Khu phố 1"
PATIENCE = Patience(delays=(0.05, 0.1), give_up_after=60, notice_after=0.5, grace=5)
MANY = 8  # failed attempts of one update, twice what used to drop it


def user(user_id: int, name: str) -> dict[str, object]:
    return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "vi"}


def texts(api: FakeBotApi, chat_id: int) -> list[str]:
    return [message.get("text", "") for message in api.messages_to(chat_id)]


@pytest.fixture
def vi(demo: App) -> Translator:
    return demo.catalogs.get("vi")


@pytest.fixture
async def attempts() -> AsyncIterator[Attempts]:
    async with Attempts().watching("bot.dispatch") as watching:
        yield watching


async def test_a_locked_database_loses_nothing_and_each_person_is_told_once(
    demo: App, api: FakeBotApi, vi: Translator, attempts: Attempts
) -> None:
    await wait_briefly_for_locks(demo)
    async with serving(demo, api, "polling", patience=PATIENCE):
        async with held_lock(demo):
            start = await api.push(message_update(user(AN, "Hân"), "/start DEMO-DOANVIEN"))
            await api.push(message_update(user(AN, "Hân"), "Võ Thị Ngọc Hân"))  # her next answer, typed meanwhile
            last = await api.push(message_update(user(BINH, "Bình"), "/start DEMO-DOANVIEN"))
            async with asyncio.timeout(5):  # told promptly, while the database is still locked
                await api.until(lambda: bool(api.messages_to(AN)) and bool(api.messages_to(BINH)))
                await attempts.at_least(MANY, f"telegram update {start}")
                await attempts.at_least(MANY, f"telegram update {last}")
            assert api.confirmed <= start  # nothing confirmed while it waits
        async with asyncio.timeout(10):
            await api.until_confirmed(last)
    welcome = [vi("join.welcome", role=vi("role.member"), unit=UNIT), vi("join.ask_name")]
    assert texts(api, AN) == [vi("channel.busy"), *welcome, vi("join.ask_birth_year")]
    assert texts(api, BINH) == [vi("channel.busy"), *welcome]


@asynccontextmanager
async def failing_for(app: App, update_id: int) -> AsyncIterator[None]:
    """Make the database refuse to record this one update (a trigger), as if it were away for its sender only."""
    claim = f"NEW.update_id = '{update_id}'"
    if is_sqlite(app.settings.database_url):
        create = [f"CREATE TRIGGER away BEFORE INSERT ON processed_update WHEN {claim} "
                  "BEGIN SELECT RAISE(ABORT, 'database away'); END"]
        drop = ["DROP TRIGGER away"]
    else:
        create = [f"CREATE FUNCTION away() RETURNS trigger AS $$ BEGIN IF {claim} THEN "
                  "RAISE EXCEPTION 'database away'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
                  "CREATE TRIGGER away BEFORE INSERT ON processed_update FOR EACH ROW EXECUTE FUNCTION away()"]
        drop = ["DROP TRIGGER away ON processed_update", "DROP FUNCTION away()"]
    async with app.db.begin() as connection:
        for statement in create:
            await connection.execute(text(statement))
    try:
        yield
    finally:
        async with app.db.begin() as connection:
            for statement in drop:
                await connection.execute(text(statement))


async def test_one_persons_waiting_update_holds_up_no_one_else(
    demo: App, api: FakeBotApi, vi: Translator, attempts: Attempts
) -> None:
    async def binh_says(line: str, answers: int) -> list[str]:
        # Answered at once; confirmed to Telegram only once An's older update is handled.
        before = len(api.messages_to(BINH))
        await api.push(message_update(user(BINH, "Bình"), line))
        await api.until(lambda: len(api.messages_to(BINH)) >= before + answers)
        return texts(api, BINH)[before:]

    async with serving(demo, api, "polling", patience=PATIENCE):
        stuck = api.numbered(message_update(user(AN, "Hân"), "/start DEMO-DOANVIEN"))
        async with failing_for(demo, stuck["update_id"]):
            await api.push(stuck)
            async with asyncio.timeout(5):
                await attempts.at_least(2, f"telegram update {stuck['update_id']}")
                assert await binh_says("/start DEMO-DOANVIEN", 2) == [
                    vi("join.welcome", role=vi("role.member"), unit=UNIT), vi("join.ask_name")]
                assert await binh_says("Trần Văn Bình", 1) == [vi("join.ask_birth_year")]
                await attempts.at_least(MANY, f"telegram update {stuck['update_id']}")
            assert texts(api, AN) == [vi("channel.busy")]
            assert api.confirmed <= stuck["update_id"]
        async with asyncio.timeout(10):
            await api.until_confirmed(stuck["update_id"])
    assert texts(api, AN) == [vi("channel.busy"), vi("join.welcome", role=vi("role.member"), unit=UNIT),
                              vi("join.ask_name")]


async def test_past_its_patience_an_update_is_dropped_and_its_sender_asked_to_resend(
    demo: App, api: FakeBotApi, vi: Translator
) -> None:
    await wait_briefly_for_locks(demo)
    brief = Patience(delays=(0.05,), give_up_after=1, notice_after=0.5)
    async with serving(demo, api, "polling", patience=brief) as running:
        an = running.person(api, AN, "Hân")
        async with held_lock(demo):
            dropped = await api.push(message_update(an.user, "/start DEMO-DOANVIEN"))
            async with asyncio.timeout(10):
                await api.until_confirmed(dropped)
            assert texts(api, AN) == [vi("channel.busy"), vi("channel.lost")]
        # What the notice asks is what works: sent again, it is answered.
        assert await an.say("/start DEMO-DOANVIEN") == [
            vi("join.welcome", role=vi("role.member"), unit=UNIT), vi("join.ask_name")]


async def test_stopping_while_the_database_is_away_leaves_the_update_for_the_next_start(
    demo: App, api: FakeBotApi, vi: Translator
) -> None:
    await wait_briefly_for_locks(demo)
    async with held_lock(demo):
        async with serving(demo, api, "polling", patience=PATIENCE):
            waiting = await api.push(message_update(user(AN, "Hân"), "/start DEMO-DOANVIEN"))
            async with asyncio.timeout(5):
                await api.until(lambda: bool(api.messages_to(AN)))
        assert api.confirmed <= waiting  # stopped: still Telegram's to deliver again
    async with serving(demo, api, "polling", patience=PATIENCE):
        async with asyncio.timeout(10):
            await api.until_confirmed(waiting)
    assert texts(api, AN) == [vi("channel.busy"), vi("join.welcome", role=vi("role.member"), unit=UNIT),
                              vi("join.ask_name")]


@pytest.mark.parametrize(("what", "holds"), [
    ("an update is kept through a ten-minute outage", lambda p: p.give_up_after > 10 * 60),
    ("its sender hears within five seconds", lambda p: p.notice_after <= 5),
    ("it is tried again within 30 s of the database's return", lambda p: max(p.delays) <= 30),
], ids=["ten-minutes", "prompt-notice", "retried-soon"])
def test_the_default_patience(what: str, holds: object) -> None:
    assert callable(holds) and holds(Patience()), what
