"""Composition root: the one place that builds the database, catalogs, dialog engine and channels from
settings. Nothing connects at import time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.settings import Settings
from conversations.engine import Engine
from conversations.flows import default_commands
from conversations.i18n import Catalogs
from scheduled.config import calendar_from
from storage.db import create_engine, session_factory
from storage.demo import seed_demo
from storage.migrate import upgrade_to_head

__all__ = ["App", "build_app", "utc_now"]

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    settings: Settings
    db: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    catalogs: Catalogs
    engine: Engine
    clock: Callable[[], datetime]

    async def prepare(self) -> None:
        """Migrate the schema and, when enabled and the database is empty, seed the demo organisation."""
        await upgrade_to_head(self.db)
        if self.settings.seed_demo:
            async with self.sessions() as session, session.begin():
                if await seed_demo(session, now=self.clock()):
                    log.warning("seeded the demo organisation")

    async def close(self) -> None:
        await self.db.dispose()


def build_app(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> App:
    """Wire everything from `settings`; `clock` is injectable for time-travel tests."""
    db = create_engine(settings.database_url)
    sessions = session_factory(db)
    catalogs = Catalogs(default=settings.default_locale)
    engine = Engine(
        sessions=sessions, catalogs=catalogs, clock=clock,
        commands=default_commands(calendar=calendar_from(settings), bot_username=settings.telegram_bot_username),
        tz=ZoneInfo(settings.timezone), conversation_ttl=timedelta(hours=settings.conversation_ttl_hours),
    )
    return App(settings=settings, db=db, sessions=sessions, catalogs=catalogs, engine=engine, clock=clock)
