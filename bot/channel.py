"""The contract every channel adapter fulfils, so that one dispatcher (`bot.dispatch`) carries the updates of
all of them and one HTTP server (`bot.http`) takes their webhooks.

An adapter only translates: one platform update → an `Event` (an `Inbound` for the dialogs, or a
`Reachability` change the platform reports), a `Reply` → one platform call through its outlet, and the
platform's own protocol steps (answering a button press, fetching and confirming polled updates, the header
that carries the webhook secret). Everything every channel needs (per-person ordering, retry while the
database is away, marking people unreachable, role menus, start-up backoff) is done once, outside.

A new channel is a package `bot/<name>/` with an adapter class like `bot.zalo.service.ZaloService`, and one
line in `bot.app.platform_channels`. It imports nothing from `storage`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable
from urllib.parse import urlsplit

from conversations.messages import Inbound
from conversations.outlet import Outlet

__all__ = ["Channel", "Event", "MenuChannel", "MenuCommand", "NoMoreUpdates", "NotAnUpdate", "PushesApart",
           "Reachability", "WebhookAddress"]

U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class Reachability:
    """The platform reports that a person blocked the bot (`reachable` False) or unblocked it (True)."""

    update_id: str
    user_id: str
    chat_id: str
    reachable: bool


Event = Inbound | Reachability


class NotAnUpdate(ValueError):
    """A webhook body that is not an update of this platform (answered 400: delivering it again will not help).

    The message names the body by its update id at most, never its text.
    """


class NoMoreUpdates(Exception):
    """Raised by `fetch` when the channel's updates have ended (the console's end of input): the channel is done."""


@dataclass(frozen=True, slots=True)
class WebhookAddress:
    """Where the platform posts updates, and the header that carries our secret on every request."""

    path: str
    header: str
    secret: str

    @classmethod
    def of(cls, url: str, *, header: str, secret: str) -> WebhookAddress | None:
        """Return the address the public `url` is served at (its path), or None when no webhook is set."""
        return cls(path=urlsplit(url).path or "/", header=header, secret=secret) if url else None


@dataclass(frozen=True, slots=True)
class MenuCommand:
    """One entry of a command menu, already named and described in the menu's language."""

    name: str
    description: str


class Channel(Protocol[U]):
    """One messaging platform, as the runner sees it; `U` is the platform's update as its client delivers it."""

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

    def webhook(self) -> WebhookAddress | None:
        """Return where the platform posts updates, or None when the channel polls."""
        ...

    async def start(self) -> None:
        """Register the webhook with the platform (nothing when polling: the first `fetch` drops any webhook)."""
        ...

    def decode(self, body: dict[str, Any]) -> U | None:
        """Return the update in an authenticated webhook body, None for one to acknowledge and ignore; raise
        `NotAnUpdate` for a body that is not an update of this platform."""
        ...

    def parse(self, update: U) -> Event | None:
        """Translate one update, or return None when it is nothing for the bot (a group chat, a sticker event)."""
        ...

    async def acknowledge(self, update: U) -> None:
        """Tell the platform an update arrived, while it is handled (Telegram: stop a pressed button's spinner).

        Must not raise."""
        ...

    async def answered(self, update: U) -> None:
        """Follow up once the dialogs answered `update`, beside the replies (Telegram: show the label pressed).

        Must not raise."""
        ...

    async def fetch(self, offset: int | None, stop: asyncio.Event, *, newer_than: int | None = None) -> Sequence[U]:
        """Long-poll for the updates from `offset` on (None: all not confirmed yet); raise `SendFailed`, or
        `NoMoreUpdates` once there will be none. Updates at `newer_than` or before are being handled already:
        a channel may leave them out (the dispatcher skips them anyway), sparing their decoding.

        Returns early, with nothing, once `stop` is set, where cutting the call short loses nothing.
        """
        ...

    def position(self, update: U) -> int | None:
        """Return the update's number in the platform's queue when the platform keeps updates until they are
        confirmed (Telegram's update id), or None when fetching already took it off the queue (Zalo)."""
        ...

    async def confirm(self, offset: int) -> None:
        """Tell the platform every update numbered below `offset` was handled; raise `SendFailed`."""
        ...


@runtime_checkable
class MenuChannel(Protocol):
    """A channel that shows command menus (Telegram's `setMyCommands`); which menu is computed in `bot.menus`."""

    async def publish_menu(
        self, chat_id: str | None, commands: Sequence[MenuCommand], *, language: str | None = None
    ) -> None:
        """Show `commands` in one chat (None: to everyone, in `language` or by default); an empty list removes
        that chat's own menu. Raise `SendFailed`."""
        ...


@runtime_checkable
class PushesApart(Protocol):
    """A channel that shows pushes apart from replies (the console marks them `[push → …]`); `outlet` replies."""

    @property
    def pushes(self) -> Outlet:
        """Delivers the pushes from the outbox."""
        ...
