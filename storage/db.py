"""Engine and session factory for SQLite (WAL, the embedded default) and PostgreSQL, and the query helpers
that depend on which of the two is in use or on how SQLModel types a table's columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import Executable, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Mapped
from sqlmodel import SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.sealed import Sealer, attach_sealer
from storage.sqlite_driver import INLINE, flag_inline, one_hop_dbapi

__all__ = [
    "create_engine", "is_sqlite", "key_col", "keyed", "on_postgres", "reader_factory", "session_factory",
    "upsert_insert",
]

_Statement = TypeVar("_Statement", bound=Executable)


_READ_ONLY = "bot11_read_only"  # an execution option: the session's transactions only read


def is_sqlite(url: str) -> bool:
    """Tell whether a database URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, sealer: Sealer | None = None, **kwargs: Any) -> AsyncEngine:
    """Build the async engine for `url`; for a SQLite file, create its folder and set it up for WAL, with one
    thread hop per statement at most (storage/sqlite_driver.py).

    `sealer` seals and opens the sensitive columns (storage/sealed.py); without one the engine reads and
    writes them only as NULL.
    """
    if not is_sqlite(url):
        engine = create_async_engine(url, pool_pre_ping=True, **kwargs)
        attach_sealer(engine.dialect, sealer)
        return engine
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30}, module=one_hop_dbapi(), **kwargs)
    attach_sealer(engine.dialect, sealer)
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    # pysqlite's own transaction handling would start transactions lazily and as readers, so two writers
    # could both read a conversation and then fail on write. We take the transaction ourselves with
    # BEGIN IMMEDIATE: writers queue on the lock (busy_timeout) instead of failing.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    event.listen(engine.sync_engine, "before_cursor_execute", flag_inline)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def keyed(statement: _Statement) -> _Statement:
    """Mark `statement` as one that reads or writes a few rows by key (an index lookup, no scan): on SQLite,
    inside a transaction, it runs on the event loop's own thread instead of a round trip to the driver's thread
    (storage/sqlite_driver.py). For the statements every update runs; never for a report's or a job's scans,
    which would hold the event loop for as long as they take."""
    return statement.execution_options(**{INLINE: True})


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the factory that makes one session per inbound update or job run."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def reader_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return a factory of sessions that only read (say, the command menu's role check after a reply).

    On SQLite their transactions begin DEFERRED: in WAL mode a reader then neither waits for the writer nor
    holds it up, where BEGIN IMMEDIATE would take the write lock and make the next update's transaction sleep in
    SQLite's busy handler. A deferred transaction that writes may fail at once as busy instead of waiting its turn,
    so use these sessions for reads only. On PostgreSQL they are ordinary sessions.
    """
    return async_sessionmaker(engine.execution_options(**{_READ_ONLY: True}), class_=AsyncSession,
                              expire_on_commit=False)


def on_postgres(session: AsyncSession) -> bool:
    """Tell whether the session's database is PostgreSQL (else SQLite)."""
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def upsert_insert(session: AsyncSession, table: type[SQLModel] | Table) -> postgresql.Insert | sqlite.Insert:
    """Return an INSERT for `table` (a model, or its Core table) in the session's dialect, which has
    `on_conflict_do_nothing()`."""
    if on_postgres(session):
        return postgresql.insert(table)
    return sqlite.insert(table)


def key_col(column: int | None) -> Mapped[int]:
    """Return `col()` of an autoincrement primary key, typed as the `int` every row read back has.

    SQLModel types the column as its model field, `int | None`, because an object has no id before its
    insert; a primary key column itself is never NULL.
    """
    return cast("Mapped[int]", col(column))
