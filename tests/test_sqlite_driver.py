"""The SQLite driver that runs each statement in one hop to aiosqlite's thread (storage/sqlite_driver.py): what
SQLAlchemy reads of a cursor (rows, description, lastrowid, rowcount) and the errors it maps must be what the
stock aiosqlite adapter gives. These run on a SQLite file of their own whatever `--db` says."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import exc, text
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_cursor
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine


async def _engine(tmp_path: Path) -> AsyncEngine:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/driver.db")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER)"))
    return engine


async def test_rows_ids_and_counts_come_back(tmp_path: Path) -> None:
    engine = await _engine(tmp_path)
    try:
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
    finally:
        await engine.dispose()


async def test_errors_map_and_the_connection_goes_on(tmp_path: Path) -> None:
    engine = await _engine(tmp_path)
    try:
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
    finally:
        await engine.dispose()
