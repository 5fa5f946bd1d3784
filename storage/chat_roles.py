"""The roles and chosen language behind a chat identity, for channels that show per-person command menus."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import keyed
from storage.models import ChatIdentity, Role

__all__ = ["roles_and_locale"]


async def roles_and_locale(
    session: AsyncSession, *, channel: str, external_id: str
) -> tuple[frozenset[str], str | None]:
    """Return the role names the person holds (on any unit) and the language they chose, if any."""
    rows = (await session.exec(_QUERY, params={"channel": channel, "external_id": external_id})).all()
    locale = rows[0][0] if rows else None
    return frozenset(role for _, role in rows if role is not None), locale


# Built once, the person as parameters: every command or press reads it.
_QUERY = keyed(
    select(ChatIdentity.locale, Role.role)
    .outerjoin(Role, col(Role.member_id) == ChatIdentity.member_id)
    .where(ChatIdentity.channel == bindparam("channel"), ChatIdentity.external_id == bindparam("external_id"))
)
