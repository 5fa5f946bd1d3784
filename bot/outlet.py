"""What every channel offers for sending pushes (the outbox sender uses it), the closed set of ways a
send can fail, and how a call to a platform is retried at start. Raw httpx or python-telegram-bot exceptions
never cross this line."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from typing import Protocol

from conversations.messages import Reply

__all__ = ["START_BACKOFF", "Outlet", "SendFailed", "SendFailure", "keep_trying"]

log = logging.getLogger(__name__)

START_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)  # seconds between failed start-up calls, the last one repeated


class SendFailure(enum.StrEnum):
    """Why a message did not go out."""

    RETRYABLE = "retryable"  # connection failed, timeout, 5xx: try again later
    THROTTLED = "throttled"  # the platform asked us to slow down; `retry_after` says for how long
    BLOCKED = "blocked"  # the person blocked the bot or the chat is gone: stop sending to them
    PERMANENT = "permanent"  # the platform refused this message (bad request): retrying will not help


class SendFailed(Exception):
    """A send that failed for one of the `SendFailure` reasons; `detail` never contains a token."""

    def __init__(self, failure: SendFailure, detail: str = "", *, retry_after: float | None = None) -> None:
        super().__init__(f"{failure}: {detail}" if detail else str(failure))
        self.failure = failure
        self.detail = detail
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.failure in (SendFailure.RETRYABLE, SendFailure.THROTTLED)


class Outlet(Protocol):
    """A channel's way of delivering one reply to one chat."""

    channel: str

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Deliver `reply` to `chat_id`, or raise `SendFailed`."""
        ...


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
