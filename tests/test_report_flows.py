"""Transcripts of /baocao, /xephang, /chamnop, /chitieu on the demo organisation with some "1+1" data, the
files they attach, who may see what, ugly input, and the `bot11 report` command line."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import openpyxl
import pytest
from sqlmodel import col, select

from bot.app import App
from bot.cli import main
from storage.models import Evaluation, Member, Participation, Survey, Unit, Youth
from tests.conftest import Clock
from tests.joining import join
from tests.transcript import Chat

PNG_MAGIC = b"\x89PNG"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _members(app: App, code: str) -> list[int]:
    async with app.sessions() as session:
        query = select(Member.id).join(Unit, col(Unit.id) == Member.unit_id).where(Unit.code == code)
        return sorted((await session.exec(query)).all())


async def _unit_id(app: App, code: str) -> int:
    async with app.sessions() as session:
        return (await session.exec(select(Unit.id).where(Unit.code == code))).one()


def _youth(member: int, unit: int, at: datetime, **extra: object) -> Youth:
    values: dict[str, object] = {"full_name": "Thanh Niên", "name_key": "thanh nien", "birth_year": 2005,
                                 "gender": "female", "group_code": "residential", "introduced_to": "doan",
                                 "introduced_by": member, "unit_id": unit, "introduced_at": at, "consent_at": at,
                                 "status": "introduced", "status_at": at, **extra}
    return Youth(**values)  # type: ignore[arg-type]


@pytest.fixture
async def data(demo: App) -> App:
    """Four young people introduced in 2026-H2 by three members, one admitted; evaluations of 2026-H1 (one on
    time, one late); a survey of Chi đoàn Khu phố 1."""
    kp1, a1 = await _members(demo, "CD-KP1"), await _members(demo, "CD-12A1")
    kp1_id, kp2_id, a1_id = [await _unit_id(demo, c) for c in ("CD-KP1", "CD-KP2", "CD-12A1")]
    h2 = datetime(2026, 8, 1, 3, tzinfo=UTC)
    async with demo.sessions() as session, session.begin():
        session.add_all([
            _youth(kp1[0], kp1_id, h2), _youth(kp1[0], kp1_id, h2, gender="male", birth_year=1999),
            _youth(kp1[1], kp1_id, h2, group_code="student", ethnicity="tay"),
            _youth(kp1[2], kp1_id, datetime(2026, 3, 1, tzinfo=UTC)),
        ])
        admitted = _youth(a1[0], a1_id, h2, status="admitted", group_code="student")
        session.add(admitted)
        await session.flush()
        for kind, day in (("activity", date(2026, 9, 10)), ("admitted", date(2026, 10, 1))):
            session.add(Participation(youth_id=admitted.id, kind=kind, on_date=day, recorded_by=a1[0],  # type: ignore[arg-type]
                                      recorded_at=h2))
        session.add_all([
            Evaluation(period="2026-H1", unit_id=kp1_id, submitted_by=kp1[0], updated_at=h2,
                       submitted_at=datetime(2026, 7, 5, 3, tzinfo=UTC)),
            Evaluation(period="2026-H1", unit_id=kp2_id, updated_at=h2,
                       submitted_at=datetime(2026, 7, 15, 3, tzinfo=UTC)),
            Survey(period="2026-H2", unit_id=kp1_id, youth_population=20, recorded_at=h2),
        ])
    return demo


async def _join(chat: Chat, user: str, code: str) -> None:
    """Join as Trần Thị Bích: an officer with the district's code, else someone not on the branch's roster."""
    await join(chat, user, code, "Trần Thị Bích", "1995")


def _attachments(chat: Chat, user: str) -> dict[str, bytes]:
    return {r.attachment.mime_type: r.attachment.content for r in chat.last[user] if r.attachment is not None}


async def test_district_officer_gets_summary_chart_and_workbook(data: App, chat: Chat) -> None:
    await _join(chat, "cb", "DEMO-QUANDOAN")
    texts = await chat.say("cb", "/baocao")
    assert texts[0] == "Đang tổng hợp số liệu của Quận Đoàn Hòa Bình, 6 tháng cuối năm 2026…"
    summary = texts[1]
    assert "Quận Đoàn Hòa Bình — 6 tháng cuối năm 2026" in summary
    # The roster's 24 members: the officer reading the report is no member of the district (issue 10).
    assert "• Đoàn viên: 24; đã giới thiệu ít nhất 1 thanh niên: 3 (12,5%)" in summary
    assert "• Thanh niên được giới thiệu: 4 (nam 1, nữ 3)" in summary
    assert "Dân tộc thiểu số: <5; có tôn giáo: <5" in summary  # 1 and 0 of 4 people: hidden (issue 12)
    assert "• Tham gia sinh hoạt: 1; vào Hội: 0; kết nạp Đoàn: 1" in summary
    assert "1. Đoàn phường Bình An — 16,7% (2/12), kết nạp 0" in summary
    assert "2. Đoàn trường THPT Lê Lợi — 8,3% (1/12), kết nạp 1" in summary
    # Khu phố 1 surveyed 20 young people; reached = its 6 members (no youth there is taking part yet).
    assert "Tỷ lệ tập hợp thanh niên: 30,0% (chưa đạt mục tiêu 70%; 6/20 thanh niên ở 1 đơn vị đã khảo sát)" in summary
    files = _attachments(chat, "cb")
    assert files["image/png"].startswith(PNG_MAGIC)
    assert chat.choices("cb") == ["Đoàn phường Bình An", "Đoàn trường THPT Lê Lợi", "Xong"]  # nothing above QD-HB
    book = openpyxl.load_workbook(io.BytesIO(files[XLSX]))
    sheet = book.worksheets[0]
    assert sheet["A5"].value == "BÁO CÁO KẾT QUẢ THỰC HIỆN CHỦ TRƯƠNG “1+1”"
    assert sheet.freeze_panes == "C9"
    assert [sheet.cell(8, c).value for c in (1, 2, 3, 5)] == ["STT", "Đơn vị", "Số đoàn viên", "Tỷ lệ thực hiện 1+1"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=9, max_col=5)]
    assert rows[0][:4] == [1, "Đoàn phường Bình An", 12, 2]
    assert rows[0][4] == pytest.approx(2 / 12) and sheet["E9"].number_format == "0.0%"
    assert rows[-1][1] == "Tổng cộng" and rows[-1][2] == 24 and rows[-1][4] == pytest.approx(3 / 24)
    # No row for the district itself: nothing is registered there, the officer's record is no member (issue 10).
    assert [row[1] for row in rows] == ["Đoàn phường Bình An", "Đoàn trường THPT Lê Lợi", "Tổng cộng"]


async def test_choosing_a_child_drills_down_and_up(data: App, chat: Chat) -> None:
    await _join(chat, "cb", "DEMO-QUANDOAN")
    await chat.say("cb", "/baocao")
    texts = await chat.press("cb", "Đoàn phường Bình An")
    assert "Đoàn phường Bình An — 6 tháng cuối năm 2026" in texts[1]
    assert "1. Chi đoàn Khu phố 1 — 50,0% (3/6), kết nạp 0" not in texts[1]  # the H1 introduction does not count
    assert "1. Chi đoàn Khu phố 1 — 33,3% (2/6), kết nạp 0" in texts[1]
    assert chat.choices("cb") == ["Chi đoàn Khu phố 1", "Chi đoàn Khu phố 2", "⬆ Lên Quận Đoàn Hòa Bình", "Xong"]
    texts = await chat.say("cb", "3")  # typed number on a text channel
    assert "Quận Đoàn Hòa Bình — 6 tháng cuối năm 2026" in texts[1]
    assert await chat.press("cb", "Xong") == ["Đã xong. Gõ /baocao khi cần xem lại."]


async def test_year_and_half_year_periods(data: App, chat: Chat) -> None:
    await _join(chat, "cb", "DEMO-QUANDOAN")
    year = (await chat.say("cb", "/baocao CD-KP1 2026"))[1]
    assert "Chi đoàn Khu phố 1 — năm 2026" in year
    assert "đã giới thiệu ít nhất 1 thanh niên: 3 (50,0%)" in year
    # A year counts each branch twice, once per half-year evaluation.
    assert "Đánh giá 6 tháng: 1/2 bản đánh giá của chi đoàn đã nộp (50,0%), đúng hạn 1 (50,0%)" in year
    h1 = (await chat.say("cb", "/baocao 2026-h1 cd-kp1"))[1]
    assert "6 tháng đầu năm 2026" in h1 and "đã giới thiệu ít nhất 1 thanh niên: 1 (16,7%)" in h1
    assert "Đánh giá 6 tháng: 1/1 chi đoàn đã nộp (100,0%), đúng hạn 1 (100,0%)" in h1


async def test_english_report(data: App, chat: Chat) -> None:
    await _join(chat, "cb", "DEMO-QUANDOAN")
    await chat.say("cb", "/ngonngu en")
    texts = await chat.say("cb", "/report")
    assert "Quận Đoàn Hòa Bình — second half of 2026" in texts[1]
    assert "• Members: 24; introduced at least one young person: 3 (12.5%)" in texts[1]
    assert "• Semiannual evaluations: 0/4 branches submitted (0.0%), on time 0 (0.0%)" in texts[1]
    assert (await chat.say("cb", "/overdue 2026-H2"))[0].startswith(
        "Quận Đoàn Hòa Bình: 4 branches have not yet submitted their evaluation for the second half of 2026, "
        "due 10 Jan 2027:")  # written like every other English date (it was the only one in dd/mm/yyyy)


@pytest.mark.parametrize(("invite", "ask", "expected"), [
    ("DEMO-BITHU", "/baocao", "Chi đoàn Khu phố 1 — 6 tháng cuối năm 2026"),
    ("DEMO-BITHU", "/baocao QD-HB", "Không tìm thấy đơn vị QD-HB trong phạm vi bạn phụ trách."),
    ("DEMO-BITHU", "/baocao CD-KP2", "Không tìm thấy đơn vị CD-KP2 trong phạm vi bạn phụ trách."),
    ("DEMO-QUANDOAN", "/baocao TD-AL", "Không tìm thấy đơn vị TD-AL trong phạm vi bạn phụ trách."),
    ("DEMO-QUANDOAN", "/baocao CS-TL", "Không tìm thấy đơn vị CS-TL trong phạm vi bạn phụ trách."),
    ("DEMO-QUANDOAN", "/baocao NOPE", "Không tìm thấy đơn vị NOPE trong phạm vi bạn phụ trách."),
    ("DEMO-DOANVIEN", "/baocao", "Lệnh này dành cho cán bộ đoàn"),
    ("DEMO-DOANVIEN", "/xephang", "Lệnh này dành cho cán bộ đoàn"),
    ("DEMO-BITHU", "/chitieu", "Lệnh này dành cho cán bộ đoàn"),
], ids=["secretary-own-branch", "secretary-district", "secretary-other-branch", "officer-parent",
        "officer-other-district", "unknown-code", "member-report", "member-ranking", "secretary-targets"])
async def test_scope(data: App, chat: Chat, invite: str, ask: str, expected: str) -> None:
    await _join(chat, "u", invite)
    texts = await chat.say("u", ask)
    assert any(expected in text for text in texts)
    if "Không tìm thấy" in expected or "dành cho" in expected:
        assert len(texts) == 1 and all(r.attachment is None for r in chat.last["u"])


async def test_stranger_gets_no_report(data: App, chat: Chat) -> None:
    texts = await chat.say("x", "/baocao QD-HB")
    assert texts == ["Lệnh này dành cho cán bộ đoàn có thẩm quyền, tài khoản của bạn chưa được giao quyền này."]


@pytest.mark.parametrize("args", [
    "QD-HB 2026-H3", "QD-HB 2026 2027", "Quận Đoàn Hòa Bình", "'; DROP TABLE unit; --", "😀", "x" * 4000,
    "QD-HB QD-HB", "2026-H1 2026-H2",
], ids=["bad-half", "three-words", "name-not-code", "sql", "emoji", "4000-chars", "two-codes", "two-periods"])
async def test_ugly_arguments_get_the_usage(data: App, chat: Chat, args: str) -> None:
    await _join(chat, "cb", "DEMO-QUANDOAN")
    texts = await chat.say("cb", f"/baocao {args}")
    assert texts == [texts[0]] and texts[0].startswith("Bot chưa hiểu yêu cầu.")


async def test_nfd_code_and_period_are_read(data: App, chat: Chat) -> None:
    await _join(chat, "cb", "DEMO-QUANDOAN")
    texts = await chat.say("cb", "/baocao  cs-pba   2026-H2 ")
    assert "Đoàn phường Bình An — 6 tháng cuối năm 2026" in texts[1]


async def test_forged_drill_payload_is_refused(data: App, chat: Chat) -> None:
    await _join(chat, "cb", "DEMO-QUANDOAN")
    await chat.say("cb", "/baocao")
    ts_id = await _unit_id(data, "HD-TS")
    version = chat.payload("cb", "Xong").split(".")[0]
    texts = await chat.send(chat.inbound("cb", choice=f"{version}.u{ts_id}"))
    assert texts == ["Nút này đã cũ hoặc không còn dùng được. Bạn xem tin nhắn mới nhất của bot, "
                     "hoặc gõ /trogiup để bắt đầu lại."]


async def test_ranking(data: App, chat: Chat) -> None:
    await _join(chat, "cb", "DEMO-QUANDOAN")
    texts = await chat.say("cb", "/xephang")
    assert texts == ["🏆 Xếp hạng thực hiện “1+1” — Quận Đoàn Hòa Bình, 6 tháng cuối năm 2026:\n"
                     "1. Đoàn phường Bình An — 16,7% (2/12 đoàn viên), kết nạp 0\n"
                     "2. Đoàn trường THPT Lê Lợi — 8,3% (1/12 đoàn viên), kết nạp 1"]
    assert (await chat.say("cb", "/xephang CD-KP1")) == [
        "Chi đoàn Khu phố 1 không có đơn vị trực thuộc để xếp hạng. Gõ /baocao để xem báo cáo của đơn vị."]


async def test_overdue_lists_missing_and_late_branches(data: App, chat: Chat) -> None:
    await _join(chat, "cb", "DEMO-QUANDOAN")
    texts = await chat.say("cb", "/chamnop")
    assert texts == ["⏰ Quận Đoàn Hòa Bình: 3 chi đoàn chưa nộp hoặc nộp trễ đánh giá 6 tháng đầu năm 2026 "
                     "(hạn chót 10/07/2026):\n"
                     "• Chi đoàn Khu phố 2 (Đoàn phường Bình An) — nộp trễ ngày 15/07/2026\n"
                     "• Chi đoàn lớp 12A1 (Đoàn trường THPT Lê Lợi) — chưa nộp\n"
                     "• Chi đoàn lớp 12A2 (Đoàn trường THPT Lê Lợi) — chưa nộp"]
    pending = await chat.say("cb", "/chamnop 2026-H2")
    assert pending[0].startswith("Quận Đoàn Hòa Bình: 4 chi đoàn chưa nộp đánh giá 6 tháng cuối năm 2026, "
                                 "hạn chót 10/01/2027:")
    assert await chat.say("cb", "/chamnop 2026") == [
        "Đánh giá được làm theo từng 6 tháng. Bạn gõ kỳ dạng 2026-H1 hoặc 2026-H2."]


async def test_secretary_sees_only_their_branch_late(data: App, chat: Chat) -> None:
    await _join(chat, "bt", "DEMO-BITHU")
    texts = await chat.say("bt", "/chamnop")
    assert texts == ["✅ Chi đoàn Khu phố 1: tất cả chi đoàn đã nộp đánh giá 6 tháng đầu năm 2026 đúng hạn "
                     "(10/07/2026)."]


async def test_officer_sets_a_target_and_the_report_shows_it(data: App, chat: Chat, clock: Clock) -> None:
    await _join(chat, "cb", "DEMO-QUANDOAN")
    texts = await chat.say("cb", "/chitieu")
    assert texts[0] == ("🎯 Chỉ tiêu năm 2026 của các đơn vị thuộc Quận Đoàn Hòa Bình:\n"
                        "• Đoàn phường Bình An — chưa giao\n• Đoàn trường THPT Lê Lợi — chưa giao")
    await chat.press("cb", "Đoàn trường THPT Lê Lợi")
    await chat.press("cb", "Kết nạp đoàn viên mới")
    retry = await chat.say("cb", "mười hai")
    assert retry[0] == "Chỉ tiêu phải là một số nguyên từ 0 đến 10.000.000."
    assert await chat.say("cb", "1.200") == [
        "Đã giao chỉ tiêu “Kết nạp đoàn viên mới” năm 2026 cho Đoàn trường THPT Lê Lợi: 1.200."]
    texts = await chat.say("cb", "/baocao CS-LL")
    assert "• Kết nạp đoàn viên mới so với chỉ tiêu: 1/1.200 (0,1%)" in texts[1]
    again = await chat.say("cb", "/chitieu")
    assert "• Đoàn trường THPT Lê Lợi — Kết nạp đoàn viên mới: 1.200" in again[0]


async def test_officer_cannot_set_the_target_of_their_own_unit(data: App, chat: Chat) -> None:
    await _join(chat, "cb", "DEMO-QUANDOAN")
    texts = await chat.say("cb", "/chitieu CD-KP1")
    assert texts[0] == "Chi đoàn Khu phố 1 không có đơn vị trực thuộc để giao chỉ tiêu."
    assert chat.choices("cb") == []


def test_summary_numbers_in_the_style_of_the_seeds() -> None:
    from conversations.i18n import Catalogs
    from conversations.reports import render_summary
    from storage.calendar import Period
    from storage.reports import Figures, Report

    total = Figures(1, "TD-HG", "Tỉnh Đoàn Hà Giang", "province", members=120_000, fulfilled=98_765, admitted=7_338,
                    targets={"admissions": 7_243})
    unit = Unit(id=1, code="TD-HG", name="Tỉnh Đoàn Hà Giang", kind="province", path="/1/")
    report = Report(unit=unit, period=Period(2020), total=total, own=total, children=[], groups={})
    text = render_summary(Catalogs().get("vi"), report)
    # The seed article prints 101,5%; 7.338 / 7.243 is 101,3%.
    assert "• Kết nạp đoàn viên mới so với chỉ tiêu: 7.338/7.243 (101,3%)" in text
    assert "• Đoàn viên: 120.000; đã giới thiệu ít nhất 1 thanh niên: 98.765 (82,3%)" in text


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path, capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    assert main(["admin", "seed-demo"]) == 0
    capsys.readouterr()
    return database_url


def test_cli_report_writes_workbook_and_chart(env: str, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    xlsx, png = tmp_path / "out" / "qd.xlsx", tmp_path / "chart.png"
    assert main(["report", "--unit", "qd-hb", "--period", "2026-H1", "--xlsx", str(xlsx), "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "Quận Đoàn Hòa Bình — 6 tháng đầu năm 2026" in out and f"Đã lưu {xlsx}" in out
    assert png.read_bytes().startswith(PNG_MAGIC)
    sheet = openpyxl.load_workbook(xlsx).worksheets[0]
    assert sheet["B9"].value == "Đoàn phường Bình An" and sheet["C9"].value == 12


@pytest.mark.parametrize("args", [["--unit", "NOPE"], ["--unit", "QD-HB", "--period", "2026-H9"]],
                         ids=["unknown-unit", "bad-period"])
def test_cli_report_refuses_bad_arguments(env: str, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    assert main(["report", *args]) == 2
    assert capsys.readouterr().out.strip()



async def test_drill_into_a_unit_deactivated_meanwhile(data: App, chat: Chat) -> None:
    await _join(chat, "cb", "DEMO-QUANDOAN")
    await chat.say("cb", "/baocao")
    async with data.sessions() as session, session.begin():
        unit = (await session.exec(select(Unit).where(Unit.code == "CS-PBA"))).one()
        unit.active = False
    texts = await chat.press("cb", "Đoàn phường Bình An")
    assert texts == ["Đơn vị này không còn trong phạm vi bạn phụ trách hoặc đã ngừng hoạt động. "
                     "Gõ /baocao để xem lại từ đầu."]
    assert all(reply.attachment is None for reply in chat.last["cb"])
