"""Composition root: the one place that builds the database, catalogs, calendar, dialog engine, the enabled
channels with their outlets, and the pushes (scheduler and senders) from settings. Nothing connects at import
time, nor when the app is built: `prepare()` migrates (and seeds the demo for the console), the runner
(`bot.serve`) opens the channels."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channel import Channel
from bot.settings import WEB_KEY_BYTES, Settings
from bot.telegram.ratelimit import FloodLimits
from bot.telegram.service import TelegramService
from bot.web.files import FileLinks
from bot.web.metrics import Metrics
from bot.zalo.service import ZaloService
from conversations.engine import Engine
from conversations.flows import default_commands
from conversations.i18n import Catalogs
from scheduled.sender import SenderConfig
from storage.calendar import EvaluationCalendar
from storage.db import create_engine, session_factory
from storage.demo import seed_demo
from storage.migrate import upgrade_to_head
from storage.units import unit_count

__all__ = [
    "App", "build_app", "calendar_from", "file_links", "platform_channels", "sender_config_from", "utc_now",
]

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    """Everything the channels, the dialogs and the pushes share in one process."""

    settings: Settings
    db: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    catalogs: Catalogs
    engine: Engine
    clock: Callable[[], datetime]
    calendar: EvaluationCalendar
    tz: ZoneInfo
    sender_config: SenderConfig
    # Signs web sessions and file links: WEB_SECRET_KEY, or a random one for this process (the console only).
    web_key: bytes
    # Counts updates, sends, jobs and the web pages, for `/metrics`: one registry per app.
    metrics: Metrics = field(default_factory=Metrics)

    @property
    def observer(self) -> Metrics:
        """What the scheduler and the senders report to: the metrics."""
        return self.metrics

    @property
    def retention_years(self) -> int:
        """How long a young person's record is kept after its last write (RETENTION_YEARS)."""
        return self.settings.retention_years

    async def prepare(self, *, demo: bool = False) -> None:
        """Migrate the schema; with `demo` (the console chat only), seed the demo organisation if it is empty."""
        await upgrade_to_head(self.db)
        if demo and await self.seed_demo():
            log.warning("seeded the demo organisation")

    async def seed_demo(self) -> bool:
        """Seed the demo organisation if the database has no unit yet; return whether it did."""
        async with self.sessions() as session, session.begin():
            return await seed_demo(session, now=self.clock())

    async def has_organisation(self) -> bool:
        """Return whether the database holds any unit."""
        async with self.sessions() as session:
            return await unit_count(session) > 0

    async def close(self) -> None:
        await self.db.dispose()


def build_app(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> App:
    """Wire everything from `settings`; `clock` is injectable for time-travel tests. Raises ValueError when
    SENSITIVE_KEYS is malformed, or unset while a platform token is set."""
    db = create_engine(settings.database_url, sealer=settings.sealer())
    sessions = session_factory(db)
    catalogs = Catalogs(default=settings.default_locale)
    calendar = calendar_from(settings)
    tz = ZoneInfo(settings.timezone)
    engine = Engine(
        sessions=sessions, catalogs=catalogs, clock=clock,
        commands=default_commands(calendar=calendar, bot_username=settings.telegram_bot_username,
                                  zalo_bot_link=settings.zalo_bot_link, web_base_url=settings.web_address()),
        tz=tz, conversation_ttl=timedelta(hours=settings.conversation_ttl_hours),
    )
    return App(settings=settings, db=db, sessions=sessions, catalogs=catalogs, engine=engine, clock=clock,
               calendar=calendar, tz=tz, sender_config=sender_config_from(settings),
               web_key=settings.web_key() or secrets.token_bytes(WEB_KEY_BYTES))


def calendar_from(settings: Settings) -> EvaluationCalendar:
    """Return the evaluation calendar the settings describe."""
    return EvaluationCalendar(
        opens_days_before_end=settings.evaluation_opens_days_before_end,
        due_days_after_end=settings.evaluation_due_days_after_end,
        reminder_every_days=settings.evaluation_reminder_every_days,
        annual_report_month=settings.annual_report_month,
        annual_report_day=settings.annual_report_day,
        annual_reminder_days_before=settings.annual_reminder_days_before,
        quiet_start_hour=settings.quiet_hours_start,
        quiet_end_hour=settings.quiet_hours_end,
        nudge_day_of_month=settings.nudge_day_of_month,
        escalate_within_days=settings.evaluation_escalate_within_days,
    )


def sender_config_from(settings: Settings) -> SenderConfig:
    """Return the outbox sender's limits from the settings (a rate of 0 or less: unlimited)."""
    rate = settings.outbox_rate_per_second
    return SenderConfig(
        rate=rate if rate > 0 else None,
        per_chat_interval=settings.outbox_per_chat_interval_seconds,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        lease_margin=timedelta(seconds=min(10.0, settings.outbox_lease_seconds / 4)),
        max_attempts=settings.outbox_max_attempts,
    )


def file_links(app: App) -> FileLinks | None:
    """Return where files are put for platforms that fetch them by URL: only a public HTTPS address will do."""
    address = app.settings.web_address()
    if not address.startswith("https://"):
        return None
    return FileLinks(sessions=app.sessions, key=app.web_key, base_url=address, clock=app.clock)


def platform_channels(app: App, *, limits: FloodLimits | None = None) -> list[Channel[Any]]:
    """Return an adapter for every platform whose token is set (raises ValueError for refused settings)."""
    settings = app.settings
    channels: list[Channel[Any]] = []
    if settings.telegram_bot_token is not None:
        channels.append(TelegramService(settings, limits=limits, t=app.catalogs.get(None), files=file_links(app)))
    if settings.zalo_bot_token is not None:
        channels.append(ZaloService.configured(settings, t=app.catalogs.get(None), files=file_links(app)))
    return channels
