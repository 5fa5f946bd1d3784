"""`GET /metrics` in Prometheus' text format (prometheus-client), from a registry of this app's own rather than
the library's process-wide default, so two apps in one process (the tests) never share a count.

What is counted here (one `Metrics` per app, built by the composition root and handed to the dispatchers, the
job runner, the senders and the web pages):

| metric | labels | what |
|---|---|---|
| `bot11_updates_total` | channel, outcome | handled, duplicate, reachability, ignored, database_error, error |
| `bot11_update_seconds` | channel | histogram of the time one update took, engine and replies included |
| `bot11_send_failures_total` | channel, kind | replies and pushes refused: retryable, throttled, blocked, permanent |
| `bot11_job_last_success_timestamp_seconds` | job | when each scheduled job last ran to its commit (Unix time) |
| `bot11_database_errors_total` | | database failures met by updates, jobs, senders, the web pages and the scrape |
| `bot11_outbox_messages` | status | the outbox by status, read at each scrape |
| `bot11_database_up` | | whether the database answered the last scrape |
| `bot11_web_logins_total` | outcome | login links opened on the web pages |
| `bot11_signed_files_total` | kind | files served by signed link |
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from bot.dispatch import Outcome
from bot.inbox import DATABASE_FAILURES
from conversations.outlet import SendFailure
from storage.models import OutboxStatus
from storage.web import outbox_by_status

__all__ = ["Metrics"]

# Seconds: a typed answer takes a few milliseconds, a report with a chart a second or more.
_UPDATE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The counters and gauges of one app, the observer of its updates, jobs and sends, and the endpoint that
    exposes them (`bot.dispatch.UpdateObserver` and `scheduled.observer.PushObserver` both)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.updates = Counter("bot11_updates", "Updates handled, by channel and outcome", ["channel", "outcome"],
                               registry=self.registry)
        self.update_seconds = Histogram("bot11_update_seconds", "Seconds spent handling one update, by channel",
                                        ["channel"], buckets=_UPDATE_BUCKETS, registry=self.registry)
        self.send_failures = Counter("bot11_send_failures", "Replies and pushes a platform did not take, by "
                                     "channel and kind", ["channel", "kind"], registry=self.registry)
        self.job_success = Gauge("bot11_job_last_success_timestamp_seconds", "When each scheduled job last ran "
                                 "to its commit (Unix time)", ["job"], registry=self.registry)
        self.outbox = Gauge("bot11_outbox_messages", "Messages in the outbox, by status", ["status"],
                            registry=self.registry)
        self.database_up = Gauge("bot11_database_up", "1 when the database answered the last scrape, else 0",
                                 registry=self.registry)
        self.database_errors = Counter("bot11_database_errors", "Database failures met by updates, jobs, senders, "
                                       "the web pages and /metrics", registry=self.registry)
        self.logins = Counter("bot11_web_logins", "Login links opened on the web pages, by outcome",
                              ["outcome"], registry=self.registry)
        self.files = Counter("bot11_signed_files", "Files served by signed link, by kind", ["kind"],
                             registry=self.registry)

    # --- observer of updates, jobs and sends

    def update_handled(self, channel: str, outcome: Outcome, seconds: float) -> None:
        """Count one update of `channel` by outcome and time it."""
        self.updates.labels(channel=channel, outcome=str(outcome)).inc()
        self.update_seconds.labels(channel=channel).observe(seconds)

    def send_failed(self, channel: str, failure: SendFailure) -> None:
        """Count a reply or push that `channel`'s platform did not take."""
        self.send_failures.labels(channel=channel, kind=str(failure)).inc()

    def job_succeeded(self, name: str, at: datetime) -> None:
        """Record when the job `name` last ran to its commit."""
        self.job_success.labels(job=name).set(at.timestamp())

    def failed(self, error: BaseException) -> None:
        """Count `error` when it came from the database."""
        if isinstance(error, DATABASE_FAILURES):
            self.database_errors.inc()

    # --- the endpoint

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
