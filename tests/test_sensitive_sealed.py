"""Ethnicity and religion stored sealed (storage/sealed.py, issue 12): the database holds tokens, never the codes
or names, not even in a full dump; a wrong or missing key fails loudly; rotating the key re-seals everything; and
the report counts of ethnic minorities and religion stay exact through registration, edits, deletion, merges and
erasure, now that the application keeps them instead of the triggers.

Transcripts on the demo organisation (the member joins Chi đoàn Khu phố 1, under Đoàn phường Bình An, Quận Đoàn
Hòa Bình and Tỉnh Đoàn An Lạc); every case runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import subprocess
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from bot.app import App
from bot.cli import main
from bot.settings import NO_SENSITIVE_KEYS, Settings
from storage.db import create_engine, session_factory
from storage.models import Conversation, Unit, Youth
from storage.reorganise import merge_units
from storage.rollups import rebuild_sensitive_counts, rebuild_sql
from storage.sealed import DEVELOPMENT_KEY, Sealer, SealError, new_key
from storage.sensitive import load_ethnic_groups, load_religions
from tests.conftest import TEST_SENSITIVE_KEY, Clock
from tests.test_youth_support import REGISTER_STEPS, join, opened, scalar, vi
from tests.transcript import Chat

ETHNICITY_STEP = REGISTER_STEPS.index("Kinh")
CHAIN = ("CD-KP1", "CS-PBA", "QD-HB", "TD-AL")  # the member's branch and every unit above it
PERIODS = ("2026-H2", "2026")  # the clock is in November 2026


async def _register(chat: Chat, name: str, phone: str, ethnicity: str, religion: str) -> None:
    steps = [*REGISTER_STEPS]
    steps[2], steps[5], steps[ETHNICITY_STEP], steps[ETHNICITY_STEP + 1] = name, phone, ethnicity, religion
    for line in [*steps, "Đúng, lưu lại"]:
        await chat.say("an", line)


async def _edit(chat: Chat, name: str, field: str, answer: str) -> list[str]:
    await chat.say("an", "/sua")
    await chat.press("an", name)
    await chat.press("an", field)
    return await chat.say("an", answer)


async def _counts(app: App) -> dict[tuple[str, str], tuple[int, int]]:
    """(unit code, period) -> (minority, religious), for every rollup row where either is not 0."""
    async with app.db.connect() as connection:
        found = (await connection.execute(text(
            "SELECT u.code, r.period, r.minority, r.religious FROM report_rollup r JOIN unit u ON u.id = r.unit_id "
            "WHERE r.minority <> 0 OR r.religious <> 0"))).all()
    return {(code, period): (minority, religious) for code, period, minority, religious in found}


def _along(units: Sequence[str], minority: int, religious: int) -> dict[tuple[str, str], tuple[int, int]]:
    return {(unit, period): (minority, religious) for unit in units for period in PERIODS
            if minority or religious}


async def _rebuilt_equals_kept(app: App) -> bool:
    """Recompute every rollup from the rows (SQL, then the sealed counts in Python) and compare."""
    kept = await _counts(app)
    async with app.sessions() as session, session.begin():
        for statement in rebuild_sql(postgres=app.db.dialect.name == "postgresql"):
            await session.exec(text(statement))  # type: ignore[call-overload]
        await rebuild_sensitive_counts(session)
    return await _counts(app) == kept


# --- The counts follow every writer.


async def test_counts_follow_registration_edits_and_deletion(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await _register(chat, "Trần Thị Bích", "0912 345 678", "Kinh", "Không")
    assert await _counts(demo) == {}
    await _register(chat, "Lò Văn Tài", "0912 345 679", "Tày", "Phật giáo")
    assert await _counts(demo) == _along(CHAIN, 1, 1)

    edited = await _edit(chat, "Lò Văn Tài (2006)", "Dân tộc (nhạy cảm)", "Kinh")
    assert "• Dân tộc (nhạy cảm): Kinh" in edited[0]
    assert await _counts(demo) == _along(CHAIN, 0, 1)
    await _edit(chat, "Lò Văn Tài (2006)", "Tôn giáo (nhạy cảm)", "Không")
    assert await _counts(demo) == {}
    await _edit(chat, "Trần Thị Bích (2006)", "Tôn giáo (nhạy cảm)", "Phật giáo")
    assert await _counts(demo) == _along(CHAIN, 0, 1)
    await _edit(chat, "Lò Văn Tài (2006)", "Dân tộc (nhạy cảm)", "Tày")
    await _edit(chat, "Lò Văn Tài (2006)", "Tôn giáo (nhạy cảm)", "Phật giáo")
    assert await _counts(demo) == _along(CHAIN, 1, 2)
    assert await _rebuilt_equals_kept(demo)

    await chat.say("an", "/xoa")
    await chat.press("an", "Lò Văn Tài (2006)")
    assert await chat.press("an", "Xóa hẳn") == ["Đã xóa thông tin của Lò Văn Tài."]
    assert await _counts(demo) == _along(CHAIN, 0, 1)
    assert await _rebuilt_equals_kept(demo)


async def test_a_refused_edit_changes_no_count(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await _register(chat, "Lò Văn Tài", "0912 345 679", "Tày", "Phật giáo")
    answer = await _edit(chat, "Lò Văn Tài (2006)", "Dân tộc (nhạy cảm)", "a" * 4000)
    assert answer == [vi(demo, "validate.text_too_long", limit=40)]
    assert await opened(demo, "ethnicity", "religion") == [("tay", "buddhism")]
    assert await _counts(demo) == _along(CHAIN, 1, 1)


async def test_a_merge_takes_the_counts_along(demo: App, chat: Chat, clock: Clock) -> None:
    await join(chat, "an")
    await _register(chat, "Lò Văn Tài", "0912 345 679", "Tày", "Phật giáo")
    async with demo.sessions() as session, session.begin():
        units = {u.code: u for u in (await session.exec(select(Unit))).all()}
        await merge_units(session, sources=[units["CD-KP1"]], into=units["CD-APD"], now=clock())
    assert await _counts(demo) == _along(("CD-APD", "CS-TL", "HD-TS", "TD-AL"), 1, 1)
    assert await _rebuilt_equals_kept(demo)


async def test_erasing_the_values_leaves_past_reports_as_they_were(demo: App, chat: Chat) -> None:
    """Erasure (storage/privacy.py) sets both to NULL without touching the counts: reports already given stand."""
    await join(chat, "an")
    await _register(chat, "Lò Văn Tài", "0912 345 679", "Tày", "Phật giáo")
    async with demo.sessions() as session, session.begin():
        await session.exec(text("UPDATE youth SET ethnicity = NULL, religion = NULL"))  # type: ignore[call-overload]
    assert await opened(demo, "ethnicity", "religion") == [(None, None)]
    assert await _counts(demo) == _along(CHAIN, 1, 1)


# --- What the database holds.


async def test_the_columns_hold_tokens_only(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await _register(chat, "Lò Văn Tài", "0912 345 679", "Tày", "Phật giáo")
    stored = await scalar(demo, "SELECT ethnicity || ' ' || religion FROM youth")
    ethnicity, religion = stored.split(" ")
    assert ethnicity.startswith("gAAAAA") and religion.startswith("gAAAAA")  # Fernet tokens
    sealer = Sealer([TEST_SENSITIVE_KEY])
    assert (sealer.open(ethnicity), sealer.open(religion)) == ("tay", "buddhism")


WRONG_KEYS = [
    pytest.param([new_key()], "could not be opened", id="another-key"),
    pytest.param([DEVELOPMENT_KEY.decode()], "could not be opened", id="the-development-key"),
    pytest.param(None, "no SENSITIVE_KEYS", id="no-key"),
]


@pytest.mark.parametrize(("keys", "message"), WRONG_KEYS)
async def test_a_wrong_key_fails_loudly(demo: App, chat: Chat, database_url: str, keys: list[str] | None,
                                        message: str) -> None:
    await join(chat, "an")
    await _register(chat, "Lò Văn Tài", "0912 345 679", "Tày", "Phật giáo")
    engine = create_engine(database_url, sealer=Sealer(keys) if keys else None)
    try:
        async with session_factory(engine)() as session:
            with pytest.raises(SealError, match=message):
                await session.exec(select(Youth.ethnicity))
            with pytest.raises(SealError, match=message):
                await session.exec(select(Youth))
            assert (await session.exec(select(Youth.full_name))).all() == ["Lò Văn Tài"]
    finally:
        await engine.dispose()


def test_a_value_not_sealed_is_refused_not_returned() -> None:
    with pytest.raises(SealError):
        Sealer([TEST_SENSITIVE_KEY]).open("tay")


# --- The key: settings and rotation.


SETTINGS = [
    pytest.param({}, None, id="unset-console-uses-the-development-key"),
    pytest.param({"telegram_bot_token": "1:x"}, NO_SENSITIVE_KEYS, id="unset-with-telegram-refused"),
    pytest.param({"zalo_bot_token": "x"}, NO_SENSITIVE_KEYS, id="unset-with-zalo-refused"),
    pytest.param({"sensitive_keys": "not a key"}, "SENSITIVE_KEYS: key 1 is not a Fernet key", id="malformed"),
    pytest.param({"sensitive_keys": f"{TEST_SENSITIVE_KEY}, short"}, "SENSITIVE_KEYS: key 2 is not", id="second-bad"),
    pytest.param({"sensitive_keys": f" {TEST_SENSITIVE_KEY} ,", "telegram_bot_token": "1:x"}, None, id="spaces"),
]


@pytest.mark.parametrize(("values", "refused"), SETTINGS)
def test_the_key_setting(values: dict[str, Any], refused: str | None) -> None:
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    if refused is not None:
        with pytest.raises(ValueError, match=re.escape(refused)):
            settings.sealer()
        return
    assert settings.sealer().open(settings.sealer().seal("tay")) == "tay"


async def _tokens(app: App) -> list[tuple[str, str]]:
    async with app.db.connect() as connection:
        return [tuple(row) for row in (await connection.execute(text(
            "SELECT ethnicity, religion FROM youth ORDER BY id"))).all()]  # type: ignore[misc]


async def _read_with(url: str, keys: list[str]) -> list[tuple[Any, ...]]:
    engine = create_engine(url, sealer=Sealer(keys))
    try:
        async with session_factory(engine)() as session:
            query = select(Youth.ethnicity, Youth.religion).order_by(col(Youth.id))
            return [tuple(row) for row in (await session.exec(query)).all()]
    finally:
        await engine.dispose()


async def _dialogs_with(url: str, keys: list[str]) -> int:
    """Open every dialog under way with `keys`; return how many there are."""
    engine = create_engine(url, sealer=Sealer(keys))
    try:
        async with session_factory(engine)() as session:
            return len([row.data for row in (await session.exec(select(Conversation))).all()])
    finally:
        await engine.dispose()


async def _rotate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run `bot11 admin rotate-key *args` (in a thread: the command line runs its own event loop)."""
    code = await asyncio.to_thread(main, ["admin", "rotate-key", *args])
    return code, capsys.readouterr().out


