"""What the officers' web pages read and write: one-time login links, the person behind a web session, whether
a branch's secretary can be reached, files sent by link, and the counts `/metrics` shows."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import case, delete, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Audit,
    ChatIdentity,
    LoginLink,
    Member,
    MemberStatus,
    Outbox,
    Role,
    RoleName,
    SharedFile,
)

__all__ = [
    "actions_since",
    "add_login_link",
    "add_shared_file",
    "end_web_session",
    "login_link_open",
    "login_links_since",
    "outbox_by_status",
    "secretaries_reachable",
    "shared_file",
    "token_digest",
    "use_login_link",
    "web_person",
    "web_session_open",
]


def token_digest(token: str) -> str:
    """Return the SHA-256 (hex) a login token is stored and looked up by; the token itself is never stored."""
    return hashlib.sha256(token.encode()).hexdigest()


async def add_login_link(
    session: AsyncSession, *, identity_id: int, digest: str, created_at: datetime, expires_at: datetime
) -> None:
    """Record a login link given to `identity_id`, by its token's digest."""
    session.add(LoginLink(token_hash=digest, identity_id=identity_id, created_at=created_at,
                          expires_at=expires_at))
    await session.flush()


async def login_links_since(session: AsyncSession, *, identity_id: int, since: datetime) -> int:
    """Count the login links `identity_id` was given from `since` on (the rate limit of /web)."""
    query = select(func.count()).select_from(LoginLink).where(
        LoginLink.identity_id == identity_id, col(LoginLink.created_at) >= since)
    return int((await session.exec(query)).one())


async def login_link_open(session: AsyncSession, *, digest: str, now: datetime) -> bool:
    """Tell whether the link with this digest exists, is unused and not expired at `now`."""
    query = select(LoginLink.id).where(LoginLink.token_hash == digest, col(LoginLink.used_at).is_(None),
                                       col(LoginLink.expires_at) > now)
    return (await session.exec(query)).first() is not None


async def use_login_link(session: AsyncSession, *, digest: str, now: datetime) -> tuple[int, int] | None:
    """Mark the link used and return its id and its chat identity's id, if it was open; else None. The used
    link's row stands for the web session it opened until logout deletes it (`end_web_session`).

    One UPDATE with the conditions in it, so two requests racing with the same link cannot both get in.
    """
    statement = (
        update(LoginLink)
        .where(col(LoginLink.token_hash) == digest, col(LoginLink.used_at).is_(None),
               col(LoginLink.expires_at) > now)
        .values(used_at=now)
        .returning(col(LoginLink.id), col(LoginLink.identity_id))
    )
    found = (await session.exec(statement)).first()
    return (int(found[0]), int(found[1])) if found is not None else None


async def web_session_open(session: AsyncSession, *, link_id: int, identity_id: int) -> bool:
    """Tell whether the web session opened with login link `link_id` by `identity_id` has not been ended."""
    query = select(LoginLink.id).where(LoginLink.id == link_id, LoginLink.identity_id == identity_id,
                                       col(LoginLink.used_at).is_not(None))
    return (await session.exec(query)).first() is not None


async def end_web_session(session: AsyncSession, *, link_id: int, identity_id: int) -> None:
    """End the web session opened with login link `link_id` (logout): its row goes, so a copy of the cookie
    opens nothing any more, and the link's token stays unknown."""
    await session.exec(delete(LoginLink).where(
        col(LoginLink.id) == link_id, col(LoginLink.identity_id) == identity_id))


async def web_person(session: AsyncSession, *, identity_id: int) -> tuple[ChatIdentity, Member] | None:
    """Return the chat identity and the member it is linked to, or None when it is gone or no member's."""
    query = (
        select(ChatIdentity, Member)
        .join(Member, col(Member.id) == ChatIdentity.member_id)
        .where(ChatIdentity.id == identity_id)
    )
    found = (await session.exec(query)).first()
    return (found[0], found[1]) if found is not None else None


async def secretaries_reachable(session: AsyncSession, *, unit_ids: Collection[int]) -> dict[int, bool]:
    """For each of `unit_ids` with a secretary on the bot, tell whether at least one of them can be written to
    (not blocked the bot); units whose secretaries never joined the bot are left out."""
    if not unit_ids:
        return {}
    reachable = func.max(case((col(ChatIdentity.reachable), 1), else_=0))
    query = (
        select(Role.unit_id, reachable)
        .join(Member, col(Member.id) == Role.member_id)
        .join(ChatIdentity, col(ChatIdentity.member_id) == Role.member_id)
        .where(Role.role == RoleName.SECRETARY, col(Role.unit_id).in_(sorted(unit_ids)),
               Member.status != MemberStatus.LEFT)
        .group_by(col(Role.unit_id))
    )
    return {int(unit_id): bool(flag) for unit_id, flag in (await session.exec(query)).all()}


async def actions_since(session: AsyncSession, *, actor_member_id: int, action: str, since: datetime) -> int:
    """Count the audit rows of `action` by the member from `since` on (the rate limit of a web form)."""
    query = select(func.count()).select_from(Audit).where(
        Audit.actor_member_id == actor_member_id, Audit.action == action, col(Audit.at) >= since)
    return int((await session.exec(query)).one())


async def outbox_by_status(session: AsyncSession) -> dict[str, int]:
    """Count the outbox rows by status (pending, sending, sent, failed...)."""
    query = select(Outbox.status, func.count()).group_by(col(Outbox.status))
    return {str(status): int(n) for status, n in (await session.exec(query)).all()}


async def add_shared_file(
    session: AsyncSession, *, filename: str, mime_type: str, content: bytes, now: datetime, expires_at: datetime
) -> int:
    """Keep a file to be fetched by link until `expires_at` and return its id; files expired by `now` go."""
    await session.exec(delete(SharedFile).where(col(SharedFile.expires_at) <= now))
    row = SharedFile(filename=filename, mime_type=mime_type, content=content, created_at=now, expires_at=expires_at)
    session.add(row)
    await session.flush()
    assert row.id is not None
    return row.id


async def shared_file(session: AsyncSession, *, file_id: int, now: datetime) -> SharedFile | None:
    """Return the kept file, unless it has expired at `now`."""
    query = select(SharedFile).where(SharedFile.id == file_id, col(SharedFile.expires_at) > now)
    return (await session.exec(query)).first()
