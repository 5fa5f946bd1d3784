"""Shared fixtures: a migrated database per test (SQLite file or the PostgreSQL server), the app built on it
with an injectable clock, and a transcript driver for dialogs.

`pytest --db sqlite` (the default) or `pytest --db postgres --db-url postgresql+asyncpg://...`. On PostgreSQL
the run creates a database of its own, migrates it once, empties every table before each test, and drops it at
the end, so parallel runs never share rows.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from bot.app import App, build_app
from bot.settings import Settings
from storage.db import create_engine
from storage.demo import seed_demo
from storage.migrate import upgrade_to_head
from storage.rollups import ROLLUP_VIEWS
from storage.sealed import Sealer
from tests.transcript import Chat


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", choices=("sqlite", "postgres"), default="sqlite", help="database to test against")
    parser.addoption("--db-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test",
                     help="PostgreSQL server/database the run may create its own database from")


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {config.getoption('--db')}"


class Clock:
    """A settable clock for time travel; starts at a fixed instant unless told otherwise."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


# The key the tests' engines seal ethnicity and religion with (storage/sealed.py); not the development key, so a
# test that reads with the wrong key fails.
TEST_SENSITIVE_KEY = "dGVzdCBrZXkgb2YgdGhlIHNlYWxlZCBjb2x1bW5zIS0="


async def _migrate(url: str) -> None:
    engine = create_engine(url, sealer=Sealer([TEST_SENSITIVE_KEY]))
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()


async def _admin(url: str, *statements: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Return the URL of a freshly migrated database for this run (a template file on SQLite)."""
    if request.config.getoption("--db") == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        url = f"sqlite+aiosqlite:///{path}"
        asyncio.run(_migrate(url))
        yield url
        return
    server = make_url(request.config.getoption("--db-url"))
    name = f"bot11_test_{uuid.uuid4().hex[:10]}"
    server_url = server.render_as_string(hide_password=False)
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        asyncio.run(_migrate(url))
        yield url
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> Iterator[str]:
    """Return the URL of an empty, migrated database that belongs to this test alone."""
    if migrated_database.startswith("sqlite"):
        path = tmp_path / "bot.db"
        shutil.copyfile(make_url(migrated_database).database or "", path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables
                       if table.name not in ROLLUP_VIEWS)
    asyncio.run(_admin(migrated_database, f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield migrated_database


@pytest.fixture
def clock() -> Clock:
    # A Tuesday in the second half of 2026, mid-morning in Ho Chi Minh City.
    return Clock(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # Port 0: the HTTP server takes a free port, so tests never collide with another server on 8080.
    return Settings(_env_file=None, database_url=database_url,  # type: ignore[call-arg]
                    attachment_dir=str(tmp_path / "attachments"), http_port=0,
                    web_secret_key="a test key of more than thirty-two bytes",
                    sensitive_keys=TEST_SENSITIVE_KEY)


@pytest.fixture
async def app(settings: Settings, clock: Clock) -> AsyncIterator[App]:
    built = build_app(settings, clock=clock)
    await built.prepare()
    yield built
    await built.close()


@pytest.fixture
async def demo(app: App, clock: Clock) -> App:
    """The app with the demo organisation seeded."""
    async with app.sessions() as session, session.begin():
        assert await seed_demo(session, now=clock())
    return app


@pytest.fixture
def chat(app: App) -> Chat:
    return Chat(app.engine)
