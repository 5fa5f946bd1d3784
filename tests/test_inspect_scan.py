"""The integrity scan job (scheduled.jobs.integrity_scan): bursts of registrations by one member in a Vietnam
day and young people over the age limit at registration, raised once per finding and reviewed through /kiemtra."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import App
from scheduled.runner import maintenance_jobs
from scheduled.service import job_runner
from storage.integrity import BURST_PER_DAY
from storage.models import RoleName
from tests import joining
from tests.conftest import Clock
from tests.evaluation_support import add_youth, connect
from tests.test_youth_support import count, join, register, rows
from tests.transcript import Chat

NAMES = ["Trần Văn " + given for given in ("An", "Bảo", "Cường", "Dũng", "Giang", "Hải", "Khoa", "Lâm", "Minh",
                                            "Nam", "Phúc", "Quang")]


async def run_scan(demo: App) -> dict[str, int]:
    (scan,) = [job for job in maintenance_jobs() if job.name == "integrity_scan"]
    return await job_runner(demo).run(scan)


async def inspector(chat: Chat) -> None:
    assert "Xong" in (await joining.join_officer(chat, "ubkt", "DEMO-KIEMTRA", "Lê Văn Kiểm", "1990"))[0]


@pytest.mark.parametrize(("registered", "flagged"), [
    pytest.param(BURST_PER_DAY, 0, id="at-threshold"),
    pytest.param(BURST_PER_DAY + 1, 1, id="one-over"),
])
async def test_burst_in_one_day(demo: App, chat: Chat, clock: Clock, registered: int, flagged: int) -> None:
    await join(chat, "an")
    for name in NAMES[:registered]:
        clock.advance(minutes=5)
        assert "Đã lưu" in (await register(chat, "an", name=name, phone=None))[0]
    # Ten or more in a branch with no history is also a jump of the branch (test_branch_jump).
    assert await run_scan(demo) == {"bursts": flagged, "over_age": 0, "phone_runs": 0,
                                    "branch_jumps": 1, "evaluation_claims": 0}
    assert await run_scan(demo) == {"bursts": 0, "over_age": 0, "phone_runs": 0,
                                    "branch_jumps": 0, "evaluation_claims": 0}
    assert await count(demo, "integrity_flag", "kind = 'burst'") == flagged


async def test_burst_split_over_two_days_is_not_one(demo: App, chat: Chat, clock: Clock) -> None:
    # 16:30 UTC is 23:30 in Vietnam: half the registrations fall on the next Vietnam day (midnight is 17:00 UTC).
    clock.now = clock.now.replace(hour=16, minute=30)
    await join(chat, "an")
    for name in NAMES[:BURST_PER_DAY + 1]:
        clock.advance(minutes=8)
        await register(chat, "an", name=name, phone=None)
    assert await run_scan(demo) == {"bursts": 0, "over_age": 0, "phone_runs": 0,
                                    "branch_jumps": 1, "evaluation_claims": 0}


async def test_burst_reviewed_through_kiemtra(demo: App, chat: Chat, clock: Clock) -> None:
    clock.now = clock.now.replace(hour=2)
    await join(chat, "an")
    for name in NAMES[:BURST_PER_DAY + 1]:
        clock.advance(minutes=5)
        await register(chat, "an", name=name, phone=None)
    await run_scan(demo)
    await inspector(chat)
    await chat.say("ubkt", "/kiemtra")
    (label,) = [choice for choice in chat.choices("ubkt") if "Đăng ký dồn dập" in choice]
    assert label.startswith("#1 Đăng ký dồn dập · Chi đoàn Khu phố 1 · ")
    assert [choice for choice in chat.choices("ubkt") if choice != label] == [
        label.replace("#1 Đăng ký dồn dập", "#2 Chi đoàn tăng đột biến")]
    detail = (await chat.press("ubkt", label))[0]
    assert "• Kết quả rà soát: đoàn viên ghi nhận 11 thanh niên trong ngày 24/11/2026" in detail
    assert "(ngưỡng: hơn 10 người một ngày)" in detail
    for name in NAMES:
        assert name not in detail
    await chat.press("ubkt", "Sai, đã sửa")
    assert await chat.say("ubkt", "Chi đoàn nhập hộ danh sách buổi sinh hoạt") == [
        "Đã lưu kết luận «Sai, đã sửa» cho cảnh báo #1."]
    assert await rows(demo, "SELECT kind, review FROM integrity_flag ORDER BY id") == [
        ("burst", "fixed"), ("branch_jump", None)]


@pytest.mark.parametrize(("year", "flagged"), [
    pytest.param("1996", 0, id="age-30"),
    pytest.param("1995", 1, id="age-31"),
    pytest.param("1991", 1, id="age-35"),
])
async def test_over_age(demo: App, chat: Chat, year: str, flagged: int) -> None:
    await join(chat, "an")
    await register(chat, "an", year=year, phone=None)
    assert (await run_scan(demo))["over_age"] == flagged
    assert await run_scan(demo) == {"bursts": 0, "over_age": 0, "phone_runs": 0,
                                    "branch_jumps": 0, "evaluation_claims": 0}


async def test_over_age_reviewed_through_kiemtra(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await register(chat, "an", name="Trần Văn Già", year="1991", phone=None)
    await run_scan(demo)
    await inspector(chat)
    await chat.say("ubkt", "/kiemtra")
    detail = (await chat.say("ubkt", "1"))[0]
    assert detail.startswith("• Cảnh báo #1: Quá tuổi thanh niên\n• Đơn vị: Chi đoàn Khu phố 1 (CD-KP1)\n")
    assert "• Mã hồ sơ: thanh niên 1, đoàn viên " in detail
    assert detail.endswith("• Kết quả rà soát: 35 tuổi khi được ghi nhận (quá 30 tuổi)\n\nKết luận của bạn:")
    assert "Già" not in detail and "1991" not in detail
    await chat.say("ubkt", "Đúng")
    await chat.say("ubkt", "Đã đề nghị chi đoàn chuyển sang danh sách khác")
    assert await rows(demo, "SELECT kind, youth_id, review FROM integrity_flag") == [("over_age", 1, "correct")]


@pytest.mark.parametrize(("endings", "flagged"), [
    pytest.param(["01", "02", "03", "04", "05"], 1, id="run-of-5"),
    pytest.param(["01", "02", "03", "04"], 0, id="run-of-4"),
    pytest.param(["01", "02", "03", "04", "06"], 0, id="gap"),
    pytest.param(["10", "11", "12", "13", "14", "15"], 1, id="run-of-6"),
])
async def test_phone_run(demo: App, chat: Chat, clock: Clock, endings: list[str], flagged: int) -> None:
    await join(chat, "an")
    for name, ending in zip(NAMES, endings, strict=False):
        clock.advance(minutes=5)
        assert "Đã lưu" in (await register(chat, "an", name=name, phone=f"0912 3456 {ending}"))[0]
    assert (await run_scan(demo))["phone_runs"] == flagged
    assert (await run_scan(demo))["phone_runs"] == 0
    keys = await rows(demo, "SELECT dedupe_key, youth_id, detail FROM integrity_flag")
    assert keys == ([("phone_run:y1", 1, f"count={len(endings)}")] if flagged else [])


async def test_phone_run_reviewed_through_kiemtra(demo: App, chat: Chat, clock: Clock) -> None:
    await join(chat, "an")
    for name, ending in zip(NAMES, ["21", "22", "23", "24", "25"], strict=False):
        await register(chat, "an", name=name, phone=f"0987 6543 {ending}")
    await run_scan(demo)
    await inspector(chat)
    await chat.say("ubkt", "/kiemtra")
    assert chat.choices("ubkt")[0].startswith("#1 Dãy số điện thoại liên tiếp · Chi đoàn Khu phố 1 · ")
    detail = (await chat.say("ubkt", "1"))[0]
    assert "• Mã hồ sơ: thanh niên 1\n" in detail
    assert "• Kết quả rà soát: 5 thanh niên có số điện thoại chỉ khác nhau ở hai số cuối" in detail
    assert "0987" not in detail and "6543" not in detail
    await chat.say("ubkt", "Sai, đã sửa")
    assert await chat.say("ubkt", "Chi đoàn đã nhập lại số thật") == ["Đã lưu kết luận «Sai, đã sửa» cho cảnh báo #1."]


@pytest.mark.parametrize(("before", "now", "flagged"), [
    pytest.param(1, 10, 1, id="jump"),
    pytest.param(1, 9, 0, id="below-the-minimum"),
    pytest.param(14, 10, 0, id="in-line-with-history"),  # 10 × 4 half-years = 40, not above 3 × 14 = 42
    pytest.param(13, 10, 1, id="just-above-history"),  # 40 > 39
])
async def test_branch_jump(demo: App, chat: Chat, clock: Clock, before: int, now: int, flagged: int) -> None:
    member = await connect(demo, "an", unit_code="CD-KP2", now=clock.now)
    for n in range(before):  # the half-years before: spring 2026 and 2025
        await add_youth(demo, member_id=member, name=f"Trước {n}", at=datetime(2025 + n % 2, 3, 1, 3, tzinfo=UTC))
    for n in range(now):  # a few a day: no burst
        await add_youth(demo, member_id=member, name=f"Nay {n}", at=clock.now - timedelta(days=n))
    assert await run_scan(demo) == {"bursts": 0, "over_age": 0, "phone_runs": 0,
                                    "branch_jumps": flagged, "evaluation_claims": 0}
    assert (await run_scan(demo))["branch_jumps"] == 0
    if flagged:
        await inspector(chat)
        await chat.say("ubkt", "/kiemtra")
        (label,) = chat.choices("ubkt")
        assert label.startswith("#1 Chi đoàn tăng đột biến · Chi đoàn Khu phố 2 · ")
        detail = (await chat.press("ubkt", label))[0]
        average = demo.catalogs.get("vi").number(before / 4)
        assert (f"• Kết quả rà soát: chi đoàn ghi nhận {now} thanh niên trong 6 tháng này, trung bình 4 kỳ 6 tháng "
                f"trước là {average} (ngưỡng: từ 10 người và gấp hơn 3 lần)") in detail
        await chat.press("ubkt", "Đúng")
        assert await chat.say("ubkt", "Chi đoàn tổ chức ngày hội, số liệu đúng") == [
            "Đã lưu kết luận «Đúng» cho cảnh báo #1."]
        assert await rows(demo, "SELECT kind, review FROM integrity_flag") == [("branch_jump", "correct")]


async def test_evaluation_stating_more_than_the_data(demo: App, chat: Chat, clock: Clock) -> None:
    """The secretary marks a member who introduced nobody as fulfilled and submits: the scan flags the
    evaluation with both figures; a member whose young person is recorded is no disagreement."""
    clock.now = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)  # the 2026-H2 evaluation window is open
    secretary = await connect(demo, "bt", unit_code="CD-KP2", role=RoleName.SECRETARY, now=clock.now)
    await add_youth(demo, member_id=secretary, name="Lê Thị Hoa", at=datetime(2026, 9, 1, 3, tzinfo=UTC))
    await chat.say("bt", "/danhgia")
    assert await run_scan(demo) == {"bursts": 0, "over_age": 0, "phone_runs": 0,
                                    "branch_jumps": 0, "evaluation_claims": 0}  # a draft states nothing yet
    await chat.press("bt", "Sửa kết quả một đoàn viên")
    await chat.say("bt", "2")
    await chat.press("bt", "Đạt")
    await chat.say("bt", "Đã giới thiệu 1 bạn, chưa nhập vào bot")
    await chat.press("bt", "Đúng, xác nhận")
    for answer in ("0", "80", "0"):  # nobody proposed for admission; the area's young people; no clubs
        await chat.say("bt", answer)
    await chat.press("bt", "Bỏ qua")  # the note on clubs
    await chat.say("bt", "Đi từng nhà")  # lessons
    await chat.press("bt", "Bỏ qua")  # difficulties
    await chat.say("bt", "Không có")  # proposals for commendation
    assert (await chat.press("bt", "Nộp đánh giá"))[0].startswith("Đã nộp đánh giá")
    assert (await run_scan(demo))["evaluation_claims"] == 1
    assert (await run_scan(demo))["evaluation_claims"] == 0
    await inspector(chat)
    await chat.say("ubkt", "/kiemtra")
    (label,) = chat.choices("ubkt")
    assert label.startswith("#1 Đánh giá không khớp số liệu · Chi đoàn Khu phố 2 · ")
    detail = (await chat.press("ubkt", label))[0]
    assert ("• Kết quả rà soát: bản đánh giá 6 tháng cuối năm 2026 ghi 2/6 đoàn viên đạt 1+1, số liệu trên "
            "Bot 1+1 chỉ có 1/6 đoàn viên đã giới thiệu thanh niên trong kỳ") in detail
    await chat.press("ubkt", "Cần xác minh")
    assert await chat.say("ubkt", "Hỏi lại bí thư về bạn chưa nhập") == [
        "Đã lưu kết luận «Cần xác minh» cho cảnh báo #1."]
