"""/web: a one-time link to the officers' web pages, for officers and secretaries.

The link's token is random (256 bits) and only its SHA-256 is stored, bound to the chat identity that asked; it
works once, for `LINK_TTL`. Asking again gives a new link; more than `LINKS_PER_TTL` in one `LINK_TTL` are
refused, so a stolen chat session cannot mint links without end.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from conversations.engine import Command, Context, OneShotFlow, Turn
from storage.reports import REPORT_ROLES
from storage.web import add_login_link, login_links_since, token_digest

__all__ = ["DEFAULT_BASE_URL", "LINKS_PER_TTL", "LINK_TTL", "LOGIN_PATH", "WebFlow", "web_commands"]

LINK_TTL = timedelta(minutes=10)
LINKS_PER_TTL = 5
LOGIN_PATH = "/login/"
DEFAULT_BASE_URL = "http://127.0.0.1:8080"  # the HTTP server's default address (bot.settings)


def web_commands(base_url: str) -> list[Command]:
    """Return /web for the command table; links start with `base_url` (the server's public address)."""
    return [Command(("web", "dashboard"), WebFlow(base_url), "web.help", roles=REPORT_ROLES)]


class WebFlow(OneShotFlow):
    """/web: answer a login link to the web pages, valid `LINK_TTL` and usable once."""

    name = "web"

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    async def start(self, ctx: Context, args: str) -> Turn:
        identity = ctx.identity
        if identity is None or identity.id is None:  # the command's roles need a member, who has an identity
            return Turn([ctx.reply("engine.not_allowed")])
        minutes = int(LINK_TTL.total_seconds() // 60)
        if await login_links_since(ctx.session, identity_id=identity.id, since=ctx.now - LINK_TTL) >= LINKS_PER_TTL:
            return Turn([ctx.reply("web.too_many", minutes=minutes)])
        token = secrets.token_urlsafe(32)
        await add_login_link(ctx.session, identity_id=identity.id, digest=token_digest(token), created_at=ctx.now,
                             expires_at=ctx.now + LINK_TTL)
        return Turn([ctx.reply("web.link", url=f"{self.base_url}{LOGIN_PATH}{token}", minutes=minutes)])
