"""Command menus: one per language for everyone at start, and a chat's own menu once its person holds a role
that opens more commands (in the language they chose)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from bot.app import App
from tests.telegram.conftest import Running
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.people import Person

AN = 5120342711


def names(call_params: dict[str, Any]) -> list[str]:
    return [command["command"] for command in call_params["commands"]]


async def join(person: Person, code: str) -> None:
    for line in (f"/start {code}", "Huỳnh Thị Sơn", "2001"):  # on the demo roster of Khu phố 1
        await person.say(line)
    await person.press("Đúng, là tôi")


async def test_everyone_gets_a_vietnamese_menu_and_english_clients_an_english_one(
    polling: Running, demo: App, api: FakeBotApi
) -> None:
    open_to_all = [command for command in demo.engine.commands if not command.roles]
    published = {call.params.get("language_code"): call.params for call in api.calls_to("setMyCommands")}
    assert set(published) == {None, "en"}
    assert names(published[None]) == [command.names[0] for command in open_to_all]
    assert names(published["en"]) == [command.names[-1] for command in open_to_all]
    assert names(published[None])[:1] == ["batdau"] and names(published["en"])[:1] == ["start"]
    vi, en = demo.catalogs.get("vi"), demo.catalogs.get("en")
    assert published[None]["commands"][0]["description"] == vi("help.start")
    assert published["en"]["commands"][0]["description"] == en("help.start")
    assert all("scope" not in params for params in published.values())


async def test_a_secretary_gets_the_menu_of_their_role(polling: Running, demo: App, api: FakeBotApi) -> None:
    an = polling.person(api, AN, "Hân")
    await join(an, "DEMO-BITHU")
    [menu] = [call.params for call in api.calls_to("setMyCommands") if "scope" in call.params]
    assert menu["scope"] == {"type": "chat", "chat_id": AN}
    expected = [c.names[0] for c in demo.engine.commands if not c.roles or "secretary" in c.roles]
    assert names(menu) == expected
    assert len(expected) > len([c for c in demo.engine.commands if not c.roles])

    # Switching to English republishes it in English, once.
    await an.say("/ngonngu")
    await an.press(demo.catalogs.get("vi")("language.name_en"))
    await an.say("/help")
    chat_menus = [call.params for call in api.calls_to("setMyCommands") if "scope" in call.params]
    assert [names(params)[0] for params in chat_menus] == ["batdau", "start"]


async def test_a_member_without_roles_keeps_the_common_menu(polling: Running, demo: App, api: FakeBotApi) -> None:
    an = polling.person(api, AN, "Hân")
    await join(an, "DEMO-DOANVIEN")
    await an.say("/trogiup")
    assert [call for call in api.calls_to("setMyCommands") if "scope" in call.params] == []


async def test_the_menu_after_a_step_needs_no_read_of_its_own(polling: Running, demo: App, api: FakeBotApi) -> None:
    """The engine reads the person's roles and language in the step's own transaction and hands them to the
    menu (`Engine.tell_standing`): no reader session after each command or press (about 1 CPU ms an update)."""
    read_alone: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        if context is not None and context.execution_options.get("bot11_read_only"):
            read_alone.append(statement)

    event.listen(demo.db.sync_engine, "before_cursor_execute", note)
    try:
        an = polling.person(api, AN, "Hân")
        await join(an, "DEMO-BITHU")
        await an.say("/trogiup")
    finally:
        event.remove(demo.db.sync_engine, "before_cursor_execute", note)
    [menu] = [call.params for call in api.calls_to("setMyCommands") if "scope" in call.params]
    assert names(menu) == [c.names[0] for c in demo.engine.commands if not c.roles or "secretary" in c.roles]
    assert read_alone == []
