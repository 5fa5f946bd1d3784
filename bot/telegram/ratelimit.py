"""Stay inside Telegram's flood limits: about 30 messages a second per bot and one a second per chat
(with a short burst, so a two-part reply is not held back), and wait out a 429's `retry_after`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.telegram.errors import retry_after_seconds

__all__ = ["FloodLimiter", "FloodLimits"]

log = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
_MAX_CHAT_LIMITERS = 4096  # idle per-chat limiters beyond this are dropped


@dataclass(frozen=True, slots=True)
class FloodLimits:
    """Telegram's documented limits; `max_retries` 429s are waited out before giving up."""

    per_bot_per_second: float = 30
    per_chat_per_second: float = 1
    chat_burst: int = 3
    max_retries: int = 3
    longest_wait: float = 60  # a longer `retry_after` is returned to the caller as THROTTLED instead


class FloodLimiter(BaseRateLimiter[int]):
    """Throttle every call that targets a chat; on a 429 pause all calls for `retry_after`, then retry."""

    def __init__(self, limits: FloodLimits | None = None) -> None:
        limits = self._limits = limits or FloodLimits()
        self._bot = AsyncLimiter(limits.per_bot_per_second, 1)
        self._chats: dict[str, AsyncLimiter] = {}
        self._resume = asyncio.Event()
        self._resume.set()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        """Call the Bot API once the limits allow, retrying after each 429 up to `max_retries` times."""
        chat = data.get("chat_id")
        retries = self._limits.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            await self._resume.wait()
            try:
                async with AsyncExitStack() as limits:
                    if chat is not None:
                        # The chat's turn first, so a busy chat does not hold one of the bot's slots meanwhile.
                        await limits.enter_async_context(self._chat(str(chat)))
                        await limits.enter_async_context(self._bot)
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_after_seconds(exc)
                if attempt == retries or wait > self._limits.longest_wait:
                    raise
                log.warning("Telegram asked to slow down on %s; waiting %.1f s", endpoint, wait)
                await self._pause(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _pause(self, seconds: float) -> None:
        if not self._resume.is_set():  # another call is already waiting the pause out
            await self._resume.wait()
            return
        self._resume.clear()
        try:
            await asyncio.sleep(seconds)
        finally:
            self._resume.set()

    def _chat(self, chat: str) -> AsyncLimiter:
        limiter = self._chats.get(chat)
        if limiter is None:
            if len(self._chats) >= _MAX_CHAT_LIMITERS:
                self._forget_idle()
            burst = self._limits.chat_burst
            limiter = self._chats[chat] = AsyncLimiter(burst, burst / self._limits.per_chat_per_second)
        return limiter

    def _forget_idle(self) -> None:
        for key, limiter in list(self._chats.items()):
            if limiter.has_capacity(limiter.max_rate):
                del self._chats[key]
