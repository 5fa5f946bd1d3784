"""What every channel offers for delivering a reply (the live channels and the outbox sender both use it), and
the closed set of ways a send can fail. Raw httpx or python-telegram-bot exceptions never cross this line.

Neutral ground below channels (`bot/`) and jobs (`scheduled/`), so that neither imports the other for it.
"""

from __future__ import annotations

import enum
from typing import Protocol

from conversations.messages import Reply

__all__ = ["Outlet", "SendFailed", "SendFailure"]


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

    @property
    def channel(self) -> str:
        """The channel's name, as stored with chat identities and outbox rows."""
        ...

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Deliver `reply` to `chat_id`, or raise `SendFailed`."""
        ...
