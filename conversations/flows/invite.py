"""/moi (/invite): a branch secretary makes an invite code for new members of their branch, with a Telegram
deep link (https://t.me/<bot>?start=CODE) when the bot's username is configured."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conversations.engine import Context, OneShotFlow, Turn
from conversations.roles import secretary_branch
from storage import audit
from storage.invites import create_invite
from storage.models import RoleName

__all__ = ["InviteFlow"]

INVITE_DAYS = 30
INVITE_USES = 50


class InviteFlow(OneShotFlow):
    name = "invite"

    def __init__(self, bot_username: str | None = None) -> None:
        self._bot = (bot_username or "").lstrip("@") or None

    async def start(self, ctx: Context, args: str) -> Turn:
        found = secretary_branch(ctx, args)
        if isinstance(found, str):
            return Turn([ctx.reply(found)])
        unit_id, unit_name = found
        assert ctx.member is not None
        expires = ctx.now + timedelta(days=INVITE_DAYS)
        invite = await create_invite(ctx.session, unit_id=unit_id, role=RoleName.MEMBER, expires_at=expires,
                                     max_uses=INVITE_USES, created_at=ctx.now, created_by=ctx.member.id)
        await audit.record(ctx.session, actor_member_id=ctx.member.id, action="invite.created",
                           target=f"invite:{invite.id}", at=ctx.now)
        values: dict[str, Any] = {"unit": unit_name, "code": invite.code, "uses": INVITE_USES,
                  "expires": ctx.t.date(expires.astimezone(ctx.tz).date())}
        replies = [ctx.reply("invite.made", **values)]
        if self._bot:
            replies.append(ctx.reply("invite.link", link=f"https://t.me/{self._bot}?start={invite.code}"))
        return Turn(replies)
