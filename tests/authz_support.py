"""The cast of the authorization table and of the dialog fuzz test: the demo organisation, a caller of each kind
connected to the chat, four young people in four branches, and what the domain tables hold (to prove that a
refused answer wrote nothing). (No tests here; the name keeps it next to the tests that use it.)

    Tỉnh Đoàn An Lạc
    ├── Quận Đoàn Hòa Bình                 officer_above
    │   ├── Đoàn phường Bình An            parent_officer
    │   │   ├── Chi đoàn Khu phố 1         member, secretary          young person Bích
    │   │   └── Chi đoàn Khu phố 2         other_secretary            young person Cúc
    │   └── Đoàn trường THPT Lê Lợi        sibling_officer
    │       └── Chi đoàn lớp 12A1                                     young person Dũng
    └── Huyện Đoàn Thanh Sơn
        └── Đoàn xã Tân Lập
            └── Chi đoàn ấp Đông                                      young person Hoa
"""

from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import col, select

from bot.app import App
from conversations.text import fold
from storage.demo import seed_demo
from storage.identities import link_member
from storage.members import add_member, grant_role
from storage.models import Member, RoleName, Unit, Youth, YouthStatus
from tests.transcript import Chat

__all__ = [
    "CALLERS",
    "DOMAIN_TABLES",
    "UNKNOWN_CODE",
    "YOUTH",
    "YOUTH_BIRTH_YEAR",
    "Caller",
    "Cast",
    "answers_with",
    "build_cast",
    "footprint",
    "forge",
    "shown_stamp",
    "template",
]

UNKNOWN_CODE = "XX-KHONGCO"


@dataclass(frozen=True, slots=True)
class Caller:
    """Someone talking to the bot; `home` is a branch (and a young person) in their scope, `away` one outside."""

    name: str
    user: str
    full_name: str
    unit: str | None
    role: str | None
    home: str
    away: str
    home_youth: str
    away_youth: str


# The young people: full name → (branch, who introduced them: a caller's user, or None for a demo member).
YOUTH: dict[str, tuple[str, str | None]] = {
    "Trần Thị Bích": ("CD-KP1", "doanvien"),
    "Võ Thị Cúc": ("CD-KP2", None),
    "Lê Văn Dũng": ("CD-12A1", None),
    "Phạm Thị Hoa": ("CD-APD", None),
}
YOUTH_BIRTH_YEAR = 2006

CALLERS: tuple[Caller, ...] = (
    Caller("stranger", "khach", "", None, None, "CD-KP1", "CD-KP2", "Trần Thị Bích", "Võ Thị Cúc"),
    Caller("member", "doanvien", "Nguyễn Văn An", "CD-KP1", RoleName.MEMBER, "CD-KP1", "CD-KP2",
           "Trần Thị Bích", "Võ Thị Cúc"),
    Caller("secretary", "bithu", "Lê Thị Bảo", "CD-KP1", RoleName.SECRETARY, "CD-KP1", "CD-KP2",
           "Trần Thị Bích", "Võ Thị Cúc"),
    Caller("other_secretary", "bithu_kp2", "Đỗ Văn Chiến", "CD-KP2", RoleName.SECRETARY, "CD-KP2", "CD-KP1",
           "Võ Thị Cúc", "Trần Thị Bích"),
    Caller("parent_officer", "canbo_phuong", "Hồ Thị Duyên", "CS-PBA", RoleName.OFFICER, "CD-KP1", "CD-12A1",
           "Trần Thị Bích", "Lê Văn Dũng"),
    Caller("sibling_officer", "canbo_truong", "Mai Văn Giang", "CS-LL", RoleName.OFFICER, "CD-12A1", "CD-KP1",
           "Lê Văn Dũng", "Trần Thị Bích"),
    Caller("officer_above", "canbo_quan", "Tạ Thị Hạnh", "QD-HB", RoleName.OFFICER, "CD-KP1", "CD-APD",
           "Trần Thị Bích", "Phạm Thị Hoa"),
)

