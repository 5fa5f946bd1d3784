"""SQLite for the async engine with one hop to aiosqlite's thread per statement at most.

SQLAlchemy's aiosqlite adapter sends each step of a statement to aiosqlite's worker thread on its own: open a
cursor, execute, fetch the rows, close the cursor; four round trips between the event loop and the thread for a
SELECT, three for a write, each a queue put, a thread wake-up and a loop callback. On the dialog hot path (five
statements per update) those hops were a third of the CPU an update costs (issue 13). Here the whole statement
runs as one call in that thread and hands back the description and the rows together; everything else (the
connection, transactions, errors, the pool) is SQLAlchemy's adapter unchanged.

The call goes through `aiosqlite.Connection._execute`, the queue SQLAlchemy's own adapter also reaches into
(its `isolation_level` setter puts on `_tx`); both belong to aiosqlite's thread model, which this module does not
change. `pyproject.toml` pins the aiosqlite range this was written for.

Two more hops are saved where they cost a thread round trip for nothing (issue 13):

- A statement marked with the execution option `INLINE` (`storage.db.keyed`: the dialog engine's reads and
  writes of one person's rows by key, which every update runs) runs on the caller's thread when its connection is
  inside a transaction: there SQLite takes no lock it could wait for (BEGIN IMMEDIATE already holds the write
  lock; a reader in WAL mode does not wait for the writer), so the statement takes microseconds and cannot block
  the event loop on the busy timeout. BEGIN, COMMIT and every statement not marked still go to the thread; so
  does a marked one outside a transaction. The connection is opened with `check_same_thread=False` for this; it
  is never used by two threads at once, since each operation is awaited before the next starts.
- COMMIT and ROLLBACK with no transaction open do nothing in SQLite, so they are not sent (the pool's reset of a
  connection returned after a commit is such a ROLLBACK, once per update).
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

__all__ = ["INLINE", "flag_inline", "one_hop_dbapi"]

INLINE = "bot11_sqlite_inline"  # execution option: run on the caller's thread inside a transaction

_Ran = tuple[Any, list[Any] | None, int | None, int]  # description, rows, lastrowid, rowcount


def _run(connection: sqlite3.Connection, many: bool, operation: str, parameters: Any) -> _Ran:
    """In aiosqlite's thread (a keyed statement: the caller's): execute one statement and collect everything
    SQLAlchemy reads of its cursor."""
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


async def _here(function: Callable[..., _Ran], *args: Any) -> _Ran:
    """Run `function` on the event loop's thread, as an awaitable: SQLAlchemy's async layer expects every statement
    to await something (it takes a statement that never does for a synchronous driver), and this awaits nothing
    that leaves the thread."""
    return function(*args)


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("inline",)

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        super().__init__(adapt_connection)
        self.inline = False  # set by `flag_inline` from the statement's execution options

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._ran(False, operation, parameters)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._ran(True, operation, seq_of_parameters)

    def _ran(self, many: bool, operation: Any, parameters: Any) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        try:
            raw = connection._conn
            if self.inline and raw.in_transaction:
                ran: _Ran = self.await_(_here(_run, raw, many, operation, parameters))
            else:
                ran = self.await_(connection._execute(_run, raw, many, operation, parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        description, rows, lastrowid, rowcount = ran
        if description:
            self.description = description
            self.lastrowid = self.rowcount = -1
            self._rows = deque(rows or ())
        else:
            self.description = None
            self.lastrowid = lastrowid  # type: ignore[assignment]  # None where sqlite3 has none, as it was
            self.rowcount = rowcount


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()

    def _in_transaction(self) -> bool:
        try:
            return bool(self._connection._conn.in_transaction)
        except (ValueError, sqlite3.ProgrammingError):  # closed: let aiosqlite's own call say so
            return True

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        return super().cursor(server_side) if server_side else _OneHopCursor(self)


class _OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        kw["check_same_thread"] = False  # INLINE statements run on the caller's thread (see the module's text)
        adapted = super().connect(*arg, **kw)
        if type(adapted) is not AsyncAdapt_aiosqlite_connection:  # the sync "fallback" mode: keep it as it is
            return adapted
        return _OneHopConnection(self, adapted._connection)


def one_hop_dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """Return the DB-API module to give `create_async_engine(..., module=...)` for an aiosqlite URL."""
    return _OneHopDbapi(aiosqlite, sqlite3)


def flag_inline(_connection: Any, cursor: Any, _statement: str, _parameters: Any, context: Any,
                _executemany: bool) -> None:
    """A `before_cursor_execute` listener: tell the cursor whether its statement is marked `INLINE`."""
    if isinstance(cursor, _OneHopCursor):
        cursor.inline = context is not None and bool(context.execution_options.get(INLINE, False))
