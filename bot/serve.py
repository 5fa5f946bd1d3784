"""Run the bot: pick the channels the settings enable, or the console chat when no platform token is set."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.app import App, build_app
from bot.console import ConsoleChannel
from bot.settings import Settings
from bot.telegram.service import serve_telegram
from bot.zalo.service import serve_zalo
from scheduled.service import pushes_running

__all__ = ["serve"]

log = logging.getLogger(__name__)

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def serve(settings: Settings) -> int:
    """Prepare the database, then serve until the channels stop; return the exit code."""
    app = build_app(settings)
    try:
        if settings.telegram_bot_token is None and settings.zalo_bot_token is None:
            return await _console(app)
        return await _platforms(app)
    finally:
        await app.close()


async def _console(app: App) -> int:
    console = ConsoleChannel(
        app.engine.handle, t=app.catalogs.get(None), stdin=sys.stdin, stdout=sys.stdout,
        attachment_dir=Path(app.settings.attachment_dir),
    )
    if not await console.prepare(app.prepare):
        return 1
    async with pushes_running(app, stdout=sys.stdout):
        await console.run()
    return 0


async def _platforms(app: App) -> int:
    """Serve every platform with a token until SIGINT/SIGTERM, or until one of them ends, which stops all."""
    with _stop_on_signals() as stop:
        await app.prepare()
        async with pushes_running(app, stdout=sys.stdout, stop=stop):
            served: list[Coroutine[Any, Any, int]] = []
            if app.settings.telegram_bot_token is not None:
                served.append(serve_telegram(app, stop))
            if app.settings.zalo_bot_token is not None:
                served.append(serve_zalo(app, stop))
            results = await asyncio.gather(*(_stopping_all(one, stop) for one in served), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return max(result for result in results if isinstance(result, int))


async def _stopping_all(channel: Coroutine[Any, Any, int], stop: asyncio.Event) -> int:
    try:
        return await channel
    finally:
        stop.set()


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
