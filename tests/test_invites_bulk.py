"""`bot11 admin invites` and the invite card: one code per active branch of a subtree, made once and handed out
again while valid; invites.xlsx and the PNG cards read back (openpyxl, Pillow, and zxing-cpp decoding the QR
codes as a phone would); /moi sends the card."""

from __future__ import annotations

import argparse
import io
import unicodedata
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import zxingcpp
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import update
from sqlmodel import col, select

from bot.app import App, build_app
from bot.cli import main
from bot.imports.invites_bulk import add_invites_parser, make_invites
from bot.settings import Settings
from conversations.i18n import Catalogs
from conversations.invite_card import WIDTH, InviteCard, JoinLinks, render_card
from storage.invites import consume_invite, create_invite
from storage.models import Invite, RoleName, Unit
from storage.units import unit_by_code
from tests.conftest import Clock
from tests.evaluation_support import connect
from tests.transcript import Chat

BOT = "bot11_test_bot"
ZALO = "https://zalo.me/2384719283746"
HEADERS = ["Đơn vị cấp trên", "Chi đoàn", "Mã chi đoàn", "Mã mời", "Link Telegram", "Hết hạn", "Số lượt còn lại"]


@pytest.fixture
async def linked(settings: Settings, clock: Clock, demo: App) -> AsyncIterator[App]:
    """The demo organisation served by a bot whose Telegram username is configured."""
    app = build_app(settings.model_copy(update={"telegram_bot_username": f"@{BOT}"}), clock=clock)
    yield app
    await app.close()


async def run(app: App, folder: Path, *argv: str) -> tuple[int, str]:
    """Run `bot11 admin invites --out folder ARGV` on `app`; return the exit code and what it printed."""
    parser = argparse.ArgumentParser()
    add_invites_parser(parser.add_subparsers(dest="task"))
    out = io.StringIO()
    code = await make_invites(app, parser.parse_args(["invites", "--out", str(folder), *argv]), out)
    return code, out.getvalue()


def sheet_rows(folder: Path) -> list[list[object]]:
    sheet = load_workbook(folder / "invites.xlsx").active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def codes_by_branch(folder: Path) -> dict[str, str]:
    return {str(row[2]): str(row[3]) for row in sheet_rows(folder)[1:] if row[2]}


def decoded(png: bytes) -> list[str]:
    """Read every QR code in a PNG the way a phone's reader does, left to right."""
    with Image.open(io.BytesIO(png)) as image:
        found = zxingcpp.read_barcodes(image)
    return [result.text for result in sorted(found, key=lambda result: result.position.top_left.x)]


async def invites_of(app: App, unit_code: str) -> list[Invite]:
    async with app.sessions() as session:
        unit = await unit_by_code(session, code=unit_code)
        assert unit is not None
        return list((await session.exec(select(Invite).where(Invite.unit_id == unit.id)
                                        .order_by(col(Invite.id)))).all())


# --- made once, handed out again while valid


async def test_codes_are_made_once_and_reused_while_valid(linked: App, tmp_path: Path) -> None:
    code, out = await run(linked, tmp_path / "first", "--under", "QD-HB")
    assert code == 0
    assert out == f"Đã tạo 2 mã mới, dùng lại 2 mã còn hạn; đã ghi 5 tệp vào {tmp_path / 'first'}.\n"
    first = codes_by_branch(tmp_path / "first")
    # The demo's member codes of CD-KP1 and CD-KP2 are still valid, so they are the ones handed out.
    assert list(first) == ["CD-KP1", "CD-KP2", "CD-12A1", "CD-12A2"]  # by the unit above, in tree order
    assert first["CD-KP1"] == "DEMO-DOANVIEN" and first["CD-KP2"] == "DEMO-DOANVIEN2"
    code, out = await run(linked, tmp_path / "second", "--under", "qd-hb")
    assert (code, out) == (0, f"Đã tạo 0 mã mới, dùng lại 4 mã còn hạn; đã ghi 5 tệp vào {tmp_path / 'second'}.\n")
    assert codes_by_branch(tmp_path / "second") == first
    assert [invite.max_uses for invite in await invites_of(linked, "CD-12A1")] == [50]


