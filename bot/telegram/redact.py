"""Keep the bot token (and the webhook secret) out of every log line and error message.

Telegram puts the token in the URL path of every Bot API call, and python-telegram-bot and httpx log those
URLs at DEBUG/INFO level; `InvalidToken` even quotes the token. Rather than chase each call site, a log
record factory rewrites any record that contains a secret as it is created, so every handler (files,
journald, pytest's caplog) only ever sees the redacted text.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["MASK", "Redactor", "redacted_logs"]

MASK = "***"
_MIN_SECRET = 8  # shorter fragments would redact ordinary words


class Redactor:
    """Replace each secret, and the secret half of a bot token (after the colon), with `MASK`."""

    def __init__(self, *secrets: str | None) -> None:
        parts: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            parts.add(secret)
            _, _, tail = secret.partition(":")
            if len(tail) >= _MIN_SECRET:
                parts.add(tail)
        # Longest first, so the whole token is masked before its tail would be.
        self._secrets = sorted(parts, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text


@contextmanager
def redacted_logs(redactor: Redactor) -> Iterator[None]:
    """Redact the secrets from every log record created inside the block (any logger, any handler).

    Nested blocks must exit in reverse order of entry (the usual `async with` nesting).
    """
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact_record(record, redactor)
        return record

    logging.setLogRecordFactory(factory)
    try:
        yield
    finally:
        logging.setLogRecordFactory(previous)


def _redact_record(record: logging.LogRecord, redactor: Redactor) -> None:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a malformed call; the handler will report it, with the raw msg
        message = str(record.msg)
        record.args = None
    clean = redactor(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None:
        # Formatters reuse `exc_text` when it is set, so the traceback is rendered (and masked) once here.
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = redactor(text)
