"""Map python-telegram-bot's exceptions onto the closed set in `conversations.outlet` (`SendFailed`)."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from telegram import error as tg
from telegram.warnings import PTBDeprecationWarning

from conversations.outlet import SendFailed, SendFailure

__all__ = ["as_send_failed", "mapped_errors", "retry_after_seconds"]

# Bad requests that mean the chat itself is gone rather than that this message was wrong.
_CHAT_GONE = ("chat not found", "user is deactivated", "peer_id_invalid")

# Checked in order: BadRequest and TimedOut are NetworkErrors, so they come first.
_TABLE: tuple[tuple[type[tg.TelegramError], SendFailure], ...] = (
    (tg.RetryAfter, SendFailure.THROTTLED),
    (tg.Forbidden, SendFailure.BLOCKED),
    (tg.BadRequest, SendFailure.PERMANENT),
    (tg.InvalidToken, SendFailure.PERMANENT),
    (tg.ChatMigrated, SendFailure.PERMANENT),
    (tg.NetworkError, SendFailure.RETRYABLE),
    (tg.TelegramError, SendFailure.RETRYABLE),
)


def retry_after_seconds(exc: tg.RetryAfter) -> float:
    """Return how long Telegram asked us to wait, in seconds."""
    with warnings.catch_warnings():
        # Reading `retry_after` warns until PTB switches it to a timedelta; both forms are handled.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def as_send_failed(exc: tg.TelegramError, redact: Callable[[str], str]) -> SendFailed:
    """Translate one python-telegram-bot exception; the detail is redacted."""
    detail = redact(exc.message)
    failure = next(failure for kind, failure in _TABLE if isinstance(exc, kind))
    if failure is SendFailure.PERMANENT and isinstance(exc, tg.BadRequest) and _chat_gone(detail):
        failure = SendFailure.BLOCKED
    retry_after = retry_after_seconds(exc) if isinstance(exc, tg.RetryAfter) else None
    return SendFailed(failure, detail, retry_after=retry_after)


@asynccontextmanager
async def mapped_errors(redact: Callable[[str], str]) -> AsyncIterator[None]:
    """Raise `SendFailed` instead of any python-telegram-bot exception raised inside the block.

    The original exception is not chained: its message or traceback may quote the token.
    """
    try:
        yield
    except tg.TelegramError as exc:
        raise as_send_failed(exc, redact) from None


def _chat_gone(detail: str) -> bool:
    lowered = detail.lower()
    return any(marker in lowered for marker in _CHAT_GONE)