@pytest.mark.parametrize("role, kp1_code, summary, kp2_uses", [
    ("member", "DEMO-DOANVIEN", "Đã tạo 0 mã mới, dùng lại 2 mã còn hạn", 1000),  # the demo's own code
    ("secretary", "DEMO-BITHU", "Đã tạo 1 mã mới, dùng lại 1 mã còn hạn", 1),  # made for one person only
])
async def test_only_a_code_of_the_same_role_is_reused(
    linked: App, tmp_path: Path, role: str, kp1_code: str, summary: str, kp2_uses: int
) -> None:
    code, out = await run(linked, tmp_path, "--under", "CS-PBA", "--role", role)
    codes = codes_by_branch(tmp_path)
    assert code == 0 and out.startswith(summary) and codes["CD-KP1"] == kp1_code
    kp2 = [invite for invite in await invites_of(linked, "CD-KP2") if invite.code == codes["CD-KP2"]]
    assert [(invite.role, invite.max_uses) for invite in kp2] == [(role, kp2_uses)]


async def test_the_code_that_lasts_longest_is_preferred(linked: App, clock: Clock, tmp_path: Path) -> None:
    async with linked.sessions() as session, session.begin():
        unit = await unit_by_code(session, code="CD-12A1")
        assert unit is not None and unit.id is not None
        for code, days in (("SOON2345", 3), ("LATER234", 90), ("USEDUP23", 200)):
            await create_invite(session, unit_id=unit.id, role=RoleName.MEMBER, code=code, max_uses=1,
                                expires_at=clock.now + timedelta(days=days), created_at=clock.now)
        assert await consume_invite(session, code="USEDUP23", now=clock.now)
    await run(linked, tmp_path, "--under", "CD-12A1")
    assert codes_by_branch(tmp_path) == {"CD-12A1": "LATER234"}


@pytest.mark.parametrize("how", ["expired", "used up"])
async def test_a_new_code_once_the_old_one_expired_or_is_used_up(
    linked: App, clock: Clock, tmp_path: Path, how: str
) -> None:
    await run(linked, tmp_path / "first", "--under", "CD-12A2", "--days", "1", "--uses", "1")
    (old,) = codes_by_branch(tmp_path / "first").values()
    if how == "expired":
        clock.advance(days=1, seconds=1)
    else:
        async with linked.sessions() as session, session.begin():
            assert await consume_invite(session, code=old, now=clock.now)
    code, out = await run(linked, tmp_path / "second", "--under", "CD-12A2")
    (new,) = codes_by_branch(tmp_path / "second").values()
    assert code == 0 and out.startswith("Đã tạo 1 mã mới, dùng lại 0 mã còn hạn")
    assert new != old and [invite.code for invite in await invites_of(linked, "CD-12A2")] == [old, new]


# --- which branches


async def test_only_active_branches_of_the_subtree(linked: App, tmp_path: Path) -> None:
    async with linked.sessions() as session, session.begin():
        await session.exec(update(Unit).where(col(Unit.code) == "CD-APT").values(active=False))
    code, out = await run(linked, tmp_path / "out", "--under", "HD-TS")
    assert code == 0 and out.startswith("Đã tạo 2 mã mới, dùng lại 0 mã còn hạn; đã ghi 3 tệp")
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["CD-APD.png", "CD-PX1.png", "invites.xlsx"]
    assert [row[:3] for row in sheet_rows(tmp_path / "out")[1:]] == [
        ["Đoàn xã Tân Lập", "Chi đoàn ấp Đông", "CD-APD"],
        ["Đoàn Công ty May Thành Công", "Chi đoàn Phân xưởng 1", "CD-PX1"]]
    assert await invites_of(linked, "CD-APT") == []