async def test_rotating_the_key(demo: App, chat: Chat, database_url: str, monkeypatch: pytest.MonkeyPatch,
                                tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    await join(chat, "an")
    await _register(chat, "Lò Văn Tài", "0912 345 679", "Tày", "Phật giáo")
    await _register(chat, "Trần Thị Bích", "0912 345 678", "Khmer", "Bỏ qua")
    await _register(chat, "Đinh Văn Ba", "0912 345 677", "Bỏ qua", "Bỏ qua")
    await chat.say("an", "/gioithieu")  # a dialog under way: its data is sealed too
    before = await _tokens(demo)
    fresh = new_key()
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    monkeypatch.setenv("SENSITIVE_KEYS", f"{fresh},{TEST_SENSITIVE_KEY}")
    assert await _rotate(capsys, "--batch", "1") == (
        0, "young people with sealed values: 2; re-sealed with the first key: 2\n"
           "dialogs under way: 1; re-sealed with the first key: 1\n")
    assert await _dialogs_with(database_url, [fresh]) == 1
    with pytest.raises(SealError):
        await _dialogs_with(database_url, [TEST_SENSITIVE_KEY])
    after = await _tokens(demo)
    assert [[v is None for v in row] for row in after] == [[False, False], [False, True], [True, True]]
    assert all(a != b for a, b in zip(after[0] + after[1][:1], before[0] + before[1][:1], strict=True))
    assert await _rotate(capsys) == (0, "young people with sealed values: 2; re-sealed with the first key: 0\n"
                                        "dialogs under way: 1; re-sealed with the first key: 0\n")
    assert await _tokens(demo) == after
    expected = [("tay", "buddhism"), ("khmer", None), (None, None)]
    assert await _read_with(database_url, [fresh]) == expected  # the old key can go now
    with pytest.raises(SealError):
        await _read_with(database_url, [TEST_SENSITIVE_KEY])
    assert await _counts(demo) == _along(CHAIN, 2, 1)

    monkeypatch.setenv("SENSITIVE_KEYS", new_key())  # a key that opens nothing here: refused, nothing written
    code, out = await _rotate(capsys)
    assert code == 1
    assert out.startswith("stopped after 0 young people (0 re-sealed): a sealed value could not be opened")
    assert await _tokens(demo) == after
    assert await _rotate(capsys, "--batch", "0") == (2, "--batch must be at least 1\n")


def test_new_key_prints_a_key_that_seals(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "new-key"]) == 0
    key = capsys.readouterr().out.strip()
    assert Sealer([key]).open(Sealer([key]).seal("kinh")) == "kinh"


