"""Run the bot: pick the channels the settings enable, or the console chat when no platform token is set."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from bot.app import build_app
from bot.console import ConsoleChannel
from bot.settings import Settings
from bot.telegram.service import serve_telegram
from bot.zalo.service import serve_zalo
from scheduled.service import pushes_running

__all__ = ["serve"]

log = logging.getLogger(__name__)


async def serve(settings: Settings) -> int:
    """Prepare the database, then serve until the channels stop; return the exit code."""
    app = build_app(settings)
    try:
        await app.prepare()
        console = ConsoleChannel(
            app.engine.handle, t=app.catalogs.get(None), stdin=sys.stdin, stdout=sys.stdout,
            attachment_dir=Path(settings.attachment_dir),
        )
        async with pushes_running(app, stdout=sys.stdout):
            if settings.telegram_bot_token is not None and settings.zalo_bot_token is not None:
                results = await asyncio.gather(serve_telegram(app), serve_zalo(app))
                return max(results)
            if settings.telegram_bot_token is not None:
                return await serve_telegram(app)
            if settings.zalo_bot_token is not None:
                return await serve_zalo(app)
            await console.run()
        return 0
    finally:
        await app.close()
