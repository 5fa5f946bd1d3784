"""`GET /metrics` in Prometheus' text format (prometheus-client), from a registry of this app's own rather than
the library's process-wide default, so two apps in one process (the tests) never share a count.

What is counted here: the outbox by status and whether the database answers (both read when scraped), logins to
the web pages by outcome, signed files served by kind, and database errors met by the web pages and the scrape.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from bot.inbox import DATABASE_FAILURES
from storage.models import OutboxStatus
from storage.web import outbox_by_status

__all__ = ["WebMetrics"]


class WebMetrics:
    """The counters and gauges of one app, and the endpoint that exposes them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.outbox = Gauge("bot11_outbox_messages", "Messages in the outbox, by status", ["status"],
                            registry=self.registry)
        self.database_up = Gauge("bot11_database_up", "1 when the database answered the last scrape, else 0",
                                 registry=self.registry)
        self.database_errors = Counter("bot11_database_errors", "Database failures met by the web pages and "
                                       "by /metrics", registry=self.registry)
        self.logins = Counter("bot11_web_logins", "Login links opened on the web pages, by outcome",
                              ["outcome"], registry=self.registry)
        self.files = Counter("bot11_signed_files", "Files served by signed link, by kind", ["kind"],
                             registry=self.registry)

    def endpoint(self, sessions: async_sessionmaker[AsyncSession]) -> Callable[[Request], Awaitable[Response]]:
        """Return the `/metrics` handler, reading the outbox through `sessions` at each scrape."""

        async def metrics(request: Request) -> Response:
            try:
                async with sessions() as session:
                    counts = await outbox_by_status(session)
            except DATABASE_FAILURES:
                self.database_up.set(0)
                self.database_errors.inc()
            else:
                self.database_up.set(1)
                for status in {*OutboxStatus, *counts}:
                    self.outbox.labels(status=str(status)).set(counts.get(str(status), 0))
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

        return metrics