# --- A dump of the whole database reveals nothing.


def _dump(database_url: str) -> str:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(url.database or "") as connection:
            return "\n".join(connection.iterdump())
    command = ["pg_dump", "--no-owner", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
               "-U", url.username or "postgres", url.database or ""]
    return subprocess.run(command, check=True, capture_output=True, text=True,
                          env={"PGPASSWORD": url.password or ""}).stdout


REGISTERED = [("Lò Văn Tài", "0912 345 679", "Tày", "Phật giáo"),
              ("Trần Thị Bích", "0912 345 678", "Khmer", "Công giáo"),
              ("Đinh Văn Ba", "0912 345 677", "H'Mông", "Tin Lành"),
              ("Lê Thị Tư", "0912 345 676", "Kinh", "Không")]


async def test_a_dump_of_the_database_reveals_no_ethnicity_or_religion(demo: App, chat: Chat,
                                                                       database_url: str) -> None:
    await join(chat, "an")
    for name, phone, ethnicity, religion in REGISTERED:
        await _register(chat, name, phone, ethnicity, religion)
    await _edit(chat, "Lê Thị Tư (2006)", "Tôn giáo (nhạy cảm)", "Cao Đài")
    # Another member stops at the summary of a registration: the draft holds a name, a phone, an ethnicity and
    # a religion nobody saved yet.
    await join(chat, "binh", name="Phạm Thị Bình")
    draft = [*REGISTER_STEPS]
    draft[2], draft[5], draft[ETHNICITY_STEP], draft[ETHNICITY_STEP + 1] = (
        "Hà Thị Nháp", "0912 345 675", "Mường", "Hòa Hảo")
    for line in draft:
        await chat.say("binh", line)
    async with demo.sessions() as session:
        (held,) = (await session.exec(select(Conversation))).all()
    assert (held.data["name"], held.data["ethnicity"], held.data["religion"]) == ("Hà Thị Nháp", "muong", "hoa_hao")
    stored = await opened(demo, "ethnicity", "religion")
    assert stored == [("tay", "buddhism"), ("khmer", "catholicism"), ("hmong", "protestantism"), ("kinh", "caodaism")]
    groups, religions = load_ethnic_groups(), load_religions()
    entries = ([groups.get(e) for e, _ in [*stored, ("muong", None)]]
               + [religions.get(r) for _, r in [*stored, (None, "hoa_hao")]])
    revealing = {word for entry in entries if entry for word in (entry.code, *entry.spellings())}
    dump = _dump(database_url)
    assert "Lò Văn Tài" in dump  # the dump is complete: the names are there
    assert "Nháp" not in dump and "0912345675" not in dump  # the draft's name and phone are sealed with it
    # A word counts as found only where it stands alone: a token's letters (url-safe base64) may spell "tay".
    found = {word for word in revealing if re.search(rf"(?<![\w\-=]){re.escape(word)}(?![\w\-=])", dump)}
    assert found == set()
