"""Chat identities: one person on one channel."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ChatIdentity, Member

__all__ = ["ensure_identity", "identity_for", "link_member", "set_locale", "speaker"]


async def identity_for(session: AsyncSession, *, channel: str, external_id: str) -> ChatIdentity | None:
    query = select(ChatIdentity).where(
        ChatIdentity.channel == channel, ChatIdentity.external_id == external_id
    )
    return (await session.exec(query)).first()


async def speaker(
    session: AsyncSession, *, channel: str, external_id: str
) -> tuple[ChatIdentity | None, Member | None]:
    """Return the chat identity and, once they joined, the member behind it, in one query (every update asks)."""
    query = (
        select(ChatIdentity, Member)
        .outerjoin(Member, col(Member.id) == ChatIdentity.member_id)
        .where(ChatIdentity.channel == channel, ChatIdentity.external_id == external_id)
    )
    found = (await session.exec(query)).first()
    return (found[0], found[1]) if found is not None else (None, None)


async def ensure_identity(
    session: AsyncSession, *, channel: str, external_id: str, chat_id: str, now: datetime
) -> ChatIdentity:
    """Return the person's chat identity, creating it (not yet a member) when they have none."""
    identity = await identity_for(session, channel=channel, external_id=external_id)
    if identity is None:
        identity = ChatIdentity(channel=channel, external_id=external_id, chat_id=chat_id, created_at=now)
        session.add(identity)
    identity.chat_id = chat_id
    await session.flush()
    return identity


async def set_locale(
    session: AsyncSession, *, channel: str, external_id: str, chat_id: str, locale: str, now: datetime
) -> ChatIdentity:
    """Remember the language a person chose (they need not have joined yet)."""
    identity = await ensure_identity(session, channel=channel, external_id=external_id, chat_id=chat_id, now=now)
    identity.locale = locale
    await session.flush()
    return identity


async def link_member(
    session: AsyncSession, *, channel: str, external_id: str, chat_id: str, member_id: int, now: datetime
) -> ChatIdentity:
    """Attach a chat identity to the member who just joined."""
    identity = await ensure_identity(session, channel=channel, external_id=external_id, chat_id=chat_id, now=now)
    identity.member_id = member_id
    identity.reachable = True
    await session.flush()
    return identity
