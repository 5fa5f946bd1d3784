"""The one runner: build the app and the channels the settings enable, then serve them all alike until
SIGINT/SIGTERM (installed once, for the whole process) or until one of them ends, which stops all.

For every channel (each platform whose token is set, else the console chat) it opens the client (retried with
backoff while the platform is unreachable), puts a `bot.dispatch.Dispatcher` behind it (one engine handler shared
by all), runs the one HTTP server (`bot.http`: every webhook, `/healthz`, later the web pages), starts each channel
(webhook or polling) and runs the pushes through the same outlets: the scheduler and one outbox sender per
channel. `bot11 send` runs the senders alone.

The HTTP server must listen when a channel takes webhooks; otherwise a port already taken is logged and the
channels are served without it (two console chats side by side, say).

The console chat seeds the demo organisation into an empty database; a platform never does (it logs how to put
an organisation on the bot instead).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AsyncExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from bot.app import App, build_app, platform_channels
from bot.channel import Channel, MenuChannel, PushesApart
from bot.console import ConsoleChannel
from bot.console.outlet import ConsoleOutlet
from bot.dispatch import Dispatcher, Handler, one_writer_at_a_time
from bot.http import HttpServer, Webhook, routes
from bot.inbox import Patience
from bot.menus import RoleMenus
from bot.outlet import START_BACKOFF, keep_trying
from bot.settings import Settings
from bot.telegram.ratelimit import FloodLimits
from bot.web.app import web_routes
from conversations.outlet import Outlet, SendFailed
from scheduled.service import pushes_running, run_pushes
from storage.db import reader_factory

__all__ = ["EPHEMERAL_WEB_KEY", "NO_ORGANISATION", "NO_WEB_KEY", "Runner", "send", "serve"]

log = logging.getLogger(__name__)

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

# Web sessions and file links are signed with WEB_SECRET_KEY: with a platform, people's sessions must outlive a
# restart and every worker must accept the others' links, so a key of the process's own is refused there.
NO_WEB_KEY = ("WEB_SECRET_KEY is not set: the officers' web pages sign their sessions and file links with it. Set "
              "it to 32 bytes or more of random text, the same for every process, e.g. the output of "
              "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`")
EPHEMERAL_WEB_KEY = ("WEB_SECRET_KEY is not set: the web pages sign with a random key of this run, so their login "
                     "sessions and file links end when the bot stops")

# Said when a platform is served on an empty database: the demo's public codes grant officer rights, so it is
# never seeded there. Name only commands that exist.
NO_ORGANISATION = (
    "the database holds no organisation yet, and nothing was seeded: the demo organisation is for the console "
    "chat only. Put your unit tree on it from Excel: `bot11 admin template units units.xlsx` writes the form, "
    "`bot11 admin import-units units.xlsx` previews it and `--apply` imports it (member rosters, "
    "`bot11 admin import-members`, are coming). Then `bot11 admin tree` lists the units and `bot11 admin invite "
    "--unit CODE --role member|secretary|officer` makes the invite codes people join with. To try the bot here "
    "with the made-up demo organisation instead: `bot11 admin seed-demo` (an empty database only)."
)


async def serve(settings: Settings) -> int:
    """Prepare the database, then serve until the channels stop; return the exit code."""
    try:
        key = settings.web_key()
        settings.sealer()
    except ValueError as refused:
        log.error("the bot cannot start: %s", refused)
        return 1
    app = build_app(settings)
    try:
        try:
            channels = platform_channels(app, limits=FloodLimits())
        except ValueError as refused:
            log.error("the bot cannot start: %s", refused)
            return 1
        if key is None:
            if channels:
                log.error("the bot cannot start: %s", NO_WEB_KEY)
                return 1
            log.warning(EPHEMERAL_WEB_KEY)
        if not channels:
            console = _console(app)
            # Before the signals are installed: Ctrl+C still ends a wait for Enter.
            if not await console.prepare(partial(app.prepare, demo=True)):
                return 1
            channels = [console]
        else:
            await app.prepare()
            if not await app.has_organisation():
                log.warning(NO_ORGANISATION)
        with _stop_on_signals() as stop:
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


async def _opened(channels: Sequence[Channel[Any]], stack: AsyncExitStack) -> list[Outlet]:
    for channel in channels:
        await channel.open()
        stack.push_async_callback(channel.close)
    return [channel.outlet for channel in channels]


def _console(app: App) -> ConsoleChannel:
    return ConsoleChannel(t=app.catalogs.get(None), stdin=sys.stdin, stdout=sys.stdout,
                          attachment_dir=Path(app.settings.attachment_dir))


class Runner:
    """Serve `channels` for `app` until `stop` is set or one channel ends; `ready` is set once all serve.

    Every channel's updates go through a `Dispatcher` (one engine handler shared by all), by webhook from the one
    HTTP server or by polling. Without `pushes`, neither the scheduler nor the senders run (tests of a channel
    alone).

    Attributes:
        port: the HTTP server's, once listening.
    """

    def __init__(self, app: App, channels: Sequence[Channel[Any]], stop: asyncio.Event, *, pushes: bool = True,
                 patience: Patience | None = None, backoff: Sequence[float] = START_BACKOFF) -> None:
        self._app, self._stop, self._pushes, self._backoff = app, stop, pushes, backoff
        handle = one_writer_at_a_time(app.engine.handle, app.settings.database_url)
        self._dispatchers = [self._dispatcher(channel, handle, patience) for channel in channels]
        self.ready = asyncio.Event()
        self.port: int | None = None
        self._started = 0

    def _dispatcher(self, channel: Channel[Any], handle: Handler, patience: Patience | None) -> Dispatcher[Any]:
        app = self._app
        menus = None
        if isinstance(channel, MenuChannel):
            menus = RoleMenus(channel.name, channel, commands=app.engine.commands, catalogs=app.catalogs,
                              sessions=reader_factory(app.db))
            app.engine.tell_standing(menus.told)
        return Dispatcher(channel, handle=handle, sessions=app.sessions, t=app.catalogs.get(None), menus=menus,
                          patience=patience, backoff=self._backoff, observer=app.metrics)

    async def run(self) -> int:
        """Return the exit code: 1 when a platform refused to serve (an invalid token), else 0."""
        async with AsyncExitStack() as stack:
            for channel in (dispatcher.channel for dispatcher in self._dispatchers):
                opened = await self._trying(channel.open, f"reaching the {channel.name} platform")
                if opened is None:
                    return 1
                if not opened:
                    return 0  # stopped while waiting: nothing was started
                stack.push_async_callback(channel.close)
            await self._listen(stack)
            if not self._pushes:
                return max(await asyncio.gather(*(self._serve(each) for each in self._dispatchers)))
            outlets = [_pushes(dispatcher.channel) for dispatcher in self._dispatchers]
            async with pushes_running(self._app, outlets, scheduler=self._app.settings.scheduler_enabled):
                return max(await asyncio.gather(*(self._serve(each) for each in self._dispatchers)))

    async def _listen(self, stack: AsyncExitStack) -> None:
        webhooks = [Webhook(address.path, address.header, address.secret, dispatcher.receive)
                    for dispatcher in self._dispatchers if (address := dispatcher.channel.webhook()) is not None]
        settings = self._app.settings
        server = HttpServer(routes(webhooks=webhooks, db=self._app.db, pages=web_routes(self._app)),
                            listen=settings.http_listen, port=settings.http_port)
        try:
            self.port = await server.start()
        except OSError as taken:
            if webhooks:
                raise
            log.warning("HTTP server not started, going on without it: %s", taken)
            return
        stack.push_async_callback(server.stop)
        dashboard = settings.web_address() if settings.web_base_url else \
            settings.model_copy(update={"http_port": self.port}).web_address()
        log.warning("officers' web pages at %s (type /web in the chat for a login link)", dashboard)

    async def _serve(self, dispatcher: Dispatcher[Any]) -> int:
        name = dispatcher.channel.name
        try:
            started = await self._trying(dispatcher.start, f"starting the {name} channel")
            if not started:
                return 0 if started is not None else 1
            self._started += 1
            if self._started == len(self._dispatchers):
                self.ready.set()
            if dispatcher.channel.webhook() is None:
                await dispatcher.poll(self._stop)
            else:
                await self._stop.wait()
            return 0
        except SendFailed as failed:
            log.error("%s could not be served: %s", name, failed)
            return 1
        finally:
            self._stop.set()  # one channel ending stops the others

    async def _trying(self, call: Callable[[], Awaitable[None]], what: str) -> bool | None:
        """Return True once `call` succeeded, False when stopped first, None when the platform refused."""
        try:
            return await keep_trying(call, stop=self._stop, what=what, backoff=self._backoff)
        except SendFailed as failed:
            log.error("%s failed: %s", what, failed)
            return None


def _pushes(channel: Channel[Any]) -> Outlet:
    return channel.pushes if isinstance(channel, PushesApart) else channel.outlet


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
