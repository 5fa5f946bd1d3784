"""/capnhat (/update): events move the status forward only; dates are checked; only the introducer and the
officers above the branch can pick a young person; many young people are paged."""

from __future__ import annotations

from datetime import date

import pytest

from bot.app import App
from storage.models import ParticipationKind as Kind
from storage.models import YouthStatus as Status
from storage.youth import add_youth, allowed_events, next_status
from tests.conftest import Clock
from tests.test_youth_support import count, join, register, rows, scalar, vi
from tests.transcript import Chat

LONG = "a" * 4000


@pytest.mark.parametrize(("current", "kind", "expected"), [
    pytest.param(Status.INTRODUCED, Kind.ACTIVITY, Status.PARTICIPATING, id="introduced+activity"),
    pytest.param(Status.PARTICIPATING, Kind.ACTIVITY, Status.PARTICIPATING, id="participating+activity"),
    pytest.param(Status.JOINED_HOI, Kind.ACTIVITY, Status.JOINED_HOI, id="hoi+activity-stays"),
    pytest.param(Status.ADMITTED, Kind.ACTIVITY, Status.ADMITTED, id="admitted+activity-stays"),
    pytest.param(Status.INTRODUCED, Kind.JOINED_HOI, Status.JOINED_HOI, id="introduced+hoi"),
    pytest.param(Status.JOINED_HOI, Kind.JOINED_HOI, None, id="hoi-twice"),
    pytest.param(Status.ADMITTED, Kind.JOINED_HOI, None, id="admitted+hoi-refused"),
    pytest.param(Status.JOINED_HOI, Kind.ADMITTED, Status.ADMITTED, id="hoi+admitted"),
    pytest.param(Status.ADMITTED, Kind.ADMITTED, None, id="admitted-twice"),
    pytest.param(Status.ADMITTED, Kind.STOPPED, Status.STOPPED, id="admitted+stopped"),
    pytest.param(Status.STOPPED, Kind.STOPPED, None, id="stopped-twice"),
    pytest.param(Status.STOPPED, Kind.ACTIVITY, Status.PARTICIPATING, id="back-after-stopping"),
    pytest.param(Status.PARTICIPATING, Kind.NOTE, Status.PARTICIPATING, id="note-keeps"),
])
def test_next_status(current: Status, kind: Kind, expected: Status | None) -> None:
    assert next_status(current, kind) == expected


def test_allowed_events_never_offer_going_back() -> None:
    assert allowed_events(Status.ADMITTED) == [Kind.ACTIVITY, Kind.STOPPED, Kind.NOTE]
    assert allowed_events(Status.INTRODUCED) == list(Kind)


async def test_update_transcript_vi(demo: App, chat: Chat, clock: Clock) -> None:
    await join(chat, "an")
    await register(chat, "an")
    clock.advance(days=3)
    assert await chat.say("an", "/capnhat") == ["Bạn cập nhật cho thanh niên nào? (1 người)"]
    assert chat.choices("an") == ["Trần Thị Bích (2006)"]
    assert await chat.press("an", "Trần Thị Bích (2006)") == [
        "Trần Thị Bích — hiện tại: Mới giới thiệu. Bạn muốn ghi nhận gì?"]
    await chat.press("an", "Đã tham gia một hoạt động")
    assert await chat.say("an", "Chủ nhật xanh 🌱") == [vi(demo, "youth.ask_date.activity")]
    assert await chat.say("an", "hôm qua") == [
        "Đã ghi nhận cho Trần Thị Bích: Đã tham gia một hoạt động (26/11/2026). "
        "Trạng thái hiện tại: Đang tham gia hoạt động."]
    await chat.say("an", "/capnhat")
    await chat.say("an", "1")
    assert chat.choices("an") == ["Đã tham gia một hoạt động", "Đã vào Hội", "Được kết nạp Đoàn",
                                  "Không tham gia nữa", "Ghi nhu cầu, nguyện vọng"]
    await chat.press("an", "Được kết nạp Đoàn")
    assert await chat.press("an", "Hôm nay") == [vi(demo, "youth.ask_decision")]
    assert (await chat.say("an", "15-QĐ/ĐTN"))[0].endswith("Trạng thái hiện tại: Đã kết nạp Đoàn.")
    await chat.say("an", "/capnhat")
    await chat.say("an", "1")
    assert chat.choices("an") == ["Đã tham gia một hoạt động", "Không tham gia nữa", "Ghi nhu cầu, nguyện vọng"]
    await chat.press("an", "Ghi nhu cầu, nguyện vọng")
    assert (await chat.say("an", "Muốn học tin học văn phòng"))[0].startswith("Đã ghi nhận cho Trần Thị Bích")
    events = await rows(demo, "SELECT kind, on_date FROM participation ORDER BY id")
    assert events == [("activity", date(2026, 11, 26)), ("admitted", date(2026, 11, 27)),
                      ("note", date(2026, 11, 27))]
    assert await scalar(demo, "SELECT status FROM youth") == "admitted"
    assert await scalar(demo, "SELECT decision_no FROM participation WHERE kind = 'admitted'") == "15-QĐ/ĐTN"
    assert await count(demo, "audit", "action LIKE 'youth.%' AND target LIKE 'youth:%'") == 4


