"""Make the test database busy the way another program does: hold its write lock from a second connection.

On SQLite, `BEGIN EXCLUSIVE` on the same file (another process writing to it); on PostgreSQL, `LOCK TABLE …
IN ACCESS EXCLUSIVE MODE` on the tables the bot needs. `wait_briefly_for_locks` makes the app give up waiting
for a lock after 0.1 s (production waits 30 s on SQLite, indefinitely on PostgreSQL), so that each attempt
fails quickly and a test can watch many of them; without it, an attempt simply hangs until the lock is gone.
Used by the Telegram, Zalo and console tests.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from bot.app import App
from storage.db import create_engine, is_sqlite

__all__ = ["Attempts", "held_lock", "wait_briefly_for_locks"]


async def wait_briefly_for_locks(app: App) -> None:
    """Make every new connection of `app` give up after 0.1 s of waiting for a lock, and drop pooled ones."""
    sqlite = is_sqlite(app.settings.database_url)

    def wait_briefly(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=100" if sqlite else "SET lock_timeout = '100ms'")
        cursor.close()
        if not sqlite:
            dbapi_connection.commit()  # the asyncpg adapter opened a transaction: a rollback would undo the SET

    event.listen(app.db.sync_engine, "connect", wait_briefly)
    await app.db.dispose()


@asynccontextmanager
async def held_lock(app: App, tables: tuple[str, ...] = ("processed_update",)) -> AsyncIterator[None]:
    """Hold the database's write lock (SQLite) or `tables`' locks (PostgreSQL) for the block."""
    url = app.settings.database_url
    if is_sqlite(url):
        connection = sqlite3.connect(make_url(url).database or "", isolation_level=None, check_same_thread=False)
        await asyncio.to_thread(connection.execute, "BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            transaction = await connection.begin()
            await connection.execute(text(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE"))
            try:
                yield
            finally:
                await transaction.rollback()
    finally:
        await engine.dispose()


class Attempts(logging.Handler):
    """Count the failed attempts the channels log ("<name> could not be handled (…); retrying …") per name."""

    def __init__(self) -> None:
        super().__init__()
        self.failed: Counter[str] = Counter()
        self._changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if " could not be handled (" in message:
            self.failed[message.split(" could not be handled (")[0]] += 1
            self._changed.set()

    async def at_least(self, count: int, name: str) -> None:
        """Wait until `name` failed `count` times."""
        while self.failed[name] < count:
            self._changed.clear()
            await self._changed.wait()

    @asynccontextmanager
    async def watching(self, *loggers: str) -> AsyncIterator[Attempts]:
        for name in loggers:
            logging.getLogger(name).addHandler(self)
        try:
            yield self
        finally:
            for name in loggers:
                logging.getLogger(name).removeHandler(self)
