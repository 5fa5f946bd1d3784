"""What the dispatcher does beside a dialog step and its replies rather than in turn with them: answering a pressed
button (it only stops the client's spinner) neither waits for the step nor holds it up, and the chat's menu is
checked while the replies are on their way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import App
from tests.telegram.conftest import Running
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.test_menus import AN

_PATIENCE = 3.0  # seconds a held call waits for its release before it goes on regardless


class HoldingApi(FakeBotApi):
    """The fake Bot API, able to hold every call of one method until a call of another arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.held: str | None = None
        self.released_by: str | None = None
        self.waited_in_vain: list[str] = []  # held calls that were never released
        self._release = asyncio.Event()

    def hold(self, method: str, *, until: str) -> None:
        """Hold calls of `method` (at most `_PATIENCE` seconds) until a call of `until` arrives."""
        self.held, self.released_by = method, until
        self._release.clear()

    async def _answer(self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
                      ) -> tuple[int, dict[str, Any]]:
        if method == self.released_by:
            self._release.set()
        if method == self.held:
            try:
                await asyncio.wait_for(self._release.wait(), _PATIENCE)
            except TimeoutError:
                self.waited_in_vain.append(method)
        return await super()._answer(method, params, files)


@pytest.fixture
async def api() -> AsyncIterator[HoldingApi]:
    fake = HoldingApi()
    await fake.start()
    yield fake
    await fake.stop()


async def test_a_press_is_answered_while_its_step_runs(polling: Running, demo: App, api: HoldingApi) -> None:
    an = polling.person(api, AN, "Hân")
    for line in ("/start DEMO-DOANVIEN", "Huỳnh Thị Sơn", "2001"):
        await an.say(line)
    # The press is answered only once the step's reply arrives: were the step to wait for that answer, it would
    # wait out the fake's patience.
    api.hold("answerCallbackQuery", until="sendMessage")
    assert await an.press(demo.catalogs.get("vi")("join.pick_its_me"))
    assert api.waited_in_vain == []
    assert len(api.calls_to("answerCallbackQuery")) == 1


async def test_the_menu_is_published_while_the_reply_is_on_its_way(
    polling: Running, demo: App, api: HoldingApi
) -> None:
    an = polling.person(api, AN, "Hân")
    for line in ("/start DEMO-BITHU", "Huỳnh Thị Sơn", "2001"):
        await an.say(line)
    api.hold("sendMessage", until="setMyCommands")  # joining gives the secretary's role, and with it a menu
    assert await an.press(demo.catalogs.get("vi")("join.pick_its_me"))
    assert api.waited_in_vain == []
    [menu] = [call.params for call in api.calls_to("setMyCommands") if "scope" in call.params]
    assert menu["scope"] == {"type": "chat", "chat_id": AN}
