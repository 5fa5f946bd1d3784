"""`/metrics` counts what the bot does, read back from the exposition text as Prometheus would: updates through
the real dispatcher by outcome (a redelivered one as a duplicate, one the database could not take) and timed,
replies and pushes a platform refused by kind, each scheduled job's last success (not moved by a failed run), and
database errors met by updates and jobs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bot.app import App, build_app
from bot.settings import Settings
from bot.telegram.outlet import TelegramOutlet
from bot.telegram.service import SECRET_HEADER
from scheduled.jobs import JobContext, housekeeping
from scheduled.runner import ScheduledJob
from scheduled.sender import Sender, SenderConfig
from scheduled.service import job_runner
from storage.outbox import Push, enqueue
from tests.conftest import Clock
from tests.telegram.conftest import SECRET, serving
from tests.telegram.fake_api import Failure, FakeBotApi
from tests.telegram.people import message_update
from tests.web_support import client

AN = 5120342711
USER = {"id": AN, "is_bot": False, "first_name": "An", "language_code": "vi"}
FAST = SenderConfig(rate=None, per_chat_interval=0.0, concurrency=1, max_attempts=3)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    fake = await FakeBotApi().start()
    yield fake
    await fake.stop()


async def scrape(app: App) -> Samples:
    """Return every sample `/metrics` shows, by name and labels."""
    async with client(app) as web:
        response = await web.get("/metrics")
    assert response.status_code == 200
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def test_updates_are_counted_by_outcome_and_timed(demo: App, api: FakeBotApi) -> None:
    async with serving(demo, api, "webhook") as running, httpx.AsyncClient() as web:
        joining = api.numbered(message_update(USER, "/start DEMO-DOANVIEN"))
        for update in (joining, joining, joining, api.numbered(message_update(USER, "Nguyễn Văn An"))):
            response = await web.post(running.url, json=update, headers={SECRET_HEADER: SECRET})
            assert response.status_code == 200
    samples = await scrape(demo)
    assert value(samples, "bot11_updates_total", channel="telegram", outcome="handled") == 2
    assert value(samples, "bot11_updates_total", channel="telegram", outcome="duplicate") == 2
    assert value(samples, "bot11_update_seconds_count", channel="telegram") == 4
    assert (value(samples, "bot11_update_seconds_sum", channel="telegram") or 0) > 0
    assert value(samples, "bot11_update_seconds_bucket", channel="telegram", le="+Inf") == 4


@pytest.mark.parametrize(("failure", "kind"), [
    pytest.param(Failure(403, "Forbidden: bot was blocked by the user"), "blocked", id="403-blocked"),
    pytest.param(Failure(429, "Too Many Requests: retry after 3", retry_after=3), "throttled", id="429-throttled"),
    pytest.param(Failure(500, "Internal Server Error"), "retryable", id="500-retryable"),
    pytest.param(Failure(400, "Bad Request: message text is empty"), "permanent", id="400-permanent"),
    pytest.param(Failure(400, "Bad Request: chat not found"), "blocked", id="400-chat-gone"),
])
async def test_a_push_the_platform_refused_is_counted_by_kind(app: App, api: FakeBotApi, clock: Clock,
                                                              failure: Failure, kind: str) -> None:
    async with app.sessions() as session, session.begin():
        await enqueue(session, push=Push(dedupe_key="p1", channel="telegram", chat_id="555",
                                         payload={"text": "Nhắc việc"}, not_before=clock()), now=clock())
    api.fail("sendMessage", failure)
    async with TelegramOutlet(token=api.token, base_url=api.base_url) as outlet:
        sender = Sender(sessions=app.sessions, outlet=outlet, clock=clock, config=FAST, observer=app.observer)
        await sender.drain_once()
    samples = await scrape(app)
    counted = {(dict(labels)["channel"], dict(labels)["kind"]): count for (name, labels), count in samples.items()
               if name == "bot11_send_failures_total"}
    assert counted == {("telegram", kind): 1}


async def test_a_jobs_last_success_is_set_by_a_run_and_kept_by_a_failed_one(demo: App, clock: Clock) -> None:
    runner = job_runner(demo)
    assert await runner.run(ScheduledJob("housekeeping", housekeeping, {})) != {"failed": 1}
    succeeded = clock()
    clock.advance(hours=1)

    async def broken(ctx: JobContext) -> dict[str, int]:
        await ctx.session.exec(text("SELECT nothing FROM no_such_table"))  # type: ignore[call-overload]
        return {}

    assert await runner.run(ScheduledJob("housekeeping", broken, {})) == {"failed": 1}
    assert await runner.run(ScheduledJob("never_ran", broken, {})) == {"failed": 1}
    samples = await scrape(demo)
    assert value(samples, "bot11_job_last_success_timestamp_seconds", job="housekeeping") == succeeded.timestamp()
    assert value(samples, "bot11_job_last_success_timestamp_seconds", job="never_ran") is None
    assert value(samples, "bot11_database_errors_total") == 2


async def test_a_reply_the_platform_refused_is_counted(demo: App, api: FakeBotApi) -> None:
    api.fail("sendMessage", Failure(403, "Forbidden: bot was blocked by the user"))
    async with serving(demo, api, "webhook") as running:
        await running.deliver(message_update(USER, "/start DEMO-DOANVIEN"))
    samples = await scrape(demo)
    assert value(samples, "bot11_send_failures_total", channel="telegram", kind="blocked") == 1
    assert value(samples, "bot11_updates_total", channel="telegram", outcome="handled") == 1


async def test_an_update_the_database_could_not_take_is_counted(settings: Settings, api: FakeBotApi,
                                                               clock: Clock) -> None:
    away = build_app(settings.model_copy(update={"database_url": "postgresql+asyncpg://postgres@127.0.0.1:9/x"}),
                     clock=clock)
    try:
        async with serving(away, api, "webhook") as running, httpx.AsyncClient() as web:
            update = api.numbered(message_update(USER, "/start DEMO-DOANVIEN"))
            response = await web.post(running.url, json=update, headers={SECRET_HEADER: SECRET})
            assert response.status_code == 500
        samples = await scrape(away)  # the scrape meets the database away too
    finally:
        await away.close()
    assert value(samples, "bot11_updates_total", channel="telegram", outcome="database_error") == 1
    assert value(samples, "bot11_update_seconds_count", channel="telegram") == 1
    assert value(samples, "bot11_database_errors_total") == 2
