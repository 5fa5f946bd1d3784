"""End to end over loopback HTTP: people type and press buttons in Telegram (the fake Bot API), the bot
receives the updates by long polling and again by webhook, and answers through the same dialogs."""

from __future__ import annotations

import unicodedata

from sqlmodel import select

from bot.app import App
from conversations.i18n import Translator
from storage.models import ChatIdentity, Member
from tests.telegram.conftest import Running
from tests.telegram.fake_api import FakeBotApi

AN = 5120342711
BINH = 5120342712
UNIT = "Chi đoàn Khu phố 1"


def vi(app: App) -> Translator:
    return app.catalogs.get("vi")


async def identity(app: App, user_id: int) -> ChatIdentity | None:
    async with app.sessions() as session:
        query = select(ChatIdentity).where(ChatIdentity.channel == "telegram",
                                           ChatIdentity.external_id == str(user_id))
        return (await session.exec(query)).first()


async def member_named(app: App, name: str) -> Member | None:
    async with app.sessions() as session:
        return (await session.exec(select(Member).where(Member.full_name == name))).first()


async def test_onboarding_by_typing_and_pressing(telegram: Running, demo: App, api: FakeBotApi) -> None:
    t = vi(demo)
    an = telegram.person(api, AN, "An")
    assert await an.say("/start DEMO-DOANVIEN") == [
        t("join.welcome", role=t("role.member"), unit=UNIT), t("join.ask_name")]
    # Typed on a phone keyboard that composes diacritics (NFD); matched to the roster's row, stored composed.
    assert await an.say(unicodedata.normalize("NFD", "Huỳnh Thị Sơn")) == [t("join.ask_birth_year")]
    summary = t("join.is_you", name="Huỳnh Thị Sơn", year=2001, unit=UNIT)
    assert await an.say("2001") == [summary]
    assert an.buttons() == [t("join.pick_its_me"), t("join.pick_not_me"), t("join.pick_cancel")]
    summary_message = an.keyboard_message()
    assert await an.press(t("join.pick_its_me")) == [t("join.done", name="Huỳnh Thị Sơn", unit=UNIT)]

    [answered] = api.calls_to("answerCallbackQuery")
    assert answered.params["callback_query_id"].startswith("cb-")
    [edited] = api.calls_to("editMessageText")  # the pressed keyboard is replaced by what was pressed
    assert summary_message is not None
    assert int(edited.params["message_id"]) == summary_message["message_id"]
    assert edited.params["text"] == f"{summary}\n\n→ {t('join.pick_its_me')}"
    assert "reply_markup" not in edited.params

    member = await member_named(demo, "Huỳnh Thị Sơn")
    linked = await identity(demo, AN)
    assert member is not None and linked is not None
    assert (linked.member_id, linked.chat_id, linked.reachable) == (member.id, str(AN), True)


async def test_a_deep_link_joins_like_start_with_the_code(polling: Running, demo: App, api: FakeBotApi) -> None:
    # https://t.me/<bot>?start=DEMO-BITHU makes the client send exactly this message.
    t = vi(demo)
    binh = polling.person(api, BINH, "Bình")
    assert (await binh.say("/start DEMO-BITHU"))[0] == t("join.welcome", role=t("role.secretary"), unit=UNIT)


async def test_a_forged_or_stale_button_gets_a_polite_answer_and_changes_nothing(
    telegram: Running, demo: App, api: FakeBotApi
) -> None:
    t = vi(demo)
    an = telegram.person(api, AN, "An")
    await an.say("/start DEMO-DOANVIEN")
    await an.say("Huỳnh Thị Sơn")
    summary = await an.say("2001")
    for forged in ("999.yes", "yes", "3.drop_table", "x" * 64, "3.yes'; DROP TABLE member;--"):
        assert await an.press_data(forged) == [t("engine.stale_choice")]
    assert await identity(demo, AN) is None or (await identity(demo, AN)).member_id is None
    assert len(api.calls_to("answerCallbackQuery")) == 5  # every press is acknowledged
    assert api.calls_to("editMessageText") == []  # a forged label is not shown as pressed
    # The real button still works afterwards: the forged presses changed nothing.
    assert await an.press(t("join.pick_its_me")) == [t("join.done", name="Huỳnh Thị Sơn", unit=UNIT)]
    assert summary


async def test_two_people_onboard_at_once(polling: Running, demo: App, api: FakeBotApi) -> None:
    t = vi(demo)
    an, binh = polling.person(api, AN, "An"), polling.person(api, BINH, "Bình")
    steps = [("/start DEMO-DOANVIEN", "/start DEMO-DOANVIEN2"), ("Huỳnh Thị Sơn", "Bùi Ngọc An"),
             ("2001", "2005")]
    for say_an, say_binh in steps:
        # Both updates are queued before the bot polls, so they come in one batch.
        first = await api.push({"message": _message(an.user, say_an)})
        second = await api.push({"message": _message(binh.user, say_binh)})
        await api.until_confirmed(max(first, second))
    await an.press(t("join.pick_its_me"))
    await binh.press(t("join.pick_its_me"))
    assert an.last[0]["text"] == t("join.done", name="Huỳnh Thị Sơn", unit=UNIT)
    assert binh.last[0]["text"] == t("join.done", name="Bùi Ngọc An", unit="Chi đoàn Khu phố 2")


async def test_a_long_message_gets_an_answer(telegram: Running, demo: App, api: FakeBotApi) -> None:
    an = telegram.person(api, AN, "An")
    await an.say("/start DEMO-DOANVIEN")
    answer = await an.say("Nguyễn " * 570 + "🎉")  # about 4,000 characters where a name is expected
    assert len(answer) == 1 and answer[0]
    assert await member_named(demo, "Nguyễn") is None


def _message(user: dict[str, object], text: str) -> dict[str, object]:
    from tests.telegram.people import message_update

    return message_update(user, text)["message"]  # type: ignore[return-value]
