"""Serve Zalo from the composition root's `App`: a webhook when a public URL is configured, long polling
otherwise, until the process's stop is set."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from bot.app import App
from bot.outlet import SendFailed, keep_trying
from bot.webhook import GuardedWebhook
from bot.zalo.api import ZaloApi
from bot.zalo.channel import SECRET_HEADER, ZaloChannel
from bot.zalo.outlet import ZaloOutlet

__all__ = ["serve_zalo", "webhook_application"]

log = logging.getLogger(__name__)


async def serve_zalo(app: App, stop: asyncio.Event) -> int:
    """Serve Zalo until `stop` is set; return the exit code (1 when Zalo refuses to start)."""
    settings = app.settings
    token = settings.zalo_bot_token.get_secret_value() if settings.zalo_bot_token else ""
    secret = settings.zalo_webhook_secret.get_secret_value() if settings.zalo_webhook_secret else ""
    if settings.zalo_webhook_url and not 8 <= len(secret) <= 256:
        log.error("ZALO_WEBHOOK_URL needs ZALO_WEBHOOK_SECRET of 8 to 256 characters")
        return 1
    api = ZaloApi(token, base_url=settings.zalo_api_base_url)
    t = app.catalogs.get(None)
    channel = ZaloChannel(api, ZaloOutlet(api, t=t), app.engine.handle, sessions=app.sessions, t=t)
    try:
        if settings.zalo_webhook_url:
            await _serve_webhook(api, channel, stop, url=settings.zalo_webhook_url, secret=secret,
                                 listen=settings.zalo_webhook_listen, port=settings.zalo_webhook_port)
        else:
            log.warning("serving Zalo by long polling")
            await channel.poll(stop)
    except SendFailed as failed:
        log.error("Zalo could not be served: %s", failed)
        return 1
    finally:
        await api.close()
    return 0


async def _serve_webhook(api: ZaloApi, channel: ZaloChannel, stop: asyncio.Event, *, url: str, secret: str,
                         listen: str, port: int) -> None:
    server = HTTPServer(webhook_application(channel, path=urlsplit(url).path or "/", secret=secret), xheaders=True)
    server.add_sockets(bind_sockets(port, address=listen))
    try:
        if not await keep_trying(lambda: api.set_webhook(url, secret), stop=stop, what="setting the Zalo webhook"):
            return
        log.warning("serving Zalo by webhook on %s:%s", listen, port)
        await stop.wait()
    finally:
        server.stop()


def webhook_application(channel: ZaloChannel, *, path: str, secret: str) -> tornado.web.Application:
    """Return the tornado app answering `POST <path>` (updates) and `GET /healthz`."""
    receiver = {"header": SECRET_HEADER, "secret": secret, "receive": channel.receive}
    return tornado.web.Application([("/healthz", _Health), (path, GuardedWebhook, receiver)])


class _Health(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write({"ok": True})