# What a refused answer must leave untouched (`footprint` adds `invite_uses`, the invites' use counters).
DOMAIN_TABLES = ("member", "role", "youth", "participation", "evaluation", "evaluation_line", "survey", "target",
                 "invite", "audit", "integrity_flag", "outbox")


@dataclass(frozen=True, slots=True)
class Cast:
    """Database ids of what the cast is made of."""

    units: dict[str, int]
    youth: dict[str, int]
    members: dict[str, int]


async def build_cast(app: App, *, now: datetime) -> Cast:
    """Seed the demo organisation, connect every caller but the stranger, and register the four young people."""
    async with app.sessions() as session, session.begin():
        assert await seed_demo(session, now=now)
        units = {u.code: u.id for u in (await session.exec(select(Unit))).all() if u.id is not None}
        members: dict[str, int] = {}
        for caller in CALLERS:
            if caller.unit is None:
                continue
            member = await add_member(session, full_name=caller.full_name, birth_year=1995,
                                      unit_id=units[caller.unit], joined_at=now)
            assert member.id is not None
            members[caller.user] = member.id
            if caller.role != RoleName.MEMBER:
                assert caller.role is not None
                await grant_role(session, member_id=member.id, role=caller.role, unit_id=units[caller.unit])
            await link_member(session, channel="test", external_id=caller.user, chat_id=caller.user,
                              member_id=member.id, now=now)
        youth: dict[str, int] = {}
        for name, (unit, by) in YOUTH.items():
            introducer = members[by] if by else (await session.exec(
                select(Member.id).where(Member.unit_id == units[unit]).order_by(col(Member.id)))).first()
            assert introducer is not None
            row = Youth(full_name=name, name_key=fold(name), birth_year=YOUTH_BIRTH_YEAR, gender="female",
                        group_code="student", introduced_to="doan", introduced_by=introducer,
                        unit_id=units[unit], introduced_at=now, consent_at=now, status=YouthStatus.PARTICIPATING,
                        status_at=now)
            session.add(row)
            await session.flush()
            assert row.id is not None
            youth[name] = row.id
    return Cast(units=units, youth=youth, members=members)


async def footprint(app: App) -> dict[str, int]:
    """Return the row count of every domain table, and the invites' uses."""
    counts = [f"SELECT '{table}', count(*) FROM {table}" for table in DOMAIN_TABLES]
    counts.append("SELECT 'invite_uses', coalesce(sum(uses), 0) FROM invite")
    async with app.db.connect() as connection:
        return {name: int(n) for name, n in (await connection.execute(text(" UNION ALL ".join(counts)))).all()}


def shown_stamp(chat: Chat, user: str) -> str:
    """Return the stamp on the buttons last shown to `user` (what precedes "." in their payloads), "" if none."""
    payloads = [choice.payload for reply in chat.last.get(user, []) for choice in reply.choices]
    return payloads[0].partition(".")[0] if payloads else ""


async def forge(chat: Chat, user: str, payload: str) -> list[str]:
    """Press a button the bot never offered: `payload` under the stamp of the buttons last shown to `user`,
    the way a client that rewrites payloads would send it."""
    return await chat.send(chat.inbound(user, choice=f"{shown_stamp(chat, user)}.{payload}"))


def template(app: App, key: str, locale: str = "vi") -> re.Pattern[str]:
    """Return a pattern for the text of catalog `key` in `locale`, any value standing in for each placeholder,
    matching a reply that is that text (or starts with it, followed by a new line)."""
    return _pattern(app.catalogs.get(locale)(key))


@functools.cache
def _pattern(raw: str) -> re.Pattern[str]:
    parts = []
    for literal, field, _spec, _conversion in string.Formatter().parse(raw):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(".*?")
    return re.compile("".join(parts) + r"(?:\n|$)", re.DOTALL)


def answers_with(app: App, key: str, reply: str, locale: str = "vi") -> bool:
    """Tell whether `reply` is the text of catalog `key` in `locale` (with any values)."""
    return template(app, key, locale).match(reply) is not None
