"""`bot11 admin import-members` and `bot11 admin template members` against a real database holding the demo
organisation: a good file previews, applies and changes nothing the second time; rows are matched to stored
members by number, phone, or folded name and birth; every bad row is named and nothing is written; members
missing from the file are left alone or, when asked, marked as no longer on the roster; the report's member
counts follow the roster."""

from __future__ import annotations

import argparse
import asyncio
import io
import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from bot.app import App, build_app
from bot.cli import main
from bot.imports.roster import MAX_ROWS, import_members
from bot.settings import Settings
from storage.models import MemberStatus
from storage.reports import members_of
from tests.importing import Rows, demo_cli, run, write_csv, write_xlsx, writers

HEADER = ("Mã chi đoàn", "Họ và tên", "Ngày sinh", "Giới tính", "Số điện thoại", "Chức vụ", "Mã đoàn viên")
# Two new members of CD-KP1 (one its secretary), one of CD-KP2 with only a birth year, and a blank row.
GOOD = [
    ("CD-KP1", "Võ Thị Hồng Nhung", "05/03/2001", "Nữ", "0912 345 678", "Bí thư", "DV-0001"),
    ("cd-kp1", "lê  quốc   bảo", "2003", "nam", "", "", ""),
    ("", "", "", "", "", "", ""),
    ("CD-KP2", "Đinh Gia Hân", "2004", "", "+84 987 654 321", "Phó Bí thư", "dv-0003"),
]
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = datetime.now(TZ).date()  # for birth years only: a test may run across midnight

@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Path:
    """The command line pointed at a database holding the demo organisation; returns a folder for files."""
    return demo_cli(monkeypatch, database_url, tmp_path)


WRITERS = writers("members")


