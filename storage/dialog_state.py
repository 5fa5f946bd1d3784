"""Conversation state, one row per chat identity, written after every step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Conversation

__all__ = ["clear_conversation", "conversation_for", "forget_conversations_expired_before", "save_conversation"]


async def conversation_for(session: AsyncSession, *, channel: str, external_id: str) -> Conversation | None:
    """Return the person's conversation row, locked for this transaction where the database can lock."""
    query = (
        select(Conversation)
        .where(Conversation.channel == channel, Conversation.external_id == external_id)
        .with_for_update()
    )
    return (await session.exec(query)).first()


async def save_conversation(
    session: AsyncSession, *, current: Conversation | None, channel: str, external_id: str, flow: str,
    step: str, data: dict[str, Any], expires_at: datetime,
) -> Conversation:
    """Write the new state over `current` (or create it) and bump its version."""
    if current is None:
        current = Conversation(channel=channel, external_id=external_id, flow=flow, step=step, data={},
                               expires_at=expires_at, version=0)
        session.add(current)
    current.flow, current.step, current.data = flow, step, dict(data)
    current.expires_at = expires_at
    current.version += 1
    await session.flush()
    return current


async def clear_conversation(session: AsyncSession, *, channel: str, external_id: str) -> None:
    statement = delete(Conversation).where(
        col(Conversation.channel) == channel, col(Conversation.external_id) == external_id
    )
    await session.exec(statement)


async def forget_conversations_expired_before(session: AsyncSession, *, before: datetime) -> int:
    """Delete dialogs abandoned before `before` (what they collected was never saved); return how many."""
    statement = delete(Conversation).where(col(Conversation.expires_at) < before)
    result = await session.exec(statement)
    return int(result.rowcount or 0)
