"""A dialog's typed data against the conversation row: a row written as the dialog writes it (or with a key the
dialog no longer knows) goes on; a row whose fields are missing or garbled ends as an expired dialog, never as
a failure. Transcripts on the demo organisation; every case runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.app import App
from storage.models import Conversation
from tests.test_youth_support import count, vi
from tests.transcript import Chat

Data = dict[str, Any]
_TABLE = Conversation.__table__  # type: ignore[attr-defined]


async def _rewrite(app: App, change: Callable[[Data], Data]) -> None:
    """Rewrite the held dialog's `data` column the way an older version, or a damaged row, might hold it."""
    async with app.db.begin() as connection:
        data = (await connection.execute(select(_TABLE.c.data))).scalar_one()
        await connection.execute(update(_TABLE).values(data=change(dict(data))))


async def test_the_join_dialog_keeps_its_data_under_the_names_it_always_had(demo: App, chat: Chat) -> None:
    await chat.say("an", "/batdau DEMO-DOANVIEN")
    async with demo.db.connect() as connection:
        data = (await connection.execute(select(_TABLE.c.data))).scalar_one()
    assert {key: data[key] for key in ("code", "role")} == {"code": "DEMO-DOANVIEN", "role": "member"}


@pytest.mark.parametrize("change", [
    lambda data: data,
    lambda data: {**data, "left_by_an_older_version": [1, "x"]},
    lambda data: {key: value for key, value in data.items() if key not in ("full_name", "birth_year")},
], ids=["as-written", "unknown-key", "optional-fields-absent"])
async def test_a_row_that_still_reads_goes_on(demo: App, chat: Chat, change: Callable[[Data], Data]) -> None:
    await chat.say("an", "/batdau DEMO-DOANVIEN")
    await _rewrite(demo, change)
    assert await chat.say("an", "Đinh Thị Số") == [vi(demo, "join.ask_birth_year")]


@pytest.mark.parametrize("change", [
    lambda data: {key: value for key, value in data.items() if key != "code"},
    lambda data: {**data, "code": 12345},
    lambda data: {**data, "role": "emperor"},
    lambda data: {**data, "birth_year": "two thousand"},
    lambda data: {**data, "birth_year": True},
], ids=["code-missing", "code-a-number", "role-unknown", "year-as-text", "year-as-bool"])
async def test_a_row_that_no_longer_reads_ends_as_expired(demo: App, chat: Chat,
                                                          change: Callable[[Data], Data]) -> None:
    await chat.say("an", "/batdau DEMO-DOANVIEN")
    await _rewrite(demo, change)
    assert await chat.say("an", "Đinh Thị Số") == [vi(demo, "engine.expired")]
    assert await count(demo, "conversation") == 0
    assert await count(demo, "member", "full_name = 'Đinh Thị Số'") == 0