def query(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    """Run one SELECT on the test database through the app's own engine."""

    async def go() -> list[tuple[Any, ...]]:
        app = build_app(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
        try:
            async with app.sessions() as session:
                return [tuple(row) for row in (await session.exec(text(sql))).all()]
        finally:
            await app.close()

    return asyncio.run(go())


def roster(database_url: str, code: str) -> list[tuple[Any, ...]]:
    """The members of a branch: name, birth year, birth date, gender, phone, number, position, status, why left."""
    return query(database_url, "SELECT m.full_name, m.birth_year, m.birth_date, m.gender, m.phone, m.member_no, "
                               "m.position, m.status, m.left_reason, m.left_on FROM member m JOIN unit u "
                               f"ON u.id = m.unit_id WHERE u.code = '{code}' ORDER BY m.id")


def snapshot(database_url: str) -> list[tuple[Any, ...]]:
    return query(database_url, "SELECT m.*, (SELECT count(*) FROM role) FROM member m ORDER BY m.id")


def as_date(value: object) -> date | None:
    """A DATE column as read back: a date on PostgreSQL, ISO text on SQLite."""
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def counts_match_roster(database_url: str) -> None:
    """Every unit's report member count equals its subtree's active roster, counted from the rows."""
    brute = dict(query(database_url, "SELECT a.id, count(m.id) FROM unit a LEFT JOIN unit u ON u.path LIKE "
                                     "a.path || '%' LEFT JOIN member m ON m.unit_id = u.id AND m.status = 'active' "
                                     "GROUP BY a.id"))

    async def reported() -> dict[int, int]:
        app = build_app(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
        try:
            async with app.sessions() as session:
                return await members_of(session, unit_ids=list(brute))
        finally:
            await app.close()

    assert {unit: reported_count for unit, reported_count in asyncio.run(reported()).items() if reported_count} == {
        unit: count for unit, count in brute.items() if count}


@pytest.mark.parametrize("kind", list(WRITERS))
def test_a_good_file_previews_applies_and_then_changes_nothing(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    path = str(WRITERS[kind](env, [HEADER, *GOOD]))
    before = snapshot(database_url)

    code, out = run(capsys, "import-members", path)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == ("4 thay đổi: 3 thêm mới, 0 cập nhật, 0 không đổi, 1 giao quyền bí thư, 0 thôi quyền bí thư; "
                        "0 lỗi.")
    assert lines[1].startswith("12 đoàn viên đang sinh hoạt ở các chi đoàn trong tệp không có tên trong tệp: giữ")
    assert "  + dòng 2: Võ Thị Hồng Nhung, 05/03/2001 (CD-KP1)" in lines
    assert "  + dòng 3: Lê Quốc Bảo, 2003 (CD-KP1)" in lines
    assert "  + dòng 5: Đinh Gia Hân, 2004 (CD-KP2)" in lines
    assert "  * dòng 2: Võ Thị Hồng Nhung (CD-KP1)" in lines
    assert lines[-1] == "Đây là bản xem trước, chưa ghi gì. Thêm --apply để ghi."
    assert snapshot(database_url) == before

    code, out = run(capsys, "import-members", path, "--apply")
    assert (code, out.splitlines()[-1]) == (0, "Đã ghi 4 thay đổi.")
    kp1, kp2 = roster(database_url, "CD-KP1"), roster(database_url, "CD-KP2")
    assert [(*row[:2], as_date(row[2]), *row[3:9]) for row in kp1[-2:]] == [
        ("Võ Thị Hồng Nhung", 2001, date(2001, 3, 5), "female", "0912345678", "DV-0001", "secretary", "active", None),
        ("Lê Quốc Bảo", 2003, None, "male", None, None, "member", "active", None),
    ]
    assert kp2[-1][:8] == ("Đinh Gia Hân", 2004, None, None, "0987654321", "DV-0003", "deputy", "active")
    assert query(database_url, "SELECT m.full_name FROM role r JOIN member m ON m.id = r.member_id JOIN unit u "
                               "ON u.id = r.unit_id WHERE r.role = 'secretary' AND u.code = 'CD-KP1'") == [
        ("Võ Thị Hồng Nhung",)]
    counts_match_roster(database_url)
    after = snapshot(database_url)

    code, out = run(capsys, "import-members", path, "--apply")
    assert code == 0
    assert out.splitlines()[0] == ("0 thay đổi: 0 thêm mới, 0 cập nhật, 3 không đổi, 0 giao quyền bí thư, "
                                   "0 thôi quyền bí thư; 0 lỗi.")
    assert out.splitlines()[-1] == "Đã ghi 0 thay đổi."
    assert snapshot(database_url) == after


def nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


# Each case: the first file (applied), the second file, the second preview's expected line, and the stored
# row of the member afterwards (name, birth year, phone, number, position). Demo members of CD-KP1: #1 Nguyễn
# Văn An (1996), #2 Trần Văn Khánh (1997), #3 Lê Văn Sơn (1998), with no phone, number or birth date.
FIRST = [("CD-KP1", "Phạm Thu Trang", "12/08/2002", "Nữ", "0912345678", "", "DV100")]
MATCHES = [
    ("number-renames", FIRST, [("CD-KP1", "Phạm Thu Trang Anh", "12/08/2002", "Nữ", "", "", "dv100")],
     "  ~ dòng 2 → #43 Phạm Thu Trang (CD-KP1) (theo mã đoàn viên): họ tên → Phạm Thu Trang Anh",
     ("Phạm Thu Trang Anh", 2002, "0912345678", "DV100", "member")),
    ("phone-other-format", FIRST, [("CD-KP1", "Phạm Thu Trang", "2002", "", "+84-912-345-678", "Phó bí thư", "")],
     "  ~ dòng 2 → #43 Phạm Thu Trang (CD-KP1) (theo số điện thoại): chức vụ → phó bí thư",
     ("Phạm Thu Trang", 2002, "0912345678", "DV100", "deputy")),
    ("phone-without-leading-zero", FIRST, [("CD-KP1", "Phạm Thu Trang", "12/08/2002", "Nữ", "912345678", "", "")],
     "0 thay đổi: 0 thêm mới, 0 cập nhật, 1 không đổi", ("Phạm Thu Trang", 2002, "0912345678", "DV100", "member")),
    ("nfd-name-spacing-case", [], [("CD-KP1", nfd("  NGUYỄN   văn AN "), "1996", "", "0987000111", "", "")],
     "  ~ dòng 2 → #1 Nguyễn Văn An (CD-KP1) (theo họ tên và ngày sinh): số điện thoại → 0987000111; chức vụ → "
     "đoàn viên", ("Nguyễn Văn An", 1996, "0987000111", None, "member")),
    ("name-without-diacritics-full-date", [], [("CD-KP1", "Tran Van Khanh", "03/04/1997", "", "", "", "")],
     "  ~ dòng 2 → #2 Trần Văn Khánh (CD-KP1) (theo họ tên và ngày sinh): ngày sinh → 03/04/1997; chức vụ → "
     "đoàn viên", ("Trần Văn Khánh", 1997, None, None, "member")),
    ("year-keeps-stored-date", FIRST, [("CD-KP1", "phạm thu trang", "2002", "", "", "", "")],
     "0 thay đổi: 0 thêm mới, 0 cập nhật, 1 không đổi", ("Phạm Thu Trang", 2002, "0912345678", "DV100", "member")),
    ("other-year-is-someone-else", [], [("CD-KP1", "Lê Văn Sơn", "1999", "", "", "", "")],
     "  + dòng 2: Lê Văn Sơn, 1999 (CD-KP1)", ("Lê Văn Sơn", 1999, None, None, "member")),
    ("other-number-is-someone-else", FIRST, [("CD-KP1", "Phạm Thu Trang", "12/08/2002", "Nữ", "", "", "DV200")],
     "  + dòng 2: Phạm Thu Trang, 12/08/2002 (CD-KP1)", ("Phạm Thu Trang", 2002, None, "DV200", "member")),
]


@pytest.mark.parametrize(("first", "second", "expected", "stored"), [case[1:] for case in MATCHES],
                         ids=[case[0] for case in MATCHES])
def test_rows_are_matched_by_number_then_phone_then_name_and_birth(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str], first: Rows, second: Rows, expected: str,
    stored: tuple[object, ...],
) -> None:
    if first:
        assert run(capsys, "import-members", str(write_csv(env / "first.csv", [HEADER, *first])), "--apply")[0] == 0
    path = str(write_csv(env / "second.csv", [HEADER, *second]))
    code, out = run(capsys, "import-members", path, "--apply")
    assert code == 0, out
    assert expected in out.splitlines() or out.startswith(expected)
    rows = [row for row in roster(database_url, "CD-KP1") if row[1] == stored[1] and row[0].startswith(stored[0][:3])]
    assert [(row[0], row[1], row[4], row[5], row[6]) for row in rows][-1] == stored
    assert run(capsys, "import-members", path)[1].startswith("0 thay đổi")


def test_a_pending_or_left_member_on_the_roster_becomes_active_and_counts(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    branch = query(database_url, "SELECT id FROM unit WHERE code = 'CD-KP1'")[0][0]
    members = dict(query(database_url, f"SELECT full_name, id FROM member WHERE unit_id = {branch}"))
    query_update(database_url, f"UPDATE member SET status = 'pending' WHERE id = {members['Nguyễn Văn An']}")
    query_update(database_url, f"UPDATE member SET status = 'left', left_reason = 'missing', left_on = '2026-01-02' "
                               f"WHERE id = {members['Trần Văn Khánh']}")
    counts_match_roster(database_url)
    path = str(write_csv(env / "m.csv", [HEADER, ("CD-KP1", "Nguyễn Văn An", "1996", "", "", "", ""),
                                         ("CD-KP1", "Trần Văn Khánh", "1997", "", "", "", "")]))
    code, out = run(capsys, "import-members", path, "--apply")
    assert code == 0, out
    assert "trạng thái → đang sinh hoạt" in out
    statuses = query(database_url, f"SELECT status, left_reason, left_on FROM member WHERE id IN "
                                   f"({members['Nguyễn Văn An']}, {members['Trần Văn Khánh']})")
    assert statuses == [("active", None, None)] * 2
    counts_match_roster(database_url)


def query_update(database_url: str, sql: str) -> None:
    async def go() -> None:
        app = build_app(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
        try:
            async with app.sessions() as session, session.begin():
                await session.exec(text(sql))
        finally:
            await app.close()

    asyncio.run(go())


def test_missing_members_are_left_alone_unless_asked_and_then_listed_first(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The file names CD-KP1 only: its 6 demo members, minus Nguyễn Văn An who is in the file, are missing;
    # CD-KP2's members are not considered.
    path = str(write_csv(env / "m.csv", [HEADER, ("CD-KP1", "Nguyễn Văn An", "1996", "", "", "", ""),
                                         ("CD-KP1", "Hồ Minh Tú", "2000", "", "", "", "")]))
    before = snapshot(database_url)
    code, out = run(capsys, "import-members", path, "--apply")
    assert code == 0
    assert out.splitlines()[1] == ("5 đoàn viên đang sinh hoạt ở các chi đoàn trong tệp không có tên trong tệp: giữ "
                                   "nguyên. Thêm --mark-missing-inactive nếu muốn chuyển họ sang “không còn trong danh "
                                   "sách”.")
    assert len(snapshot(database_url)) == len(before) + 1
    assert sum(row[7] == "active" for row in roster(database_url, "CD-KP1")) == 7

    code, out = run(capsys, "import-members", path, "--mark-missing-inactive")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].startswith("5 thay đổi: 0 thêm mới, 0 cập nhật, 2 không đổi")
    assert lines[1] == "Sẽ chuyển 5 đoàn viên đang sinh hoạt sang “không còn trong danh sách” vì tệp không có tên họ:"
    assert lines[2:7] == ["  - #5 Hoàng Thị Khánh (CD-KP1)", "  - #6 Huỳnh Thị Sơn (CD-KP1)",
                          "  - #3 Lê Văn Sơn (CD-KP1)", "  - #4 Phạm Thị An (CD-KP1)", "  - #2 Trần Văn Khánh (CD-KP1)"]
    assert all(row[7] == "active" for row in roster(database_url, "CD-KP1"))

    # Trần Văn Khánh (#2) was the branch's secretary: dropped from the roster, he holds no role any more.
    query_update(database_url, "INSERT INTO role (member_id, role, unit_id) SELECT 2, 'secretary', unit_id "
                               "FROM member WHERE id = 2")
    before_day = datetime.now(TZ).date()
    code, out = run(capsys, "import-members", path, "--mark-missing-inactive", "--apply")
    days = {before_day, datetime.now(TZ).date()}  # the command dates them by the day it runs in Vietnam
    assert (code, out.splitlines()[-1]) == (0, "Đã ghi 5 thay đổi.")
    assert query(database_url, "SELECT count(*) FROM role WHERE member_id = 2") == [(0,)]
    kp1 = roster(database_url, "CD-KP1")
    assert [(row[0], row[7]) for row in kp1 if row[7] == "active"] == [("Nguyễn Văn An", "active"),
                                                                      ("Hồ Minh Tú", "active")]
    left = {(row[8], as_date(row[9])) for row in kp1 if row[7] != "active"}
    assert len(left) == 1 and left <= {("missing", day) for day in days}
    assert all(row[7] == "active" for row in roster(database_url, "CD-KP2"))
    counts_match_roster(database_url)
    assert run(capsys, "import-members", path, "--mark-missing-inactive")[1].startswith("0 thay đổi")


BAD = [
    ("unknown-branch", ("CD-NOPE", "Lê Văn Tâm", "2000", "", "", "", ""),
     "dòng 3: không có chi đoàn mã CD-NOPE trong hệ thống"),
    ("not-a-branch", ("CS-PBA", "Lê Văn Tâm", "2000", "", "", "", ""),
     "dòng 3: CS-PBA không phải chi đoàn (còn đơn vị trực thuộc)"),
    ("no-branch", ("", "Lê Văn Tâm", "2000", "", "", "", ""), "dòng 3: thiếu mã chi đoàn."),
    ("accented-code", ("CD-ĐÔNG", "Lê Văn Tâm", "2000", "", "", "", ""), "dòng 3: mã chi đoàn “CD-ĐÔNG” có ký tự"),
    ("empty-name", ("CD-KP1", "  ", "2000", "", "", "", ""), "dòng 3: thiếu họ và tên."),
    ("emoji-name", ("CD-KP1", "Lê Văn Tâm 😀", "2000", "", "", "", ""), "dòng 3: họ và tên “Lê Văn Tâm 😀” chỉ"),
    ("sql-name", ("CD-KP1", "x'); DROP TABLE member; --", "2000", "", "", "", ""), "dòng 3: họ và tên “x'); DROP"),
    ("long-name", ("CD-KP1", "Lê " + "a" * 4000, "2000", "", "", "", ""), "dòng 3: họ và tên dài quá 80 ký tự."),
    ("no-birth", ("CD-KP1", "Lê Văn Tâm", "", "", "", "", ""), "dòng 3: thiếu ngày sinh."),
    ("bad-date", ("CD-KP1", "Lê Văn Tâm", "31/02/2000", "", "", "", ""), "dòng 3: ngày sinh “31/02/2000” không đúng"),
    ("words-date", ("CD-KP1", "Lê Văn Tâm", "năm 2000", "", "", "", ""), "dòng 3: ngày sinh “năm 2000” không đúng"),
    ("future-birth", ("CD-KP1", "Lê Văn Tâm", f"01/01/{TODAY.year + 1}", "", "", "", ""),
     f"không hợp lý: năm sinh phải từ {TODAY.year - 45} đến {TODAY.year - 14}."),
    ("too-old", ("CD-KP1", "Lê Văn Tâm", "1950", "", "", "", ""), "dòng 3: ngày sinh “1950” không hợp lý"),
    ("too-young", ("CD-KP1", "Lê Văn Tâm", str(TODAY.year - 10), "", "", "", ""), "không hợp lý: năm sinh phải từ"),
    ("bad-gender", ("CD-KP1", "Lê Văn Tâm", "2000", "N", "", "", ""), "dòng 3: giới tính “N” không hợp lệ"),
    ("bad-phone", ("CD-KP1", "Lê Văn Tâm", "2000", "", "0123", "", ""), "dòng 3: số điện thoại “0123” không đúng"),
    ("foreign-phone", ("CD-KP1", "Lê Văn Tâm", "2000", "", "+1 202 555 0100", "", ""),
     "dòng 3: số điện thoại “+1 202 555 0100” không đúng"),
    ("bad-position", ("CD-KP1", "Lê Văn Tâm", "2000", "", "", "Chủ tịch", ""), "dòng 3: chức vụ “Chủ tịch” không"),
    ("bad-number", ("CD-KP1", "Lê Văn Tâm", "2000", "", "", "", "DV#1"), "dòng 3: mã đoàn viên “DV#1” không hợp lệ"),
    ("long-number", ("CD-KP1", "Lê Văn Tâm", "2000", "", "", "", "D" * 21), "dòng 3: mã đoàn viên “DDDD"),
    ("duplicate-number", ("CD-KP2", "Lê Văn Tâm", "2000", "", "", "", "dv-0001"),
     "dòng 3: mã đoàn viên DV-0001 trùng với dòng 2."),
    ("duplicate-phone", ("CD-KP2", "Lê Văn Tâm", "2000", "", "0912.345.678", "", ""),
     "dòng 3: số điện thoại 0912345678 trùng với dòng 2."),
    ("same-person", ("CD-KP1", "VO THI HONG NHUNG", "2001", "", "", "", ""),
     "dòng 3: trùng người với dòng 2 (cùng chi đoàn, họ tên và ngày sinh)."),
]


def test_a_secretary_whose_row_states_another_position_loses_the_role_and_the_new_one_gets_it(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Nguyễn Văn An (#1) holds CD-KP1's secretary role; the new roster makes him deputy and Hồ Minh Tú secretary.
    query_update(database_url, "INSERT INTO role (member_id, role, unit_id) SELECT 1, 'secretary', unit_id "
                               "FROM member WHERE id = 1")
    secretaries = ("SELECT m.full_name FROM role r JOIN member m ON m.id = r.member_id JOIN unit u "
                   "ON u.id = r.unit_id WHERE r.role = 'secretary' AND u.code = 'CD-KP1' ORDER BY m.id")
    without_position = [tuple(cell for n, cell in enumerate(row) if n != 5) for row in (
        HEADER, ("CD-KP1", "Nguyễn Văn An", "1996", "", "", "Phó Bí thư", ""))]
    code, out = run(capsys, "import-members", str(write_csv(env / "no-position.csv", without_position)), "--apply")
    assert code == 0 and "Thôi quyền bí thư" not in out  # no `Chức vụ` column: the file says nothing of roles
    assert query(database_url, secretaries) == [("Nguyễn Văn An",)]

    path = str(write_csv(env / "m.csv", [HEADER, ("CD-KP1", "Nguyễn Văn An", "1996", "", "", "Phó Bí thư", ""),
                                         ("CD-KP1", "Hồ Minh Tú", "2000", "", "", "Bí thư", "")]))
    code, out = run(capsys, "import-members", path)
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == ("4 thay đổi: 1 thêm mới, 1 cập nhật, 0 không đổi, 1 giao quyền bí thư, 1 thôi quyền bí thư; "
                        "0 lỗi.")
    assert lines[lines.index("Thôi quyền bí thư chi đoàn (tệp ghi chức vụ khác):") + 1] == (
        "  x dòng 2 → #1 Nguyễn Văn An (CD-KP1) (theo họ tên và ngày sinh)")
    assert query(database_url, secretaries) == [("Nguyễn Văn An",)]  # a preview writes nothing
    code, out = run(capsys, "import-members", path, "--apply")
    assert (code, out.splitlines()[-1]) == (0, "Đã ghi 4 thay đổi.")
    assert query(database_url, secretaries) == [("Hồ Minh Tú",)]
    code, out = run(capsys, "import-members", path)
    assert out.splitlines()[0].startswith("0 thay đổi:")


@pytest.mark.parametrize(("row", "expected"), [case[1:] for case in BAD], ids=[case[0] for case in BAD])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_bad_row_is_named_and_nothing_is_written(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str], kind: str, row: Sequence[str], expected: str
) -> None:
    path = str(WRITERS[kind](env, [HEADER, GOOD[0], row]))
    before = snapshot(database_url)
    for apply in ([], ["--apply"]):
        code, out = run(capsys, "import-members", path, *apply)
        assert code == 1
        assert expected in out
        assert out.splitlines()[-1] == "Có 1 lỗi: chưa ghi gì. Sửa tệp rồi chạy lại."
    assert snapshot(database_url) == before


@pytest.mark.parametrize(("row", "expected"), [
    (("CD-KP2", "Võ Thị Hồng Nhung", "05/03/2001", "", "", "", "DV-0001"),
     "dòng 2: mã đoàn viên DV-0001 là của #43 Võ Thị Hồng Nhung ở chi đoàn CD-KP1. Nếu đồng chí này chuyển sinh "
     "hoạt sang đây, hãy chuyển bằng bot11 admin transfer trước; nếu không, sửa lại mã."),
    (("CD-KP2", "Võ Thị Hồng Nhung", "05/03/2001", "", "0912345678", "", ""),
     "dòng 2: số điện thoại 0912345678 là của #43 Võ Thị Hồng Nhung ở chi đoàn CD-KP1. Nếu đồng chí này chuyển "
     "sinh hoạt sang đây, hãy chuyển bằng bot11 admin transfer trước; nếu không, sửa lại số."),
], ids=["by-number", "by-phone"])
def test_a_member_of_another_branch_is_not_moved_but_pointed_to_a_transfer(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str], row: Sequence[str], expected: str
) -> None:
    assert run(capsys, "import-members", str(write_csv(env / "a.csv", [HEADER, GOOD[0]])), "--apply")[0] == 0
    before = snapshot(database_url)
    code, out = run(capsys, "import-members", str(write_csv(env / "b.csv", [HEADER, row])), "--apply")
    assert code == 1
    assert f"  {expected}" in out.splitlines()
    assert snapshot(database_url) == before


def test_two_stored_members_matching_one_row_are_named(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    twins = [("CD-KP1", "Hà Anh Thư", "2001", "", "", "", "TW1"), ("CD-KP1", "Hà Anh Thư", "2001", "", "", "", "TW2")]
    assert run(capsys, "import-members", str(write_csv(env / "a.csv", [HEADER, *twins])), "--apply")[0] == 0
    code, out = run(capsys, "import-members", str(write_csv(env / "b.csv", [HEADER, twins[0][:6]])))
    assert code == 1
    assert ("  dòng 2: khớp với nhiều đoàn viên trong chi đoàn (#43 Hà Anh Thư, #44 Hà Anh Thư): ghi thêm mã đoàn "
            "viên hoặc số điện thoại để phân biệt.") in out.splitlines()


def test_excel_date_cells_serial_numbers_and_numeric_phones_are_read(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A date cell; numbers where Excel turned the phone and member number into numbers; a date's serial number.
    path = write_xlsx(env / "m.xlsx", [
        HEADER,
        ("CD-APD", "Kim Ngọc Ánh", date(2000, 7, 9), "nữ", 912345678, "đoàn viên", 10023),
        ("CD-APD", "Kim Bảo Long", 36955, "Male", None, "SECRETARY", None),
    ])
    code, out = run(capsys, "import-members", str(path), "--apply")
    assert code == 0, out
    rows = [(row[0], row[1], as_date(row[2]), row[3], row[4], row[5], row[6]) for row in roster(database_url, "CD-APD")]
    assert rows[-2:] == [("Kim Ngọc Ánh", 2000, date(2000, 7, 9), "female", "0912345678", "10023", "member"),
                         ("Kim Bảo Long", 2001, date(2001, 3, 5), "male", None, None, "secretary")]


def test_a_workbook_written_without_shared_strings_is_read(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # openpyxl's write-only mode (and some exporters) write text inline in each cell, with no dimension.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Doan vien")
    for row in [HEADER, ("CD-APT", "Mai Văn Tài", "14/02/1999", "Nam", "0388123456", "Đoàn viên", "X-1")]:
        sheet.append(list(row))
    workbook.save(env / "m.xlsx")
    code, out = run(capsys, "import-members", str(env / "m.xlsx"), "--apply")
    assert code == 0, out
    assert roster(database_url, "CD-APT")[-1][:2] + roster(database_url, "CD-APT")[-1][3:7] == (
        "Mai Văn Tài", 1999, "male", "0388123456", "X-1", "member")


def test_problems_are_worded_in_the_chosen_language(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write_csv(env / "m.csv", [("Branch code", "Full name", "Date of birth"),
                                         ("CD-NOPE", "Lê Văn Tâm", "2000")]))
    code, out = run(capsys, "import-members", path, "--locale", "en")
    assert code == 1
    assert "  row 2: there is no branch with code CD-NOPE (see bot11 admin tree;" in out
    assert out.splitlines()[0] == ("0 changes: 0 to create, 0 to update, 0 unchanged, 0 secretary roles to grant, "
                                   "0 to withdraw; 1 problems.")


@pytest.mark.parametrize(("make", "expected"), [
    (lambda folder: write_csv(folder / "m.csv", [HEADER[:2], ("CD-KP1", "Lê Văn Tâm")]),
     "Thiếu cột: Ngày sinh. Dùng mẫu: bot11 admin template members mau.xlsx"),
    (lambda folder: write_csv(folder / "m.csv", [HEADER, GOOD[0]], "utf-16"), "bảng mã UTF-16, không phải UTF-8"),
    (lambda folder: write_xlsx(folder / "m.xlsx", [HEADER, (*GOOD[0][:2], "=DATE(2001,3,5)", *GOOD[0][3:])]),
     "Ô C2 là công thức"),
    (lambda folder: (folder / "m.xlsx").write_text("Mã chi đoàn,Họ và tên\n", encoding="utf-8") and folder / "m.xlsx",
     "Tệp m.xlsx không phải sổ tính Excel (.xlsx) đọc được"),
], ids=["missing-column", "utf-16", "formula", "not-a-workbook"])
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_message(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str], make: Any, expected: str
) -> None:
    before = snapshot(database_url)
    code, out = run(capsys, "import-members", str(make(env)), "--apply")
    assert (code, expected in out) == (1, True), out
    assert snapshot(database_url) == before


def sparse_sheet(path: Path, last_row: int) -> Path:
    """A sheet whose dimension says `last_row` rows: the header, one member, one cell far below."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(HEADER))
    sheet.append(list(GOOD[0]))
    sheet.cell(row=last_row, column=1, value="CD-KP1")
    workbook.save(path)
    return path


@pytest.mark.parametrize("make", [
    lambda folder: sparse_sheet(folder / "m.xlsx", 1_000_001),
    lambda folder: write_csv(folder / "m.csv", [HEADER, *[("CD-KP1", "Lê Văn Tâm", "2000")] * (MAX_ROWS + 1)]),
], ids=["xlsx-million", "csv-over-limit"])
def test_a_file_too_large_is_refused_before_it_is_read(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str], make: Any
) -> None:
    before = snapshot(database_url)
    code, out = run(capsys, "import-members", str(make(env)), "--apply")
    assert code == 1
    assert out == ("Tệp có hơn 300.000 dòng: hãy tách thành nhiều tệp (mỗi huyện hoặc mỗi đoàn cơ sở một tệp) rồi "
                   "nhập từng tệp.\n")
    assert snapshot(database_url) == before


def test_the_template_round_trips(env: Path, database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = env / "mau.xlsx"
    assert main(["admin", "template", "members", str(path)]) == 0
    workbook = load_workbook(path)
    sheet = workbook.active
    assert [cell.value for cell in sheet[1]] == list(HEADER)
    assert [cell.value for cell in sheet[2]] == ["CD-VIDU1", "Nguyễn Văn An", "05/03/2001", "Nam", "0912345678",
                                                 "Bí thư", None]
    validations = {str(validation.sqref).split(":")[0]: validation.formula1
                   for validation in sheet.data_validations.dataValidation}
    assert validations == {"D2": '"Nam,Nữ,Khác"', "F2": '"Bí thư,Phó Bí thư,Đoàn viên"'}
    assert [sheet[f"{column}2"].number_format for column in "CEG"] == ["@"] * 3
    assert [sheet.column_dimensions[column].number_format for column in "CEG"] == ["@"] * 3
    sheet.delete_rows(2)
    sheet.append(["CD-12A1", "Lý Minh Khôi", "29/02/2008", "Nam", "0333444555", "Bí thư", "0042"])
    workbook.save(path)

    code, out = run(capsys, "import-members", str(path), "--apply")
    assert code == 0, out
    stored = roster(database_url, "CD-12A1")[-1]
    assert (*stored[:2], as_date(stored[2]), *stored[3:7]) == ("Lý Minh Khôi", 2008, date(2008, 2, 29), "male",
                                                               "0333444555", "0042", "secretary")


class Terminal(io.StringIO):
    """What the operator's terminal receives."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("out", "bar"), [(Terminal(), True), (io.StringIO(), False)], ids=["terminal", "pipe"])
async def test_a_progress_bar_is_drawn_on_a_terminal_only(
    demo: App, tmp_path: Path, out: io.StringIO, bar: bool
) -> None:
    born = date(1995, 1, 1)
    rows = [HEADER, *[("CD-PX1", "Công Nhân", f"{born + timedelta(days=i):%d/%m/%Y}", "", "", "", "")
                      for i in range(4_500)]]
    args = argparse.Namespace(file=write_csv(tmp_path / "m.csv", rows), apply=True, mark_missing_inactive=False,
                              full=False, locale=None)
    assert await import_members(demo, args, out) == 0
    written = out.getvalue()
    assert written.splitlines()[-1] == "Đã ghi 4500 thay đổi."
    bars = [re.search(rf"\r{label} \[█{{30}}\] 100,0% 4\.500/4\.500\n", written)
            for label in ("Đọc và kiểm tra", "Ghi")]
    assert [found is not None for found in bars] == [bar, bar]
    assert ("\r" in written) is bar
    assert "  … và 4.480 dòng nữa (thêm --full để xem hết)." in written.splitlines()
    async with demo.sessions() as session:
        branch = (await session.exec(text("SELECT id FROM unit WHERE code = 'CD-PX1'"))).one()[0]
        assert (await members_of(session, unit_ids=[branch]))[branch] == 4_500 + 6
        statuses = (await session.exec(text(f"SELECT DISTINCT status FROM member WHERE unit_id = {branch}"))).all()
        assert [status for status, in statuses] == [MemberStatus.ACTIVE]


async def test_a_file_refused_while_the_bar_is_drawn_gets_its_message_on_a_line_of_its_own(
    demo: App, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "m.xlsx", [HEADER, GOOD[0], ("CD-KP1", "Lê Văn Tâm", "=1+1", "", "", "", "")])
    out = Terminal()
    args = argparse.Namespace(file=path, apply=True, mark_missing_inactive=False, full=False, locale=None)
    assert await import_members(demo, args, out) == 1
    assert out.getvalue().endswith(" 50,0% 1/2\ndòng 3: Ô C3 là công thức; hãy dán giá trị (Paste Special → Values) "
                                   "rồi nhập lại.\n")
