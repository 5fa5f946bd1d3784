"""Invite codes: expiry and a use limit, consumed atomically."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Invite

__all__ = ["CODE_ALPHABET", "consume_invite", "create_invite", "invite_by_code", "new_code"]

# No 0/O, 1/I/L: codes are read aloud and typed on small phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


async def create_invite(
    session: AsyncSession, *, unit_id: int, role: str, expires_at: datetime, max_uses: int,
    created_at: datetime, created_by: int | None = None, code: str | None = None,
) -> Invite:
    invite = Invite(
        code=code or new_code(), unit_id=unit_id, role=role, expires_at=expires_at, max_uses=max_uses,
        created_by=created_by, created_at=created_at,
    )
    session.add(invite)
    await session.flush()
    return invite


async def invite_by_code(session: AsyncSession, *, code: str) -> Invite | None:
    return (await session.exec(select(Invite).where(Invite.code == code))).first()


async def consume_invite(session: AsyncSession, *, code: str, now: datetime) -> bool:
    """Count one use of the invite if it is still valid; False when expired or used up meanwhile."""
    statement = (
        update(Invite)
        .where(col(Invite.code) == code, col(Invite.uses) < col(Invite.max_uses), col(Invite.expires_at) > now)
        .values(uses=col(Invite.uses) + 1)
    )
    result = await session.exec(statement)
    return bool(result.rowcount == 1)
