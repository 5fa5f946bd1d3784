"""/moi (/invite): a branch secretary makes an invite code for new members of their branch, with a Telegram
deep link (https://t.me/<bot>?start=CODE) when the bot's username is configured, and the branch's invite card
(the QR code to scan, the code in large type) as a PNG to print or post in the branch's group chat."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from conversations.engine import Context, OneShotFlow, Turn
from conversations.invite_card import InviteCard, JoinLinks, render_card
from conversations.messages import Attachment
from conversations.roles import secretary_branch
from storage import audit
from storage.invites import create_invite
from storage.models import Invite, RoleName
from storage.units import unit_by_id

__all__ = ["InviteFlow"]

INVITE_DAYS = 30
INVITE_USES = 50


class InviteFlow(OneShotFlow):
    name = "invite"

    def __init__(self, bot_username: str | None = None, zalo_bot_link: str | None = None) -> None:
        self._links = JoinLinks.of(bot_username, zalo_bot_link)

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
        link = self._links.telegram(invite.code)
        if link:
            replies.append(ctx.reply("invite.link", link=link))
        # The card rides on the last text, which Telegram then sends as the photo's caption.
        replies[-1] = replace(replies[-1], attachment=await self._card(ctx, invite, unit_name))
        return Turn(replies)

    async def _card(self, ctx: Context, invite: Invite, unit_name: str) -> Attachment:
        branch = await unit_by_id(ctx.session, unit_id=invite.unit_id)
        parent = await unit_by_id(ctx.session, unit_id=branch.parent_id) if branch and branch.parent_id else None
        card = InviteCard(branch=unit_name, parent=parent.name if parent else None, code=invite.code,
                          expires=invite.expires_at.astimezone(ctx.tz).date())
        return Attachment(filename=f"ma-moi-{invite.code}.png", content=render_card(ctx.t, card, self._links),
                          mime_type="image/png")
