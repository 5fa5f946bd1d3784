"""Whether the bot can still write to a chat (the person may have blocked it)."""

from __future__ import annotations

from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ChatIdentity

__all__ = ["set_reachable"]


async def set_reachable(session: AsyncSession, *, channel: str, chat_id: str, reachable: bool) -> int:
    """Mark every identity using this chat as reachable or not; return how many changed."""
    statement = (
        update(ChatIdentity)
        .where(
            col(ChatIdentity.channel) == channel,
            col(ChatIdentity.chat_id) == chat_id,
            col(ChatIdentity.reachable) != reachable,
        )
        .values(reachable=reachable)
    )
    result = await session.exec(statement)
    return int(result.rowcount)
