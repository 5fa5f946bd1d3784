"""Run only the outbox sender (no scheduler, no chat): `python -m scheduled.send`.

Settings come from the environment as for the bot. Stops cleanly on SIGTERM/SIGINT (claimed rows not yet tried
are given back); a SIGKILL leaves them leased until the lease ends, then any sender takes them over.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from contextlib import AsyncExitStack

from bot.app import build_app
from bot.settings import Settings
from scheduled.service import open_outlets, run_pushes

__all__ = ["main"]


async def _serve(settings: Settings) -> int:
    app = build_app(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with AsyncExitStack() as stack:
            outlets = await open_outlets(app, stack, stdout=sys.stdout)
            await run_pushes(app, outlets, stop, scheduler=False)
    finally:
        await app.close()
    return 0


def main() -> int:
    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return asyncio.run(_serve(settings))


if __name__ == "__main__":
    sys.exit(main())