@pytest.mark.parametrize("under, printed", [
    ("CD-NOPE", "Không có đơn vị nào mã CD-NOPE; xem danh sách mã bằng `bot11 admin tree`.\n"),
    ("CD-KP1\u0301🙂", "Không có đơn vị nào mã CD-KP1\u0301🙂; xem danh sách mã bằng `bot11 admin tree`.\n"),
    ("x" * 4000, f"Không có đơn vị nào mã {'x' * 4000}; xem danh sách mã bằng `bot11 admin tree`.\n"),
], ids=["unknown", "emoji-and-combining-mark", "4000-chars"])
async def test_an_unknown_unit_is_named_and_nothing_is_made(
    linked: App, tmp_path: Path, under: str, printed: str
) -> None:
    assert await run(linked, tmp_path / "out", "--under", under) == (2, printed)
    assert not (tmp_path / "out").exists()
    assert len(await invites_of(linked, "CD-12A1")) == 0


async def test_a_unit_without_active_branches_and_bad_numbers_are_refused(linked: App, tmp_path: Path) -> None:
    async with linked.sessions() as session, session.begin():
        await session.exec(update(Unit).where(col(Unit.code).in_(["CD-12A1", "CD-12A2"])).values(active=False))
    assert await run(linked, tmp_path / "out", "--under", "CS-LL") == (
        2, "Dưới CS-LL Đoàn trường THPT Lê Lợi không có chi đoàn nào đang hoạt động, nên không có mã mời nào "
           "được tạo.\n")
    assert await run(linked, tmp_path / "out", "--under", "CS-PBA", "--days", "0") == (
        2, "--days và --uses phải từ 1 trở lên.\n")
    assert not (tmp_path / "out").exists()


