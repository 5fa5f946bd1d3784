"""Migration 0004_sensitive_codes on a database holding free-text ethnicity and religion: values folded to codes,
the minority and religion counts recomputed, and back to 0003's triggers and text. Then on to the head, where
0008_sealed seals the codes with the engine's key and installs storage/rollups.py's triggers (which leave the
minority and religion counts to the application), and back to 0004's codes and triggers, the counts unchanged
throughout."""

from __future__ import annotations

import asyncio
import re
import unicodedata
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Connection, make_url

from storage.db import create_engine
from storage.migrate import alembic_config
from storage.models import AwareDateTime
from storage.rollups import ROLLUP_COLUMNS, SENSITIVE_COLUMNS, install_sql, rebuild_sql
from storage.sealed import Sealer
from tests.conftest import TEST_SENSITIVE_KEY, _admin

BEFORE, AFTER = "0003_reports", "0004_sensitive_codes"
AT = datetime(2026, 8, 1, 3, tzinfo=UTC)
# (free text as typed before codes, ethnicity code, religion code)
ROWS = [
    ("Kinh", "Không tôn giáo", "kinh", "none"),
    ("Việt", "KHÔNG", "kinh", "none"),
    (unicodedata.normalize("NFD", "Tày"), unicodedata.normalize("NFD", "phật giáo"), "tay", "buddhism"),
    ("Kinh\u0300", "Không có", "kinh", "none"),
    ("  ê-đê ", "Thiên Chúa giáo", "e_de", "catholicism"),
    ("Người nước ngoài", "Đạo gì đó", "other", "other"),
    ("   ", "", None, None),
    (None, None, None, None),
    ("H'mông", "ko", "hmong", "none"),
    ("KHMER", "Hoà Hảo", "khmer", "hoa_hao"),
    ("kinh", "none", "kinh", "none"),
]
YOUTH = sa.table("youth", *(sa.column(c) for c in ("full_name", "name_key", "birth_year", "gender", "group_code",
                                                    "introduced_to", "ethnicity", "religion", "introduced_by",
                                                    "unit_id", "status")),
                 sa.column("introduced_at", AwareDateTime()), sa.column("consent_at", AwareDateTime()),
                 sa.column("status_at", AwareDateTime()))


@pytest.fixture
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Return the URL of an empty database of this test's own (nothing migrated yet)."""
    if request.config.getoption("--db") == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrate.db'}"
        return
    server = make_url(request.config.getoption("--db-url"))
    server_url, name = server.render_as_string(hide_password=False), f"bot11_mig_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _alembic(connection: Connection, direction: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    getattr(command, direction)(config, revision)


def _insert_units_and_youth(connection: Connection, rows: list[tuple[Any, ...]]) -> tuple[int, int]:
    """A province with one branch, a member, and `rows` as young people alternately at the branch and the
    province itself; return the two unit ids."""
    connection.execute(sa.text("INSERT INTO unit (id, code, name, kind, path, active) "
                               "VALUES (1, 'T', 'Tỉnh đoàn', 'province', '/1/', true)"))
    connection.execute(sa.text("INSERT INTO unit (id, code, name, kind, parent_id, path, active) "
                               "VALUES (2, 'CD', 'Chi đoàn', 'branch', 1, '/1/2/', true)"))
    member = sa.table("member", sa.column("id"), sa.column("full_name"), sa.column("birth_year"),
                      sa.column("unit_id"), sa.column("status"), sa.column("nudges"),
                      sa.column("joined_at", AwareDateTime()))
    connection.execute(sa.insert(member).values(id=1, full_name="Đoàn Viên", birth_year=2000, unit_id=2,
                                                status="active", nudges=True, joined_at=AT))
    _add_youth(connection, rows)
    return 1, 2


def _add_youth(connection: Connection, rows: list[tuple[Any, ...]], start: int = 0) -> None:
    """Insert young people: the `n`-th (counting from `start`) at the branch when `n` is even, else the province."""
    values = [{"full_name": "Thanh Niên", "name_key": "thanh nien", "birth_year": 2005, "gender": "female",
               "group_code": "student", "introduced_to": "doan", "ethnicity": row[0], "religion": row[1],
               "introduced_by": 1, "unit_id": 2 if n % 2 == 0 else 1, "status": "introduced",
               "introduced_at": AT, "consent_at": AT, "status_at": AT} for n, row in enumerate(rows, start)]
    connection.execute(sa.insert(YOUTH), values)


def _values(connection: Connection) -> list[tuple[str | None, str | None]]:
    return [tuple(row) for row in connection.execute(sa.text("SELECT ethnicity, religion FROM youth ORDER BY id"))]


def _counts(connection: Connection) -> dict[tuple[int, str], tuple[int, int]]:
    query = sa.text("SELECT unit_id, period, minority, religious FROM report_rollup WHERE introduced > 0")
    return {(u, p): (m, r) for u, p, m, r in connection.execute(query)}


def _expected(codes: list[tuple[Any, Any]], minority: Any, religious: Any) -> dict[tuple[int, str], tuple[int, int]]:
    """Counts per (unit, period) from the stored values, by the given Python classification."""
    branch = [values for n, values in enumerate(codes) if n % 2 == 0]
    figures = {}
    for unit, rows in ((1, codes), (2, branch)):
        pair = (sum(1 for e, _ in rows if minority(e)), sum(1 for _, r in rows if religious(r)))
        figures |= {(unit, "2026-H2"): pair, (unit, "2026"): pair}
    return figures


