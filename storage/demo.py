"""The fictional demo organisation seeded into an empty database, with the fixed invite codes README
documents. Every name here is made up.

Its codes are public and `DEMO-QUANDOAN` grants officer rights, so it is seeded only for the console chat or by
`bot11 admin seed-demo`, and only into a database with no unit: never where a platform serves real people."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.invites import create_invite
from storage.members import add_member, grant_role
from storage.models import RoleName, Unit, UnitKind
from storage.units import add_unit, unit_count

__all__ = ["DEMO_INVITES", "seed_demo"]

# code -> (unit code, role). Documented in README; stable across versions.
DEMO_INVITES = {
    "DEMO-DOANVIEN": ("CD-KP1", RoleName.MEMBER),
    "DEMO-DOANVIEN2": ("CD-KP2", RoleName.MEMBER),
    "DEMO-BITHU": ("CD-KP1", RoleName.SECRETARY),
    "DEMO-QUANDOAN": ("QD-HB", RoleName.OFFICER),
    "DEMO-KIEMTRA": ("QD-HB", RoleName.INSPECTOR),
}

# (code, name, kind, parent code)
_TREE = [
    ("TD-AL", "Tỉnh Đoàn An Lạc", UnitKind.PROVINCE, None),
    ("QD-HB", "Quận Đoàn Hòa Bình", UnitKind.DISTRICT, "TD-AL"),
    ("HD-TS", "Huyện Đoàn Thanh Sơn", UnitKind.DISTRICT, "TD-AL"),
    ("CS-PBA", "Đoàn phường Bình An", UnitKind.GRASSROOTS, "QD-HB"),
    ("CS-LL", "Đoàn trường THPT Lê Lợi", UnitKind.GRASSROOTS, "QD-HB"),
    ("CS-TL", "Đoàn xã Tân Lập", UnitKind.GRASSROOTS, "HD-TS"),
    ("CS-MTC", "Đoàn Công ty May Thành Công", UnitKind.GRASSROOTS, "HD-TS"),
    ("CD-KP1", "Chi đoàn Khu phố 1", UnitKind.BRANCH, "CS-PBA"),
    ("CD-KP2", "Chi đoàn Khu phố 2", UnitKind.BRANCH, "CS-PBA"),
    ("CD-12A1", "Chi đoàn lớp 12A1", UnitKind.BRANCH, "CS-LL"),
    ("CD-12A2", "Chi đoàn lớp 12A2", UnitKind.BRANCH, "CS-LL"),
    ("CD-APD", "Chi đoàn ấp Đông", UnitKind.BRANCH, "CS-TL"),
    ("CD-APT", "Chi đoàn ấp Tây", UnitKind.BRANCH, "CS-TL"),
    ("CD-PX1", "Chi đoàn Phân xưởng 1", UnitKind.BRANCH, "CS-MTC"),
]

_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Ngô"]
_MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Quốc", "Thanh", "Hoài", "Gia"]
_GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hiếu", "Khánh", "Lan", "Long", "Mai", "Nam",
          "Phúc", "Quyên", "Sơn", "Tâm", "Thảo", "Trung", "Uyên", "Vy", "Yến"]
MEMBERS_PER_BRANCH = 6


def _demo_name(index: int) -> str:
    return " ".join((_FAMILY[index % 12], _MIDDLE[(index // 3) % 8], _GIVEN[(index * 7) % 21]))


async def seed_demo(session: AsyncSession, *, now: datetime) -> bool:
    """Create the demo organisation if the database has no unit yet; return whether it did."""
    if await unit_count(session):
        return False
    units: dict[str, Unit] = {}
    for code, name, kind, parent in _TREE:
        units[code] = await add_unit(session, code=code, name=name, kind=kind,
                                     parent=units[parent] if parent else None)
    index = 0
    for unit in units.values():
        if unit.kind != UnitKind.BRANCH:
            continue
        assert unit.id is not None
        for position in range(MEMBERS_PER_BRANCH):
            member = await add_member(session, full_name=_demo_name(index), birth_year=1996 + index % 12,
                                      unit_id=unit.id, joined_at=now)
            if position == 0 and unit.code != "CD-KP1":
                assert member.id is not None
                await grant_role(session, member_id=member.id, role=RoleName.SECRETARY, unit_id=unit.id)
            index += 1
    for code, (unit_code, role) in DEMO_INVITES.items():
        unit_id = units[unit_code].id
        assert unit_id is not None
        await create_invite(session, code=code, unit_id=unit_id, role=role, max_uses=1000,
                            expires_at=now + timedelta(days=365), created_at=now)
    return True
