"""The contract every channel adapter fulfils, so that one runner (`bot.serve`) and one HTTP server
(`bot.http`) serve them all. An adapter translates: platform payload → `Inbound` for the engine, `Reply` → one
platform call through its outlet; the runner does the rest (start-up retry, webhook or polling, stop).

A new channel is a package `bot/<name>/` with an adapter class like `bot.zalo.service.ZaloService`, and one line
in `bot.serve.platform_channels`.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from bot.http import Webhook
from conversations.outlet import Outlet

__all__ = ["Channel"]


class Channel(Protocol):
    """One messaging platform, as the runner sees it."""

    @property
    def name(self) -> str:
        """The channel's name, as stored with chat identities and outbox rows (`"telegram"`, `"zalo"`)."""
        ...

    @property
    def outlet(self) -> Outlet:
        """Delivers replies and pushes; one platform client per process, shared by both."""
        ...

    async def open(self) -> None:
        """Connect and check the credentials; raise `SendFailed` (a retryable one is tried again)."""
        ...

    async def close(self) -> None:
        """Release the platform client."""
        ...

    def webhook(self) -> Webhook | None:
        """Return the route the HTTP server serves for this channel, or None when it polls."""
        ...

    async def start(self) -> None:
        """Tell the platform where updates go (set or drop its webhook) and publish what it shows (menus)."""
        ...

    async def poll(self, stop: asyncio.Event) -> None:
        """Fetch and handle updates until `stop` is set (only when `webhook()` is None)."""
        ...
