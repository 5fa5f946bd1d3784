"""`bot11 admin sample-org DIR`: a made-up organisation written as the two import workbooks, filled in.

It is what an operator's own files look like, at the size of a province that kept its districts: 1 province,
3 districts, 30 Đoàn cơ sở, 300 branches and 9,000 members (`units.xlsx` for `import-units`, `members.xlsx`
for `import-members`). Everything in it is invented and fixed (a seeded generator), so a walk-through gives the
same names and numbers every time; its codes start with `MAU-` so they never meet the demo's or a real one's.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

__all__ = ["SampleSize", "write_sample"]

_DISTRICTS = ("Quận Đoàn Sông Xanh", "Huyện Đoàn Đồi Thông", "Thành Đoàn Hải Đăng")
_GRASSROOTS = ("Đoàn phường", "Đoàn xã", "Đoàn trường THPT", "Đoàn Công ty", "Đoàn Bệnh viện")
_PLACES = ("Bình Minh", "Hòa Thuận", "Tân Phú", "Phước Long", "An Khánh", "Đông Hưng", "Thạnh Mỹ", "Long Điền",
           "Ngọc Hà", "Quảng Lợi")
_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
           "Ngô", "Dương", "Lý")
_MIDDLE_MALE = ("Văn", "Minh", "Quốc", "Đức", "Hữu", "Thành", "Gia", "Hoàng")
_MIDDLE_FEMALE = ("Thị", "Ngọc", "Thu", "Thanh", "Khánh", "Mai", "Bảo", "Hồng")
_GIVEN_MALE = ("An", "Bảo", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Huy", "Khoa", "Long", "Nam", "Phúc",
               "Quân", "Sơn", "Thắng", "Trung", "Tuấn", "Vinh")
_GIVEN_FEMALE = ("Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hương", "Lan", "Linh", "Mai", "My", "Ngân",
                 "Nhung", "Phương", "Quyên", "Thảo", "Trang", "Vy", "Yến")
_UNIT_HEADERS = ("Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Cấp")
_MEMBER_HEADERS = ("Mã chi đoàn", "Họ và tên", "Ngày sinh", "Giới tính", "Số điện thoại", "Chức vụ", "Mã đoàn viên")


@dataclass(frozen=True, slots=True)
class SampleSize:
    """How many of each level; the default is the walk-through's 1 + 3 + 30 + 300 units and 9,000 members."""

    districts: int = 3
    grassroots_per_district: int = 10
    branches_per_grassroots: int = 10
    members_per_branch: int = 30


def write_sample(folder: Path, out: TextIO, size: SampleSize | None = None) -> tuple[Path, Path]:
    """Write `units.xlsx` and `members.xlsx` into `folder` (created if missing); return their paths."""
    size = size or SampleSize()
    folder.mkdir(parents=True, exist_ok=True)
    units = _units(size)
    branches = [row[0] for row in units if row[3] == "chi đoàn"]
    members = list(_members(branches, size.members_per_branch))
    units_path, members_path = folder / "units.xlsx", folder / "members.xlsx"
    _write(units_path, "Don vi", _UNIT_HEADERS, units, widths=(16, 40, 20, 14))
    # Dates, phones and member numbers stay text, as the template asks: Excel drops a phone's leading 0.
    _write(members_path, "Doan vien", _MEMBER_HEADERS, members, widths=(14, 28, 12, 10, 14, 12, 14),
           text_columns="CEG")
    out.write(f"{units_path}: {len(units)} units ({len(branches)} branches)\n"
              f"{members_path}: {len(members)} members\n")
    return units_path, members_path


def _units(size: SampleSize) -> list[tuple[str, str, str, str]]:
    rows = [("MAU-TD", "Tỉnh Đoàn Mẫu", "", "tỉnh/thành")]
    for d in range(size.districts):
        district = f"MAU-H{d + 1}"
        rows.append((district, _DISTRICTS[d % len(_DISTRICTS)] + ("" if d < len(_DISTRICTS) else f" {d + 1}"),
                     "MAU-TD", "huyện/quận"))
        for g in range(size.grassroots_per_district):
            grassroots = f"{district}-CS{g + 1:02d}"
            kind = _GRASSROOTS[g % len(_GRASSROOTS)]
            rows.append((grassroots, f"{kind} {_PLACES[g % len(_PLACES)]}", district, "đoàn cơ sở"))
            for b in range(size.branches_per_grassroots):
                name = f"Chi đoàn {'khu phố' if g % 2 == 0 else 'ấp'} {b + 1}"
                rows.append((f"{grassroots}-CD{b + 1:02d}", name, grassroots, "chi đoàn"))
    return rows


def _members(branches: list[str], per_branch: int) -> list[tuple[str, ...]]:
    rng = random.Random(11)
    rows: list[tuple[str, ...]] = []
    for b, branch in enumerate(branches):
        for m in range(per_branch):
            female = rng.random() < 0.52
            middle = rng.choice(_MIDDLE_FEMALE if female else _MIDDLE_MALE)
            given = rng.choice(_GIVEN_FEMALE if female else _GIVEN_MALE)
            name = f"{rng.choice(_FAMILY)} {middle} {given}"
            year = rng.randint(1991, 2010)
            born = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}" if rng.random() < 0.9 else str(year)
            serial = b * per_branch + m
            phone = f"09{serial:08d}" if rng.random() < 0.7 else ""
            position = "Bí thư" if m == 0 else "Phó Bí thư" if m == 1 else "Đoàn viên"
            number = f"{79_000_000_000 + serial:011d}" if rng.random() < 0.8 else ""
            rows.append((branch, name, born, "Nữ" if female else "Nam", phone, position, number))
    return rows


def _write(path: Path, title: str, headers: tuple[str, ...], rows: Sequence[tuple[str, ...]],
           widths: tuple[int, ...], text_columns: str = "") -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    for column in text_columns:
        for cell in sheet[column][1:]:
            cell.number_format = "@"
    sheet.freeze_panes = "A2"
    workbook.save(path)
