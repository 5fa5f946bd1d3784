"""README's "Đưa tổ chức của bạn lên Bot 1+1", end to end on an empty database: a made-up organisation's two
workbooks (bot11 admin sample-org, smaller) are previewed, imported, imported again with no change; invite
codes and QR cards are written for its branches; a member joins through their branch's code and is matched to
their roster row; an officer's report counts the roster, and keeps counting it through a transfer, a merge and a
member leaving the Union."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import col, func, select

from bot.app import App
from bot.cli import main
from bot.imports.sample import SampleSize, write_sample
from storage.models import ChatIdentity, Member, MemberStatus, Unit
from tests.joining import join_listed, join_officer
from tests.transcript import Chat

# 1 province, 2 districts, 4 Đoàn cơ sở, 8 branches of 5 members: 15 units, 40 members.
SIZE = SampleSize(districts=2, grassroots_per_district=2, branches_per_grassroots=2, members_per_branch=5)
BRANCH, OTHER_BRANCH = "MAU-H1-CS01-CD01", "MAU-H1-CS01-CD02"


@pytest.fixture
def admin_env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Path:
    """Point the command line at the test's database; return a folder for its files."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return tmp_path


async def admin(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run `bot11 admin ARGV` (in a thread: it runs its own event loop); return its exit code and output."""
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["admin", *argv])
    return code, capsys.readouterr().out


async def count(app: App, *where: object) -> int:
    async with app.sessions() as session:
        query = select(func.count()).select_from(Member).where(*where)  # type: ignore[arg-type]
        return (await session.exec(query)).one()


async def unit_count(app: App) -> int:
    async with app.sessions() as session:
        return (await session.exec(select(func.count()).select_from(Unit))).one()


def member_line(report: Sequence[str]) -> str:
    return next(line for text in report for line in text.splitlines() if line.startswith("• Đoàn viên:"))


async def test_an_organisation_goes_live_from_its_spreadsheets(
    app: App, chat: Chat, admin_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    units_file, members_file = write_sample(admin_env / "mau", io.StringIO(), SIZE)

    code, out = await admin(capsys, "import-units", str(units_file))
    assert code == 0 and "15 tạo mới" in out and "chưa ghi gì" in out
    assert await unit_count(app) == 0  # a dry run writes nothing
    code, out = await admin(capsys, "import-units", str(units_file), "--apply")
    assert code == 0 and "Đã ghi 15 thay đổi." in out
    code, out = await admin(capsys, "import-units", str(units_file), "--apply")
    assert code == 0 and "Đã ghi 0 thay đổi." in out and await unit_count(app) == 15

    code, out = await admin(capsys, "import-members", str(members_file))
    assert code == 0 and "40 thêm mới" in out and await count(app) == 0
    code, out = await admin(capsys, "import-members", str(members_file), "--apply")
    assert code == 0 and await count(app, col(Member.status) == MemberStatus.ACTIVE) == 40
    code, out = await admin(capsys, "import-members", str(members_file), "--apply")
    assert code == 0 and "Đã ghi 0 thay đổi." in out and await count(app) == 40

    cards = admin_env / "moi"
    code, out = await admin(capsys, "invites", "--under", "MAU-TD", "--role", "member", "--out", str(cards))
    assert code == 0
    assert sorted(path.stem for path in cards.glob("*.png")) == sorted(
        f"MAU-H{d}-CS{g:02d}-CD{b:02d}" for d in (1, 2) for g in (1, 2) for b in (1, 2))
    sheet = load_workbook(cards / "invites.xlsx").active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, (cell.value for cell in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    invite = next(row["Mã mời"] for row in rows if row["Mã chi đoàn"] == BRANCH)

    roster = load_workbook(members_file).active
    assert roster is not None
    listed = [row for row in roster.iter_rows(min_row=2, values_only=True) if row[0] == BRANCH]
    names = [row[1] for row in listed]
    name, born = next((row[1], str(row[2])[-4:]) for row in listed if names.count(row[1]) == 1)
    assert await join_listed(chat, "an", str(invite), name, born) == [
        f"Xong! {name} đã tham gia Chi đoàn khu phố 1 trên Bot 1+1. Gõ /trogiup để xem bạn làm được gì tiếp theo."]
    async with app.sessions() as session:
        linked = (await session.exec(
            select(Member).join(ChatIdentity, col(ChatIdentity.member_id) == Member.id)
            .where(ChatIdentity.external_id == "an"))).one()
    assert (linked.full_name, linked.status) == (name, MemberStatus.ACTIVE)
    assert await count(app) == 40  # matched to their row: nobody new

    code, out = await admin(capsys, "invite", "--unit", "MAU-TD", "--role", "officer")
    assert code == 0
    await join_officer(chat, "cb", out.split()[0])
    assert member_line(await chat.say("cb", "/baocao")).startswith("• Đoàn viên: 40;")
    assert await count(app) == 41 and await count(app, col(Member.status) == MemberStatus.STAFF) == 1

    moving = next(row[6] for row in listed if row[6])
    code, out = await admin(capsys, "transfer", str(moving), "--to", OTHER_BRANCH)
    assert code == 0
    code, out = await admin(capsys, "merge-units", "MAU-H1-CS02", "--into", "MAU-H1-CS01")
    assert code == 0
    assert member_line(await chat.say("cb", "/baocao")).startswith("• Đoàn viên: 40;")
    assert member_line(await chat.say("cb", "/baocao MAU-H1-CS01")).startswith("• Đoàn viên: 20;")
    code, out = await admin(capsys, "leave", str(moving), "--reason", "matured")
    assert code == 0
    assert member_line(await chat.say("cb", "/baocao")).startswith("• Đoàn viên: 39;")
