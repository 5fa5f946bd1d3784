"""The one runner: build the app and the channels the settings enable, then serve them all alike until
SIGINT/SIGTERM (installed once, for the whole process) or until one of them ends, which stops all.

For every platform channel it opens the client (retried with backoff while the platform is unreachable), serves
the webhooks of all channels from one HTTP server (`bot.http`), starts each channel (webhook or polling) and
runs the pushes through the same outlets: the scheduler and one outbox sender per channel. The console chat
is served instead when no platform token is set; `bot11 send` runs the senders alone.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path

from bot.app import App, build_app
from bot.channel import Channel
from bot.console import ConsoleChannel
from bot.console.outlet import ConsoleOutlet
from bot.http import HttpServer, routes
from bot.outlet import keep_trying
from bot.settings import Settings
from bot.telegram.ratelimit import FloodLimits
from bot.telegram.service import TelegramService
from bot.zalo.service import ZaloService
from conversations.outlet import Outlet, SendFailed
from scheduled.service import pushes_running, run_pushes

__all__ = ["Runner", "platform_channels", "send", "serve"]

log = logging.getLogger(__name__)

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def platform_channels(app: App, *, limits: FloodLimits | None = None) -> list[Channel]:
    """Return an adapter for every platform whose token is set (raises ValueError for refused settings)."""
    settings = app.settings
    channels: list[Channel] = []
    if settings.telegram_bot_token is not None:
        channels.append(TelegramService(app, limits=limits))
    if settings.zalo_bot_token is not None:
        channels.append(ZaloService(app))
    return channels


async def serve(settings: Settings) -> int:
    """Prepare the database, then serve until the channels stop; return the exit code."""
    app = build_app(settings)
    try:
        try:
            channels = platform_channels(app, limits=FloodLimits())
        except ValueError as refused:
            log.error("the bot cannot start: %s", refused)
            return 1
        if not channels:
            return await _console(app)
        with _stop_on_signals() as stop:
            await app.prepare()
            return await Runner(app, channels, stop).run()
    finally:
        await app.close()


async def send(settings: Settings) -> int:
    """Run only the outbox senders (no scheduler, no chat) until SIGINT/SIGTERM.

    Claimed rows not yet tried are given back on a stop; a SIGKILL leaves them leased until the lease ends,
    then any sender takes them over.
    """
    app = build_app(settings)
    try:
        channels = platform_channels(app)  # the senders pace themselves: no flood limiter
        with _stop_on_signals() as stop:
            async with AsyncExitStack() as stack:
                outlets = await _opened(channels, stack) if channels else [ConsoleOutlet(sys.stdout)]
                await run_pushes(app, outlets, stop, scheduler=False)
    finally:
        await app.close()
    return 0


async def _opened(channels: Sequence[Channel], stack: AsyncExitStack) -> list[Outlet]:
    for channel in channels:
        await channel.open()
        stack.push_async_callback(channel.close)
    return [channel.outlet for channel in channels]


async def _console(app: App) -> int:
    console = ConsoleChannel(
        app.engine.handle, t=app.catalogs.get(None), stdin=sys.stdin, stdout=sys.stdout,
        attachment_dir=Path(app.settings.attachment_dir),
    )
    if not await console.prepare(app.prepare):
        return 1
    async with pushes_running(app, [console.outlet], scheduler=app.settings.scheduler_enabled):
        await console.run()
    return 0


class Runner:
    """Serve `channels` for `app` until `stop` is set or one channel ends; `ready` is set once all serve.

    Without `pushes`, neither the scheduler nor the senders run (tests of a channel alone).

    Attributes:
        port: the HTTP server's, once listening (only when some channel takes a webhook).
    """

    def __init__(self, app: App, channels: Sequence[Channel], stop: asyncio.Event, *, pushes: bool = True) -> None:
        self._app, self._channels, self._stop, self._pushes = app, list(channels), stop, pushes
        self.ready = asyncio.Event()
        self.port: int | None = None
        self._started = 0

    async def run(self) -> int:
        """Return the exit code: 1 when a platform refused to serve (an invalid token), else 0."""
        async with AsyncExitStack() as stack:
            for channel in self._channels:
                opened = await self._trying(channel.open, f"reaching the {channel.name} platform")
                if opened is None:
                    return 1
                if not opened:
                    return 0  # stopped while waiting: nothing was started
                stack.push_async_callback(channel.close)
            await self._listen(stack)
            if not self._pushes:
                return max(await asyncio.gather(*(self._serve(channel) for channel in self._channels)))
            outlets = [channel.outlet for channel in self._channels]
            async with pushes_running(self._app, outlets, scheduler=self._app.settings.scheduler_enabled):
                return max(await asyncio.gather(*(self._serve(channel) for channel in self._channels)))

    async def _listen(self, stack: AsyncExitStack) -> None:
        webhooks = [hook for channel in self._channels if (hook := channel.webhook()) is not None]
        if not webhooks:
            return
        settings = self._app.settings
        server = HttpServer(routes(webhooks=webhooks, db=self._app.db), listen=settings.http_listen,
                            port=settings.http_port)
        self.port = await server.start()
        stack.push_async_callback(server.stop)

    async def _serve(self, channel: Channel) -> int:
        try:
            started = await self._trying(channel.start, f"starting the {channel.name} channel")
            if not started:
                return 0 if started is not None else 1
            self._started += 1
            if self._started == len(self._channels):
                self.ready.set()
            if channel.webhook() is None:
                await channel.poll(self._stop)
            else:
                await self._stop.wait()
            return 0
        except SendFailed as failed:
            log.error("%s could not be served: %s", channel.name, failed)
            return 1
        finally:
            self._stop.set()  # one channel ending stops the others

    async def _trying(self, call: Callable[[], Awaitable[None]], what: str) -> bool | None:
        """Return True once `call` succeeded, False when stopped first, None when the platform refused."""
        try:
            return await keep_trying(call, stop=self._stop, what=what)
        except SendFailed as failed:
            log.error("%s failed: %s", what, failed)
            return None


@contextmanager
def _stop_on_signals() -> Iterator[asyncio.Event]:
    """Yield one event that SIGINT and SIGTERM set, for every channel and the pushes alike."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in _STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    try:
        yield stop
    finally:
        for signum in _STOP_SIGNALS:
            loop.remove_signal_handler(signum)
