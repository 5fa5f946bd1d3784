"""People of the demo organisation connected to a chat, for the evaluation, schedule and outbox tests."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from bot.app import App
from storage.identities import link_member, set_locale
from storage.members import add_member, grant_role
from storage.models import Member, Outbox, Role, RoleName, Youth, YouthStatus
from storage.units import unit_by_code

__all__ = ["add_youth", "connect", "outbox_rows", "secretary_of"]


async def secretary_of(app: App, unit_code: str) -> int:
    """Return the id of the branch's secretary, making one (a demo member) where the demo has none."""
    async with app.sessions() as session, session.begin():
        unit = await unit_by_code(session, code=unit_code)
        assert unit is not None and unit.id is not None
        found = (await session.exec(select(Role.member_id).where(
            Role.unit_id == unit.id, Role.role == RoleName.SECRETARY))).first()
        if found is not None:
            return int(found)
        member = (await session.exec(select(Member).where(Member.unit_id == unit.id).order_by(col(Member.id)))).first()
        assert member is not None and member.id is not None
        await grant_role(session, member_id=member.id, role=RoleName.SECRETARY, unit_id=unit.id)
        return member.id


async def connect(app: App, user: str, *, unit_code: str, role: str = RoleName.MEMBER, now: datetime,
                  locale: str | None = None, channel: str = "test", member_id: int | None = None) -> int:
    """Link chat user `user` to a member of `unit_code`: its secretary, a new officer, or a new member."""
    if member_id is None and role == RoleName.SECRETARY:
        member_id = await secretary_of(app, unit_code)
    async with app.sessions() as session, session.begin():
        unit = await unit_by_code(session, code=unit_code)
        assert unit is not None and unit.id is not None
        if member_id is None:
            member = await add_member(session, full_name=f"Cán Bộ {user.title()}", birth_year=1995,
                                      unit_id=unit.id, joined_at=now)
            assert member.id is not None
            member_id = member.id
            if role != RoleName.MEMBER:
                await grant_role(session, member_id=member_id, role=role, unit_id=unit.id)
        await link_member(session, channel=channel, external_id=user, chat_id=user, member_id=member_id, now=now)
        if locale is not None:
            await set_locale(session, channel=channel, external_id=user, chat_id=user, locale=locale, now=now)
    return member_id


async def add_youth(app: App, *, member_id: int, name: str, at: datetime,
                    status: str = YouthStatus.PARTICIPATING) -> int:
    async with app.sessions() as session, session.begin():
        member = await session.get(Member, member_id)
        assert member is not None
        youth = Youth(full_name=name, name_key=name.lower(), birth_year=2006, gender="female", group_code="student",
                      introduced_to="doan", introduced_by=member_id, unit_id=member.unit_id, introduced_at=at,
                      consent_at=at, status=status, status_at=at)
        session.add(youth)
        await session.flush()
        assert youth.id is not None
        return youth.id


async def outbox_rows(app: App, prefix: str = "") -> list[Outbox]:
    async with app.sessions() as session:
        rows = (await session.exec(select(Outbox).where(col(Outbox.dedupe_key).startswith(prefix))
                                   .order_by(col(Outbox.dedupe_key)))).all()
    return list(rows)
