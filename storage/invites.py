"""Invite codes: expiry and a use limit, consumed atomically."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Invite, Unit, UnitKind
from storage.units import in_subtree

__all__ = [
    "CODE_ALPHABET",
    "BranchInvite",
    "branch_invites",
    "consume_invite",
    "create_invite",
    "invite_by_code",
    "new_code",
]

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


@dataclass(frozen=True, slots=True)
class BranchInvite:
    """An active branch, the name of the unit above it, and its valid invite for a role (None: it has none)."""

    branch: Unit
    parent_name: str | None
    invite: Invite | None


async def branch_invites(session: AsyncSession, *, root: Unit, role: str, now: datetime) -> list[BranchInvite]:
    """Return every active branch under `root` (itself included), grouped by the unit above in tree order and by
    code within it, each with the valid invite for `role` that lasts longest (not expired, uses left; the later
    expiry first, then more uses left)."""
    ranked = (
        select(Invite, func.row_number().over(
            partition_by=col(Invite.unit_id),
            order_by=(col(Invite.expires_at).desc(), (col(Invite.max_uses) - col(Invite.uses)).desc(),
                      col(Invite.id).desc()),
        ).label("rank"))
        .join(Unit, col(Unit.id) == col(Invite.unit_id))
        .where(in_subtree(Unit.path, root.path), Invite.role == role, col(Invite.expires_at) > now,
               col(Invite.uses) < col(Invite.max_uses))
        .subquery()
    )
    best = aliased(Invite, ranked)
    parent = aliased(Unit)
    query = (
        select(Unit, parent.name, best)
        .outerjoin(parent, col(parent.id) == col(Unit.parent_id))
        .outerjoin(best, (col(best.unit_id) == col(Unit.id)) & (ranked.c.rank == 1))
        .where(in_subtree(Unit.path, root.path), Unit.kind == UnitKind.BRANCH, col(Unit.active).is_(True))
        .order_by(col(parent.path), col(Unit.code))
    )
    rows: Sequence[tuple[Unit, str | None, Invite | None]] = (await session.exec(query)).all()
    return [BranchInvite(branch=unit, parent_name=name, invite=invite) for unit, name, invite in rows]
