"""Conversation state, one row per chat identity, written after every step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import String, and_, bindparam, insert, update
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from storage.db import keyed, on_postgres
from storage.models import ChatIdentity, Conversation, Member, MemberStatus, Role, Unit

__all__ = [
    "Speaking", "clear_conversation", "conversation_for", "forget_conversations_expired_before", "save_conversation",
    "speaking",
]


@dataclass(frozen=True, slots=True)
class Speaking:
    """Who sent an update and where their dialog stands.

    `member` is None for a stranger and for a member who left (status LEFT); `roles` are the member's roles with
    the unit each applies to, by unit path.
    """

    identity: ChatIdentity | None
    member: Member | None
    roles: tuple[tuple[str, Unit], ...]
    conversation: Conversation | None


async def speaking(session: AsyncSession, *, channel: str, external_id: str) -> Speaking:
    """Return the chat identity, the member behind it, their roles and their conversation row: every update asks.

    SQLite: one query (its transaction already holds the write lock, so the row needs no lock of its own).
    PostgreSQL: the conversation row is locked by a second query (`conversation_for`), since FOR UPDATE cannot
    reach the nullable side of an outer join.
    """
    sqlite = not on_postgres(session)
    result = await session.exec(_speaking_query(sqlite), params={"channel": channel, "external_id": external_id})
    rows: list[tuple[Any, ...]] = [tuple(row) for row in result.all()]
    identity, member = rows[0][0], rows[0][1]
    roles = tuple((row[2], row[3]) for row in rows if row[2] is not None)
    if sqlite:
        return Speaking(identity, member, roles, rows[0][4])
    return Speaking(identity, member, roles, await conversation_for(session, channel=channel, external_id=external_id))


@cache
def _speaking_query(sqlite: bool) -> Select[ChatIdentity, Member, str, Unit]:
    """Built once per database kind, with the person as parameters: building a statement of four joins (and its
    cache key, which SQLAlchemy keeps on the statement) cost more CPU than running it."""
    who = select(bindparam("channel", type_=String).label("channel"),
                 bindparam("external_id", type_=String).label("external_id")).subquery("who")
    query = (
        select(ChatIdentity, Member, Role.role, Unit, *([Conversation] if sqlite else []))
        .select_from(who)
        .outerjoin(ChatIdentity, and_(col(ChatIdentity.channel) == who.c.channel,
                                      col(ChatIdentity.external_id) == who.c.external_id))
        .outerjoin(Member, and_(col(Member.id) == ChatIdentity.member_id, col(Member.status) != MemberStatus.LEFT))
        .outerjoin(Role, col(Role.member_id) == Member.id)
        .outerjoin(Unit, col(Unit.id) == Role.unit_id)
        .order_by(col(Unit.path))
    )
    if sqlite:
        query = query.outerjoin(Conversation, and_(col(Conversation.channel) == who.c.channel,
                                                   col(Conversation.external_id) == who.c.external_id))
    return keyed(query)


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
) -> None:
    """Write the new state over `current` (or create it) and bump its version.

    One Core statement built once (every step of every dialog runs it) instead of the ORM's unit of work on the
    loaded row; `current` itself is left as read (the session ends with the update)."""
    values = {"flow": flow, "step": step, "data": dict(data), "expires_at": expires_at}
    if current is None:
        await session.exec(_INSERT, params={"channel": channel, "external_id": external_id, "version": 1, **values})
    else:
        await session.exec(_UPDATE, params={"row": current.id, **{f"new_{k}": v for k, v in values.items()}})


_TABLE = Conversation.metadata.tables[Conversation.__tablename__]
_INSERT = keyed(insert(_TABLE))
_UPDATE = keyed(update(_TABLE).where(_TABLE.c.id == bindparam("row"))
                .values({name: bindparam(f"new_{name}") for name in ("flow", "step", "data", "expires_at")}
                        | {"version": _TABLE.c.version + 1}))
_CLEAR = keyed(delete(_TABLE).where(_TABLE.c.channel == bindparam("channel"),
                                    _TABLE.c.external_id == bindparam("external_id")))


async def clear_conversation(session: AsyncSession, *, channel: str, external_id: str) -> None:
    await session.exec(_CLEAR, params={"channel": channel, "external_id": external_id})


async def forget_conversations_expired_before(session: AsyncSession, *, before: datetime) -> int:
    """Delete dialogs abandoned before `before` (what they collected was never saved); return how many."""
    statement = delete(Conversation).where(col(Conversation.expires_at) < before)
    result = await session.exec(statement)
    return int(result.rowcount or 0)
