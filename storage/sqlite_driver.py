"""SQLite for the async engine with one hop to aiosqlite's thread per statement.

SQLAlchemy's aiosqlite adapter sends each step of a statement to aiosqlite's worker thread on its own: open a
cursor, execute, fetch the rows, close the cursor; four round trips between the event loop and the thread for a
SELECT, three for a write, each a queue put, a thread wake-up and a loop callback. On the dialog hot path (five
statements per update) those hops were a third of the CPU an update costs (issue 13). Here the whole statement
runs as one call in that thread and hands back the description and the rows together; everything else (the
connection, transactions, errors, the pool) is SQLAlchemy's adapter unchanged.

The call goes through `aiosqlite.Connection._execute`, the queue SQLAlchemy's own adapter also reaches into
(its `isolation_level` setter puts on `_tx`); both belong to aiosqlite's thread model, which this module does not
change. `pyproject.toml` pins the aiosqlite range this was written for.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

__all__ = ["one_hop_dbapi"]

_Ran = tuple[Any, list[Any] | None, int | None, int]  # description, rows, lastrowid, rowcount


def _run(connection: sqlite3.Connection, many: bool, operation: str, parameters: Any) -> _Ran:
    """In aiosqlite's thread: execute one statement and collect everything SQLAlchemy reads of its cursor."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, rows, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._ran(False, operation, parameters)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._ran(True, operation, seq_of_parameters)

    def _ran(self, many: bool, operation: Any, parameters: Any) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        try:
            description, rows, lastrowid, rowcount = self.await_(
                connection._execute(_run, connection._conn, many, operation, parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        if description:
            self.description = description
            self.lastrowid = self.rowcount = -1
            self._rows = deque(rows or ())
        else:
            self.description = None
            self.lastrowid = lastrowid
            self.rowcount = rowcount


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        return super().cursor(server_side) if server_side else _OneHopCursor(self)


class _OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        if type(adapted) is not AsyncAdapt_aiosqlite_connection:  # the sync "fallback" mode: keep it as it is
            return adapted
        return _OneHopConnection(self, adapted._connection)


def one_hop_dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """Return the DB-API module to give `create_async_engine(..., module=...)` for an aiosqlite URL."""
    return _OneHopDbapi(aiosqlite, sqlite3)
