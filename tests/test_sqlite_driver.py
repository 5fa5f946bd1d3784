"""The SQLite driver that runs each statement in one hop to aiosqlite's thread, or a keyed one on the event loop's
own thread inside a transaction (storage/sqlite_driver.py): what SQLAlchemy reads of a cursor (rows, description,
lastrowid, rowcount) and the errors it maps must be what the stock aiosqlite adapter gives. These run on a SQLite
file of their own whatever `--db` says."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, exc, text
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_cursor
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine, keyed


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on a SQLite file with a table `t`; its connections have `thread()`, the id of the thread that
    runs the statement calling it."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/driver.db")

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("thread", 0, threading.get_ident)

    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER)"))
    yield engine
    await engine.dispose()


async def test_rows_ids_and_counts_come_back(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (name, n) VALUES ('Đoàn', 1)"))
        assert inserted.lastrowid == 1 and inserted.rowcount == 1
        many = await conn.execute(text("INSERT INTO t (name, n) VALUES (:name, :n)"),
                                  [{"name": "Hội", "n": 2}, {"name": "🙂 nhóm", "n": 3}])
        assert many.rowcount == 2
        updated = await conn.execute(text("UPDATE t SET n = n + 10 WHERE n >= 2"))
        assert updated.rowcount == 2
        rows = (await conn.execute(text("SELECT id, name, n FROM t ORDER BY id"))).all()
        assert [tuple(row) for row in rows] == [(1, "Đoàn", 1), (2, "Hội", 12), (3, "🙂 nhóm", 13)]
        assert list((await conn.execute(text("SELECT name AS label FROM t WHERE n > 100"))).keys()) == ["label"]
        raw = await conn.get_raw_connection()
        cursor = raw.dbapi_connection.cursor()  # type: ignore[union-attr]
        assert isinstance(cursor, AsyncAdapt_aiosqlite_cursor)
        assert type(cursor).__name__ == "_OneHopCursor"


async def test_errors_map_and_the_connection_goes_on(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('Chi đoàn 1')"))
    with pytest.raises(exc.IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('Chi đoàn 2')"))
            await conn.execute(text("INSERT INTO t (name) VALUES ('Chi đoàn 1')"))
    with pytest.raises(exc.OperationalError):
        async with engine.connect() as conn:
            await conn.execute(text("SELECT * FROM no_such_table"))
    async with engine.connect() as conn:  # the failed transaction left nothing behind
        names = (await conn.execute(text("SELECT name FROM t ORDER BY name"))).scalars().all()
    assert names == ["Chi đoàn 1"]


async def test_a_keyed_statement_runs_on_the_loop_thread_only_inside_a_transaction(engine: AsyncEngine) -> None:
    loop_thread = threading.get_ident()
    async with engine.connect() as conn:  # SQLAlchemy begins a transaction for the first statement
        plain = (await conn.execute(text("SELECT thread()"))).scalar_one()
        marked = (await conn.execute(keyed(text("SELECT thread()")))).scalar_one()
    assert marked == loop_thread
    assert plain != loop_thread  # aiosqlite's thread

    def outside(sync_conn: Any) -> tuple[int, int]:
        cursor = sync_conn.connection.dbapi_connection.cursor()
        cursor.execute("COMMIT")  # the transaction SQLAlchemy began is over: a marked statement goes out
        cursor.inline = True
        cursor.execute("SELECT thread()")
        out = cursor.fetchone()[0]
        cursor.execute("BEGIN")
        cursor.execute("SELECT thread()")
        return out, cursor.fetchone()[0]

    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
        out, inside = await conn.run_sync(outside)
    assert out != loop_thread and inside == loop_thread


async def test_a_keyed_statement_gives_what_the_thread_gives(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        inserted = await conn.execute(keyed(text("INSERT INTO t (name, n) VALUES ('Đoàn 🙂', 1)")))
        assert inserted.lastrowid == 1 and inserted.rowcount == 1
        updated = await conn.execute(keyed(text("UPDATE t SET n = n + 1 WHERE name = :name")),
                                     {"name": "Đoàn 🙂"})
        assert updated.rowcount == 1
        row = (await conn.execute(keyed(text("SELECT id, name AS label, n FROM t")))).one()
        assert tuple(row) == (1, "Đoàn 🙂", 2) and list(row._fields) == ["id", "label", "n"]
    with pytest.raises(exc.IntegrityError):  # mapped as from the thread, and the transaction rolled back
        async with engine.begin() as conn:
            await conn.execute(keyed(text("INSERT INTO t (name) VALUES ('Hội')")))
            await conn.execute(keyed(text("INSERT INTO t (name) VALUES ('Đoàn 🙂')")))
    with pytest.raises(exc.OperationalError):
        async with engine.begin() as conn:
            await conn.execute(keyed(text("SELECT * FROM no_such_table")))
    async with engine.connect() as conn:
        names = (await conn.execute(keyed(text("SELECT name FROM t ORDER BY name")))).scalars().all()
    assert names == ["Đoàn 🙂"]