async def test_update_transcript_en(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await register(chat, "an")
    await chat.say("an", "/ngonngu en")
    assert await chat.say("an", "/update") == ["Who do you want to update? (1 on your list)"]
    assert await chat.say("an", "1") == ["Trần Thị Bích — now: Introduced. What do you want to record?"]
    assert await chat.press("an", "Joined Hội") == [
        "When did they join Hội? (e.g. 5/3/2026 for 5 March, or today)"]
    assert await chat.say("an", "today") == [
        "Recorded for Trần Thị Bích: Joined Hội (24 Nov 2026). Status now: Joined Hội."]
    await chat.say("an", "/update")
    await chat.say("an", "1")
    await chat.press("an", "Stopped taking part")
    assert await chat.say("an", "Moved to Hà Nội") == [
        "Recorded for Trần Thị Bích: Stopped taking part (24 Nov 2026). Status now: Stopped taking part."]


@pytest.mark.parametrize(("typed", "key"), [
    pytest.param("5/3/2026", "validate.date_too_early", id="before-introduction"),
    pytest.param("1/1/2030", "validate.date_future", id="2030"),
    pytest.param("25/11/2026", "validate.date_future", id="tomorrow"),
    pytest.param("31/2/2026", "validate.date_impossible", id="31-feb"),
    pytest.param("🎉", "validate.date_format", id="emoji"),
    pytest.param(LONG, "validate.date_format", id="4000-chars"),
])
async def test_bad_dates_are_explained(demo: App, chat: Chat, typed: str, key: str) -> None:
    await join(chat, "an")
    await register(chat, "an")
    for line in ("/capnhat", "1", "Đã vào Hội"):
        await chat.say("an", line)
    assert await chat.say("an", typed) == [vi(demo, key, earliest="24/11/2026")]
    assert chat.choices("an") == ["Hôm nay"]
    assert await count(demo, "participation") == 0
    assert (await chat.say("an", "24/11/2026"))[0].startswith("Đã ghi nhận")


@pytest.mark.parametrize(("event", "typed", "key", "limit"), [
    pytest.param("Đã tham gia một hoạt động", LONG, "validate.text_too_long", 200, id="activity-4000"),
    pytest.param("Đã tham gia một hoạt động", " ", "validate.text_empty", 0, id="activity-blank"),
    pytest.param("Không tham gia nữa", LONG, "validate.text_too_long", 1000, id="reason-4000"),
    pytest.param("Ghi nhu cầu, nguyện vọng", "x\u0000y", "validate.text_bad_chars", 0, id="note-control"),
])
async def test_bad_text_is_explained(demo: App, chat: Chat, event: str, typed: str, key: str, limit: int) -> None:
    await join(chat, "an")
    await register(chat, "an")
    for line in ("/capnhat", "1", event):
        await chat.say("an", line)
    assert await chat.say("an", typed) == [vi(demo, key, limit=limit)]
    assert await count(demo, "participation") == 0


async def test_decision_number_too_long(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await register(chat, "an")
    for line in ("/capnhat", "1", "Được kết nạp Đoàn", "hôm nay"):
        await chat.say("an", line)
    assert await chat.say("an", LONG) == [vi(demo, "validate.text_too_long", limit=40)]
    assert chat.choices("an") == ["Bỏ qua"]
    assert (await chat.press("an", "Bỏ qua"))[0].startswith("Đã ghi nhận")


@pytest.mark.parametrize("steps", [1, 2, 3, 4], ids=lambda n: f"after-{n}-inputs")
async def test_cancel_at_every_update_step_changes_nothing(demo: App, chat: Chat, steps: int) -> None:
    await join(chat, "an")
    await register(chat, "an")
    for line in ["/capnhat", "1", "Được kết nạp Đoàn", "hôm nay"][:steps]:
        await chat.say("an", line)
    assert await chat.say("an", "/huy") == [vi(demo, "cancel.done")]
    assert await count(demo, "participation") == 0
    assert await scalar(demo, "SELECT status FROM youth") == "introduced"


async def test_a_stale_update_does_not_move_status_back(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await join(chat, "ha", "DEMO-BITHU", "Phạm Thu Hà")
    await register(chat, "an")
    for line in ("/capnhat", "1", "Đã vào Hội"):
        await chat.say("ha", line)
    for line in ("/capnhat", "1", "Được kết nạp Đoàn", "hôm nay", "Bỏ qua"):
        await chat.say("an", line)
    assert await chat.say("ha", "hôm nay") == [
        vi(demo, "youth.event_not_allowed", name="Trần Thị Bích", status="Đã kết nạp Đoàn")]
    assert await scalar(demo, "SELECT status FROM youth") == "admitted"
    assert await count(demo, "participation") == 1


async def test_secretary_and_officer_above_the_branch_can_update(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await join(chat, "ha", "DEMO-BITHU", "Phạm Thu Hà")
    await join(chat, "quan", "DEMO-QUANDOAN", "Đỗ Văn Quân")
    await register(chat, "an")
    for user in ("ha", "quan"):
        await chat.say(user, "/capnhat")
        assert chat.choices(user) == ["Trần Thị Bích (2006)"], user
    for line in ("1", "Đã tham gia một hoạt động", "Sinh hoạt chi đoàn", "hôm nay"):
        answer = await chat.say("ha", line)
    assert answer[0].startswith("Đã ghi nhận cho Trần Thị Bích")
    recorded_by = await scalar(demo, "SELECT m.full_name FROM participation p JOIN member m ON m.id = p.recorded_by")
    assert recorded_by == "Phạm Thu Hà"


async def test_member_of_another_branch_sees_nobody(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await join(chat, "binh", "DEMO-DOANVIEN2", "Võ Minh Bình")
    await register(chat, "an")
    for command in ("/capnhat", "/sua", "/xoa"):
        assert await chat.say("binh", command) == [vi(demo, "youth.none_yet")]


async def test_forged_youth_id_in_a_payload_is_refused(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await join(chat, "binh", "DEMO-DOANVIEN2", "Võ Minh Bình")
    await register(chat, "an")
    await register(chat, "binh", name="Võ Thị Cúc", phone="0388 123 456")
    theirs = await scalar(demo, "SELECT id FROM youth WHERE phone = '0388123456'")
    for command in ("/capnhat", "/sua", "/xoa"):
        await chat.say("an", command)
        version = chat.payload("an", "Trần Thị Bích (2006)").split(".", 1)[0]
        forged = await chat.send(chat.inbound("an", choice=f"{version}.y{theirs}"))
        assert forged == [vi(demo, "engine.stale_choice")], command
        await chat.say("an", "/huy")
    assert await count(demo, "participation") == 0
    assert await count(demo, "youth") == 2


async def test_record_out_of_scope_by_the_time_it_is_picked(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await join(chat, "ha", "DEMO-BITHU", "Phạm Thu Hà")
    await register(chat, "an")
    await chat.say("ha", "/capnhat")
    for line in ("/xoa", "1", "Xóa hẳn"):
        await chat.say("an", line)
    assert await chat.say("ha", "1") == [vi(demo, "youth.not_found")]


async def _seed_many(demo: App, user: str, how_many: int) -> None:
    member_id = await scalar(demo, "SELECT member_id FROM chat_identity WHERE external_id = :u", u=user)
    unit_id = await scalar(demo, "SELECT unit_id FROM member WHERE id = :i", i=member_id)
    async with demo.sessions() as session, session.begin():
        for n in range(how_many):
            now = demo.clock()
            await add_youth(session, values={
                "full_name": f"Thanh Niên Số {n:02d}", "name_key": f"thanh nien so {n:02d}", "birth_year": 2005,
                "gender": "male", "group_code": "student", "introduced_to": "hoi", "introduced_by": member_id,
                "unit_id": unit_id, "introduced_at": now, "consent_at": now, "status": "introduced",
                "status_at": now})


async def test_many_young_people_are_paged_with_short_payloads(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await _seed_many(demo, "an", 10)
    assert await chat.say("an", "/capnhat") == ["Bạn cập nhật cho thanh niên nào? (10 người)\nTrang 1/2"]
    first = chat.choices("an")
    assert len(first) == 9 and first[-1] == "Trang sau ›"
    payloads = [choice.payload for reply in chat.last["an"] for choice in reply.choices]
    assert max(len(p.encode()) for p in payloads) <= 16
    assert await chat.press("an", "Trang sau ›") == ["Bạn cập nhật cho thanh niên nào? (10 người)\nTrang 2/2"]
    second = chat.choices("an")
    assert second[-1] == "‹ Trang trước" and len(second) == 3
    assert not set(first[:8]) & set(second[:2])
    picked = await chat.press("an", second[0])
    assert picked[0].startswith(second[0].split(" (")[0])