def _rollups(connection: Connection) -> list[tuple[Any, ...]]:
    """Every rollup row that counts something, keyed by table (a row of zeros counts nothing), but for the
    minority and religion counts, which `rebuild_sql` leaves to the application (checked by `_counts`)."""
    counted = ", ".join(c for c in ROLLUP_COLUMNS if c not in SENSITIVE_COLUMNS)
    queries = {"report_rollup": (2, f"SELECT unit_id, period, {counted} FROM report_rollup"),
               "report_group": (3, "SELECT * FROM report_group"), "report_unit": (1, "SELECT * FROM report_unit")}
    rows = [(table, *row) for table, (key, query) in queries.items()
            for row in connection.execute(sa.text(query)) if any(row[key:])]
    return sorted(rows, key=repr)


def _rebuild_before_pending(*, postgres: bool) -> list[str]:
    """storage/rollups.py's rebuild on the tables as they were named before 0010_pending_rollups (no pending
    tables and no `counted` columns, `report_rollup` itself the table; its SQL is otherwise the same as the
    revisions tested here)."""
    return [re.sub(r"\b(report_(?:rollup|group|unit))_base\b", r"\1", statement)
            for statement in rebuild_sql(postgres=postgres)
            if not any(part in statement for part in ("_pending", "pg_advisory_xact_lock", "counted"))]


def _rebuilt_equals_kept(connection: Connection) -> bool:
    """Rebuild in a savepoint, compare, and roll back (the rebuild leaves minority and religion at 0)."""
    kept = _rollups(connection)
    savepoint = connection.begin_nested()
    for statement in _rebuild_before_pending(postgres=connection.dialect.name == "postgresql"):
        connection.execute(sa.text(statement))
    rebuilt = _rollups(connection)
    savepoint.rollback()
    return rebuilt == kept


def _installed_triggers(connection: Connection) -> dict[str, str]:
    """The trigger statements (SQLite) or trigger function bodies (PostgreSQL) in the database."""
    if connection.dialect.name == "postgresql":
        query = sa.text("SELECT proname, prosrc FROM pg_proc WHERE proname LIKE 'report\\_%'")
    else:
        query = sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    return dict(connection.execute(query).all())


def _code_triggers(postgres: bool) -> dict[str, str]:
    """The same, as storage/rollups.py writes them."""
    found = {}
    for statement in install_sql(postgres=postgres):
        if postgres and (m := re.match(r"CREATE FUNCTION (\w+)\(\) .*? AS \$\$(.*)\$\$$", statement)):
            found[m[1]] = m[2]
        elif not postgres:
            found[statement.split()[2]] = statement
    return found


def _minority_0003(value: str | None) -> bool:
    return value is not None and value.strip() != "" and value.strip().lower() != "kinh"


def _religious_0003(value: str | None) -> bool:
    return value is not None and value.strip() != "" and value.strip().lower() not in ("không", "none", "ko")


def _sealed_and_back(connection: Connection, codes: list[tuple[Any, Any]]) -> None:
    """Up to the head: the values sealed, the counts as they were, storage/rollups.py's triggers; back to 0004."""
    counts, triggers_0004 = _counts(connection), _installed_triggers(connection)
    _alembic(connection, "upgrade", "head")
    sealer = Sealer([TEST_SENSITIVE_KEY])
    stored = _values(connection)
    assert not {v for row in stored for v in row} & {v for row in codes for v in row if v is not None}
    assert [tuple(None if v is None else sealer.open(v) for v in row) for row in stored] == codes
    assert _counts(connection) == counts
    postgres = connection.dialect.name == "postgresql"
    installed = _installed_triggers(connection)
    assert {name: installed.get(name) for name in _code_triggers(postgres)} == _code_triggers(postgres)
    _alembic(connection, "downgrade", AFTER)
    assert _values(connection) == codes
    assert _counts(connection) == counts
    assert _installed_triggers(connection) == triggers_0004


def _scenario(connection: Connection) -> None:
    _alembic(connection, "upgrade", BEFORE)
    triggers_0003 = _installed_triggers(connection)
    _insert_units_and_youth(connection, ROWS)
    connection.execute(sa.text("UPDATE report_rollup SET minority = 99, religious = 99"))  # as if miscounted

    _alembic(connection, "upgrade", AFTER)
    codes = [(e, r) for _, _, e, r in ROWS]
    assert _values(connection) == codes
    assert _counts(connection) == _expected(codes, lambda e: e not in (None, "kinh", "other"),
                                            lambda r: r not in (None, "none"))
    assert _rebuilt_equals_kept(connection)
    _add_youth(connection, [("other", "none"), ("tay", "other")], start=len(ROWS))  # counted by code
    codes += [("other", "none"), ("tay", "other")]
    assert _counts(connection)[(1, "2026")] == (5, 5)
    assert _rebuilt_equals_kept(connection)
    _sealed_and_back(connection, codes)

    _alembic(connection, "downgrade", BEFORE)
    names = _values(connection)
    assert names[:6] == [("Kinh", "Không"), ("Kinh", "Không"), ("Tày", "Phật giáo"), ("Kinh", "Không"),
                         ("Ê Đê", "Công giáo"), ("Khác", "Khác")]
    assert _counts(connection) == _expected(names, _minority_0003, _religious_0003)
    assert _installed_triggers(connection) == triggers_0003

    _alembic(connection, "upgrade", AFTER)
    assert _values(connection) == codes


async def test_free_text_becomes_codes_and_counts_follow(empty_url: str) -> None:
    engine = create_engine(empty_url, sealer=Sealer([TEST_SENSITIVE_KEY]))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_scenario)
    finally:
        await engine.dispose()