def test_the_command_line_is_wired(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    assert main(["admin", "seed-demo"]) == 0
    capsys.readouterr()
    assert main(["admin", "invites", "--under", "CS-MTC", "--out", "cards", "--locale", "en"]) == 0
    assert capsys.readouterr().out == (
        "Note: TELEGRAM_BOT_USERNAME is not set, so the QR codes hold only the invite code, not a link to the bot; "
        "people invited must send /start with the code to the bot themselves.\n"
        "Made 1 new codes, reused 0 still valid; wrote 2 files to cards.\n")
    assert sheet_rows(tmp_path / "cards")[0][:4] == ["Unit above", "Branch", "Branch code", "Invite code"]
    assert main(["admin", "invites", "--under", "NOPE", "--out", "cards"]) == 2


# --- what the files hold


async def test_the_workbook_reads_back(linked: App, clock: Clock, tmp_path: Path) -> None:
    await run(linked, tmp_path, "--under", "CS-LL", "--uses", "40")
    sheet = load_workbook(tmp_path / "invites.xlsx").active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADERS and len(rows) == 3
    codes = codes_by_branch(tmp_path)
    assert rows[1] == ["Đoàn trường THPT Lê Lợi", "Chi đoàn lớp 12A1", "CD-12A1", codes["CD-12A1"],
                       f"https://t.me/{BOT}?start={codes['CD-12A1']}", rows[1][5], 40]
    assert isinstance(rows[1][5], datetime) and rows[1][5].date() == date(2026, 12, 24)  # a date cell, not text
    assert sheet.freeze_panes == "A2" and all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["B"].width == 38 and sheet.cell(2, 6).number_format == "DD/MM/YYYY"
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"


async def test_without_a_bot_username_the_qr_holds_the_code_and_the_sheet_says_so(
    demo: App, tmp_path: Path
) -> None:
    code, out = await run(demo, tmp_path, "--under", "CD-PX1")
    assert code == 0 and out.startswith("Chú ý: chưa đặt TELEGRAM_BOT_USERNAME")
    rows = sheet_rows(tmp_path)
    (invite,) = await invites_of(demo, "CD-PX1")
    assert rows[1][3:5] == [invite.code, None]
    assert rows[-1][0] == ("Chưa cấu hình tên bot Telegram nên chưa có link: mã QR trong ảnh chỉ chứa mã mời. "
                           "Người được mời nhắn /batdau kèm mã mời cho bot.")
    assert decoded((tmp_path / "CD-PX1.png").read_bytes()) == [invite.code]


async def test_a_card_per_branch_with_the_telegram_link_and_the_zalo_link(
    settings: Settings, clock: Clock, demo: App, tmp_path: Path
) -> None:
    both = build_app(settings.model_copy(update={"telegram_bot_username": BOT, "zalo_bot_link": ZALO}), clock=clock)
    try:
        await run(both, tmp_path, "--under", "CS-TL")
    finally:
        await both.close()
    codes = codes_by_branch(tmp_path)
    for branch, code in codes.items():
        with Image.open(tmp_path / f"{branch}.png") as image:
            assert (image.format, image.mode, image.width) == ("PNG", "L", WIDTH) and 1200 < image.height < 1800
        assert decoded((tmp_path / f"{branch}.png").read_bytes()) == [f"https://t.me/{BOT}?start={code}", ZALO]
    rows = sheet_rows(tmp_path)
    assert rows[0][5] == "Link Zalo" and rows[1][5] == ZALO
    assert rows[-1][0] == "Trên Zalo: mở link Zalo của bot rồi nhắn /batdau kèm mã mời của chi đoàn."


# --- the card itself

T = Catalogs(default="vi").get("vi")
LINKS = JoinLinks.of(f"@{BOT}", None)


def card(branch: str, parent: str | None = "Đoàn phường Bình An") -> bytes:
    return render_card(T, InviteCard(branch=branch, parent=parent, code="K7PQ4MZT",
                                     expires=date(2026, 12, 24)), LINKS)


def height(png: bytes) -> int:
    with Image.open(io.BytesIO(png)) as image:
        return image.height


def test_a_decomposed_name_draws_exactly_as_the_composed_one() -> None:
    name = "Chi đoàn Khu phố Đông Hưng Thuận"
    assert card(unicodedata.normalize("NFD", name)) == card(name)


def test_an_emoji_in_a_name_keeps_the_card_as_it_is() -> None:
    png = card("Chi đoàn 🎉 Thanh niên")
    assert height(png) == height(card("Chi đoàn 1"))
    assert decoded(png) == [f"https://t.me/{BOT}?start=K7PQ4MZT"]


def test_long_names_wrap_and_stop_at_four_lines() -> None:
    short, wrapped = height(card("Chi đoàn 1")), height(card("Chi đoàn " + "Khu phố Bình Thạnh " * 3))
    (capped,) = {height(png) for png in (card("Chi đoàn " + "Khu phố Bình Thạnh " * 200),
                                         card("Chiđoàn" + "x" * 300), card("x" * 4000))}
    assert short < wrapped < capped
    assert decoded(card("x" * 4000)) == [f"https://t.me/{BOT}?start=K7PQ4MZT"]


def test_a_card_without_a_unit_above_is_shorter_and_still_reads() -> None:
    assert height(card("Chi đoàn 1", parent=None)) < height(card("Chi đoàn 1"))
    assert decoded(card("Chi đoàn 1", parent=None)) == [f"https://t.me/{BOT}?start=K7PQ4MZT"]


# --- /moi


@pytest.mark.parametrize("username", [BOT, None], ids=["with-username", "without"])
async def test_moi_sends_the_card(settings: Settings, clock: Clock, demo: App, username: str | None) -> None:
    await connect(demo, "bt", unit_code="CD-KP2", role=RoleName.SECRETARY, now=clock.now)
    app = build_app(settings.model_copy(update={"telegram_bot_username": username}), clock=clock)
    try:
        texts = await (chat := Chat(app.engine)).say("bt", "/moi")
    finally:
        await app.close()
    code = texts[0].split(": ", 1)[1].split("\n", 1)[0]
    replies = chat.last["bt"]
    assert [reply.attachment is not None for reply in replies] == [False] * (len(replies) - 1) + [True]
    attachment = replies[-1].attachment
    assert attachment is not None
    assert (attachment.filename, attachment.mime_type) == (f"ma-moi-{code}.png", "image/png")
    assert decoded(attachment.content) == [f"https://t.me/{BOT}?start={code}" if username else code]
    assert len(texts) == (2 if username else 1)
