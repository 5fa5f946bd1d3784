"""Roster import speed on SQLite: 200,000 members in under 60 s, from a .csv and from an .xlsx file.

Builds a province in a fresh SQLite database in a temporary folder (1 province, 10 districts, 200 Đoàn cơ sở,
6,667 branches of 30 members), writes a roster file of made-up members (names, birth dates, a tenth with only
the year, phones for two thirds, member numbers, a Bí thư and a Phó Bí thư per branch), and times
`bot11 admin import-members FILE --apply` on it, the way the operator runs it: reading and checking every row,
matching against the (empty) rosters of the branches, inserting through the report triggers, granting the
secretaries. Then it times the same file again, which must find 0 changes. Each format gets a database of its
own, copied from the one with the unit tree. On a terminal the command's progress bar is shown.

    .venv/bin/python bench/import_members.py [--rows 200000] [--formats csv,xlsx] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import random
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import build_app
from bot.imports.roster import import_members
from bot.settings import Settings
from storage.db import create_engine, session_factory
from storage.migrate import upgrade_to_head
from storage.models import UnitKind
from storage.units import add_unit

GOAL_SECONDS = 60.0
DISTRICTS, GRASSROOTS, MEMBERS_PER_BRANCH = 10, 200, 30
HEADER = ("Mã chi đoàn", "Họ và tên", "Ngày sinh", "Giới tính", "Số điện thoại", "Chức vụ", "Mã đoàn viên")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Minh", "Ngọc", "Quốc", "Thanh", "Hoài", "Gia", "Đức", "Thu", "Hữu", "Khánh")
GIVEN = ("An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hiếu", "Khánh", "Lan", "Long", "Mai", "Nam", "Phúc",
         "Quyên", "Sơn", "Tâm", "Thảo", "Trung", "Uyên", "Vy", "Yến", "Hương", "Tuấn", "Linh")


def branch_codes(rows: int) -> list[str]:
    return [f"CD{b:05d}" for b in range(-(-rows // MEMBERS_PER_BRANCH))]


def roster_rows(rows: int, seed: int = 11) -> list[tuple[str, ...]]:
    """Made-up members, 30 to a branch; every (branch, name, birth) is a different person."""
    rng = random.Random(seed)
    first_day = date(1992, 1, 1)
    out = []
    for i in range(rows):
        branch, seat = divmod(i, MEMBERS_PER_BRANCH)
        born = first_day + timedelta(days=rng.randrange(17 * 365))
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        position = "Bí thư" if seat == 0 else "Phó Bí thư" if seat == 1 else "Đoàn viên"
        phone = f"09{i:08d}" if i % 3 else ""
        out.append((f"CD{branch:05d}", name, str(born.year) if i % 10 == 7 else f"{born:%d/%m/%Y}",
                    rng.choice(("Nam", "Nữ")), phone, position, f"DV{i:08d}"))
    return out


def write_csv(path: Path, rows: list[tuple[str, ...]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)


def write_xlsx(path: Path, rows: list[tuple[str, ...]]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Doan vien")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


async def build_tree(url: str, branches: list[str]) -> None:
    engine = create_engine(url)
    try:
        await upgrade_to_head(engine)
        async with session_factory(engine)() as session, session.begin():
            province = await add_unit(session, code="TD-BENCH", name="Tỉnh Đoàn Đo Tốc Độ", kind=UnitKind.PROVINCE)
            districts = [await add_unit(session, code=f"HD{d:02d}", name=f"Huyện Đoàn {d}", kind=UnitKind.DISTRICT,
                                        parent=province) for d in range(DISTRICTS)]
            grassroots = [await add_unit(session, code=f"CS{g:03d}", name=f"Đoàn xã {g}", kind=UnitKind.GRASSROOTS,
                                         parent=districts[g % DISTRICTS]) for g in range(GRASSROOTS)]
            for b, code in enumerate(branches):
                await add_unit(session, code=code, name=f"Chi đoàn {b}", kind=UnitKind.BRANCH,
                               parent=grassroots[b % GRASSROOTS])
    finally:
        await engine.dispose()


class Screen(io.StringIO):
    """Keeps what the command writes and shows it on the terminal too, which the progress bar needs."""

    def __init__(self, terminal: TextIO) -> None:
        super().__init__()
        self.terminal = terminal

    def write(self, text: str) -> int:
        if self.terminal.isatty():
            self.terminal.write(text)
        return super().write(text)

    def isatty(self) -> bool:
        return self.terminal.isatty()


async def timed_import(url: str, path: Path) -> tuple[float, float, int, str]:
    """Run the import with --apply; return the seconds on the clock and of CPU (this process: Python and the
    SQLite thread; the clock alone misleads on a busy machine), the exit code and the command's first and last
    lines."""
    app = build_app(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    await app.prepare()
    args = argparse.Namespace(file=path, apply=True, mark_missing_inactive=False, full=False, locale=None)
    screen = Screen(sys.stdout)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        code = await import_members(app, args, screen)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await app.close()
    lines = screen.getvalue().strip().splitlines()
    return seconds, cpu, code, f"{lines[0]} … {lines[-1]}" if lines else ""


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--formats", default="csv,xlsx", help="comma-separated: csv, xlsx")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bot11-bench-import-"))
    try:
        branches = branch_codes(options.rows)
        started = time.perf_counter()
        template = folder / "tree.db"
        await build_tree(f"sqlite+aiosqlite:///{template}", branches)
        print(f"unit tree: {1 + DISTRICTS + GRASSROOTS + len(branches):,} units ({len(branches):,} branches) "
              f"in {time.perf_counter() - started:.1f} s")
        rows = roster_rows(options.rows)
        for kind in options.formats.split(","):
            path = folder / f"members.{kind}"
            started = time.perf_counter()
            (write_csv if kind == "csv" else write_xlsx)(path, rows)
            print(f"\n{path.name}: {options.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB, written in "
                  f"{time.perf_counter() - started:.1f} s")
            database = folder / f"{kind}.db"
            shutil.copyfile(template, database)
            url = f"sqlite+aiosqlite:///{database}"
            for run in ("first import", "same file again"):
                seconds, cpu, code, said = await timed_import(url, path)
                verdict = "OK" if seconds < GOAL_SECONDS and code == 0 else "MISSED"
                print(f"{kind} {run}: {seconds:.1f} s ({cpu:.1f} s CPU), {options.rows / seconds:,.0f} rows/s "
                      f"(goal < {GOAL_SECONDS:.0f} s: {verdict}); exit {code}; {said}")
    finally:
        if options.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder)


if __name__ == "__main__":
    asyncio.run(main())
