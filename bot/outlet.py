"""How a call to a platform is retried at start (the Bot API unreachable, a 5xx, a 429), and cut short at a stop.
The outlet contract itself (`Outlet`, `SendFailed`, `SendFailure`) lives in `conversations.outlet`, below channels
and jobs alike."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from typing import TypeVar

from conversations.outlet import SendFailed

__all__ = ["START_BACKOFF", "keep_trying", "unless_stopped"]

log = logging.getLogger(__name__)

T = TypeVar("T")

START_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)  # seconds between failed start-up calls, the last one repeated


async def keep_trying(
    call: Callable[[], Awaitable[object]], *, stop: asyncio.Event, what: str,
    backoff: Sequence[float] = START_BACKOFF,
) -> bool:
    """Await `call()` until it succeeds (True) or `stop` is set first (False).

    A retryable `SendFailed` (the platform unreachable, a 5xx, a 429) is logged with what was being done and
    tried again after the next `backoff` delay, or the platform's `retry_after`; any other failure is raised.
    The log line shows only the failure's detail, which never contains a token.
    """
    failures = 0
    while not stop.is_set():
        try:
            await call()
        except SendFailed as failed:
            if not failed.retryable:
                raise
            delay = failed.retry_after or backoff[min(failures, len(backoff) - 1)]
            failures += 1
            log.warning("%s failed (%s); retrying in %s s", what, failed, delay)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
        else:
            return True
    return False


async def unless_stopped(work: Awaitable[T], stop: asyncio.Event) -> T | None:
    """Await `work`, or cancel it and return None as soon as `stop` is set."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        stopper.cancel()
        return task.result()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return None
