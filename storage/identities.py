"""Chat identities: one person on one channel, linked to the member they are once they joined."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ChatIdentity, Member, MemberStatus

__all__ = [
    "ensure_identity",
    "identities_of",
    "identity_for",
    "link_member",
    "lock_unclaimed_member",
    "set_locale",
    "unlink_member",
]


async def identity_for(session: AsyncSession, *, channel: str, external_id: str) -> ChatIdentity | None:
    query = select(ChatIdentity).where(
        ChatIdentity.channel == channel, ChatIdentity.external_id == external_id
    )
    return (await session.exec(query)).first()


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
    """Attach a chat identity to the member who just joined (a roster row only after `lock_unclaimed_member`)."""
    identity = await ensure_identity(session, channel=channel, external_id=external_id, chat_id=chat_id, now=now)
    identity.member_id = member_id
    identity.reachable = True
    await session.flush()
    return identity


async def lock_unclaimed_member(session: AsyncSession, *, member_id: int, unit_id: int) -> Member | None:
    """Return member `member_id` if they are on the active roster of branch `unit_id` and no chat identity uses
    them, held until the transaction ends, so that of two people claiming the row at once only the first gets it;
    else None.

    PostgreSQL: the row is locked (SELECT ... FOR UPDATE) before the link is looked for, and that second
    statement sees a link the other transaction committed while this one waited. SQLite: every transaction
    that writes already holds the database's write lock from its start (BEGIN IMMEDIATE, see storage.db).
    """
    row = select(Member).where(Member.id == member_id, Member.unit_id == unit_id,
                               Member.status == MemberStatus.ACTIVE).with_for_update()
    member = (await session.exec(row)).first()
    if member is None:
        return None
    linked = select(ChatIdentity.id).where(ChatIdentity.member_id == member_id).limit(1)
    return member if (await session.exec(linked)).first() is None else None


async def identities_of(session: AsyncSession, *, member_id: int) -> Sequence[ChatIdentity]:
    """Return the chat identities linked to `member_id`, oldest first."""
    query = select(ChatIdentity).where(ChatIdentity.member_id == member_id).order_by(col(ChatIdentity.id))
    return (await session.exec(query)).all()


async def unlink_member(session: AsyncSession, *, member_id: int) -> None:
    """Detach every chat identity from `member_id`: whoever used it is a stranger to the bot again."""
    await session.exec(update(ChatIdentity).where(col(ChatIdentity.member_id) == member_id).values(member_id=None))
