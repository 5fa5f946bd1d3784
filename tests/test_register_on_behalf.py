"""/gioithieu by a branch secretary: "Ghi nhận thay đoàn viên" records an introduction on behalf of a member of
the branch's roster (most often one who does not use the bot). Transcripts in both languages; the member's 1+1
fulfilled in /chidoan, the evaluation lines and the rollups; the member told if they use the bot; the roster
paged and searched by name; forged and stale choices, and a member who leaves before the save."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest

from bot.app import App
from storage.members import add_member, grant_role
from storage.models import Member, MemberStatus, RoleName
from storage.units import unit_by_code
from tests.conftest import Clock
from tests.evaluation_support import connect, outbox_rows
from tests.test_youth_support import REGISTER_STEPS, count, rows, scalar, vi
from tests.transcript import Chat

# Chi đoàn Khu phố 1's roster as the demo seeds it, by folded name, with the secretary Phạm Thu Hà left out.
KP1_ROSTER = ["Hoàng Thị Khánh (2000)", "Huỳnh Thị Sơn (2001)", "Lê Văn Sơn (1998)", "Nguyễn Văn An (1996)",
              "Phạm Thị An (1999)", "Trần Văn Khánh (1997)"]
FIELDS = REGISTER_STEPS[2:]  # the young person's answers, after the command and the consent
SAVE = "Đúng, lưu lại"


async def _member_id(app: App, name: str, unit_code: str = "CD-KP1") -> int:
    """Return the id of the member `name` of `unit_code` (the demo's names repeat across branches)."""
    return int(await scalar(app, "SELECT m.id FROM member m JOIN unit u ON u.id = m.unit_id "
                                 "WHERE m.full_name = :n AND u.code = :u", n=name, u=unit_code))


async def _secretary(app: App, clock: Clock, user: str = "ha") -> int:
    """Put Phạm Thu Hà on Chi đoàn Khu phố 1's roster as its secretary, on chat as `user`."""
    async with app.sessions() as session, session.begin():
        unit = await unit_by_code(session, code="CD-KP1")
        assert unit is not None and unit.id is not None
        member = await add_member(session, full_name="Phạm Thu Hà", birth_year=1995, unit_id=unit.id,
                                  joined_at=clock())
        assert member.id is not None
        await grant_role(session, member_id=member.id, role=RoleName.SECRETARY, unit_id=unit.id)
    return await connect(app, user, unit_code="CD-KP1", member_id=member.id, now=clock())


async def _record_for(chat: Chat, member_label: str, *, user: str = "ha", save: bool = True) -> list[str]:
    """Go through /gioithieu as the secretary on behalf of `member_label`; return the last answer."""
    await chat.say(user, "/gioithieu")
    await chat.press(user, "Ghi nhận thay đoàn viên")
    await chat.press(user, member_label)
    answer: list[str] = []
    for line in ["1", *FIELDS, *([SAVE] if save else [])]:
        answer = await chat.say(user, line)
    return answer


@pytest.fixture
async def ha(demo: App, clock: Clock) -> int:
    return await _secretary(demo, clock)


async def test_secretary_records_for_a_member_who_does_not_use_the_bot(demo: App, chat: Chat, ha: int) -> None:
    assert await chat.say("ha", "/gioithieu") == ["Bạn thanh niên này do ai giới thiệu?"]
    assert chat.choices("ha") == ["Tôi giới thiệu", "Ghi nhận thay đoàn viên"]
    assert await chat.press("ha", "Ghi nhận thay đoàn viên") == [vi(demo, "youth.roster_pick", total="6")]
    assert chat.choices("ha") == KP1_ROSTER
    assert await chat.press("ha", "Lê Văn Sơn (1998)") == [vi(demo, "youth.ask_consent_for", member="Lê Văn Sơn")]
    assert chat.choices("ha") == ["Bạn ấy đã đồng ý", "Chưa hỏi / chưa đồng ý"]
    answer: list[str] = []
    for line in ["1", *FIELDS]:
        answer = await chat.say("ha", line)
    assert answer == [
        "Bạn kiểm tra lại thông tin thanh niên:\n"
        "• Người giới thiệu: Lê Văn Sơn\n• Ghi nhận bởi: Phạm Thu Hà\n"
        "• Họ và tên: Trần Thị Bích\n• Năm sinh: 2006\n• Giới tính: Nữ\n• Số điện thoại: 0912 345 678\n"
        "• Đối tượng: Học sinh, sinh viên\n• Giới thiệu tham gia: Hội Liên hiệp Thanh niên\n"
        "• Dân tộc (nhạy cảm): Kinh\n• Tôn giáo (nhạy cảm): (không có)\n"
        "• Đồng ý cho lưu thông tin: có\nLưu lại chứ?"
    ]
    assert await chat.say("ha", SAVE) == [
        vi(demo, "youth.registered_for", name="Trần Thị Bích", member="Lê Văn Sơn", count="1", year=2026) + "\n"
        + vi(demo, "youth.member_not_on_bot", member="Lê Văn Sơn")]
    son = await _member_id(demo, "Lê Văn Sơn")
    kp1 = await scalar(demo, "SELECT id FROM unit WHERE code = 'CD-KP1'")
    assert await rows(demo, "SELECT introduced_by, unit_id, recorded_by, status FROM youth") == [
        (son, kp1, ha, "introduced")]
    assert await rows(demo, "SELECT actor_member_id, action, target FROM audit WHERE action LIKE 'youth.%'") == [
        (ha, "youth.registered_on_behalf", f"youth:{await scalar(demo, 'SELECT id FROM youth')}")]
    assert await outbox_rows(demo) == []  # nobody to tell: Lê Văn Sơn has no chat


async def test_the_members_1_plus_1_is_fulfilled_in_branch_progress_and_reports(demo: App, chat: Chat,
                                                                                ha: int) -> None:
    before = (await chat.say("ha", "/chidoan"))[0]
    assert "Đã giới thiệu thanh niên: 0/7 đoàn viên" in before
    await _record_for(chat, "Lê Văn Sơn (1998)")
    after = (await chat.say("ha", "/chidoan"))[0]
    assert "Đã giới thiệu thanh niên: 1/7 đoàn viên" in after and "\nLê Văn Sơn (1)\n" in after
    assert "Lê Văn Sơn" not in after.split("Chưa giới thiệu")[1]
    fulfilled = await rows(demo, "SELECT r.period, r.introduced, r.fulfilled FROM report_rollup r "
                                 "JOIN unit u ON u.id = r.unit_id WHERE u.code = 'CD-KP1' ORDER BY r.period")
    assert fulfilled == [("2026", 1, 1), ("2026-H2", 1, 1)]


async def test_the_evaluation_lines_count_it_for_the_member(demo: App, chat: Chat, ha: int, clock: Clock) -> None:
    clock.now = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)  # the 2026-H2 evaluation window is open
    await _record_for(chat, "Lê Văn Sơn (1998)")
    _, lines = await chat.say("ha", "/danhgia")
    assert "1/7 đoàn viên đạt" in lines
    assert "Lê Văn Sơn — giới thiệu 1 — Đạt" in lines and "Phạm Thu Hà — giới thiệu 0 — Chưa đạt" in lines


async def test_a_member_on_the_bot_is_told_and_sees_it_as_theirs(demo: App, chat: Chat, ha: int,
                                                                 clock: Clock) -> None:
    an = await connect(demo, "an", unit_code="CD-KP1", member_id=await _member_id(demo, "Nguyễn Văn An"),
                       now=clock(), locale="en")
    done = await _record_for(chat, "Nguyễn Văn An (1996)")
    assert done[0].endswith("\n" + vi(demo, "youth.member_told", member="Nguyễn Văn An"))
    youth_id = await scalar(demo, "SELECT id FROM youth")
    [push] = await outbox_rows(demo)
    assert (push.dedupe_key, push.chat_id, push.not_before) == (f"youth.recorded_for.y{youth_id}:test:an", "an",
                                                                 clock())
    assert push.payload["text"] == (
        "Your branch secretary Phạm Thu Hà recorded for you: a young person you introduced is now on your 1+1 list "
        "(young people you have introduced in 2026: 1). Type /mine to see who, and /update when they attend an "
        "activity, join Hội or are admitted to Đoàn.")
    assert "Bích" not in str(push.payload)  # the young person's data stays in their own rows only
    assert push.payload["about"] == {"member_id": an, "youth_id": youth_id}
    mine = (await chat.say("an", "/mine"))[0]
    assert "Trần Thị Bích (2006)" in mine and "You have met your 1+1 goal" in mine


async def test_the_push_waits_for_the_morning_after_quiet_hours(demo: App, chat: Chat, ha: int,
                                                                clock: Clock) -> None:
    await connect(demo, "an", unit_code="CD-KP1", member_id=await _member_id(demo, "Nguyễn Văn An"), now=clock())
    clock.now = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)  # 22:30 in Ho Chi Minh City
    await _record_for(chat, "Nguyễn Văn An (1996)")
    [push] = await outbox_rows(demo)
    assert push.not_before > clock()


async def test_the_member_and_the_secretary_may_both_edit_the_record(demo: App, chat: Chat, ha: int,
                                                                     clock: Clock) -> None:
    await connect(demo, "an", unit_code="CD-KP1", member_id=await _member_id(demo, "Nguyễn Văn An"), now=clock())
    await _record_for(chat, "Nguyễn Văn An (1996)")
    for user, name in (("ha", "Trần Thị Bích Ngọc"), ("an", "Trần Ngọc Bích")):
        assert await chat.say(user, "/sua") == [vi(demo, "youth.edit_pick", total="1")]
        await chat.press(user, "Trần Thị Bích (2006)" if user == "ha" else "Trần Thị Bích Ngọc (2006)")
        await chat.press(user, "Họ và tên")
        await chat.say(user, name)
        assert await scalar(demo, "SELECT full_name FROM youth") == name
    await connect(demo, "bt2", unit_code="CD-KP2", role=RoleName.SECRETARY, now=clock())
    assert await chat.say("bt2", "/sua") == [vi(demo, "youth.none_yet")]  # another branch's secretary


async def test_a_secretary_introducing_someone_themselves_is_asked_nothing_more(demo: App, chat: Chat,
                                                                                ha: int) -> None:
    await chat.say("ha", "/gioithieu")
    assert await chat.press("ha", "Tôi giới thiệu") == [vi(demo, "youth.ask_consent")]
    for line in ["1", *FIELDS]:
        summary = await chat.say("ha", line)
    assert "Người giới thiệu" not in summary[0] and "Ghi nhận bởi" not in summary[0]
    assert (await chat.say("ha", SAVE)) == [vi(demo, "youth.registered", name="Trần Thị Bích", count="1", year=2026)]
    assert await rows(demo, "SELECT introduced_by, recorded_by FROM youth") == [(ha, None)]
    assert await count(demo, "audit", "action = 'youth.registered'") == 1


async def test_a_plain_members_introduce_is_unchanged(demo: App, chat: Chat, clock: Clock) -> None:
    await connect(demo, "son", unit_code="CD-KP1", member_id=await _member_id(demo, "Lê Văn Sơn"), now=clock())
    assert await chat.say("son", "/gioithieu") == [vi(demo, "youth.ask_consent")]


async def test_in_english(demo: App, chat: Chat, ha: int) -> None:
    await chat.say("ha", "/language en")
    assert await chat.say("ha", "/introduce") == ["Who introduced this young person?"]
    assert chat.choices("ha") == ["I did", "Record for a member"]
    await chat.press("ha", "Record for a member")
    assert (await chat.say("ha", "3"))[0].startswith("Recording for member Lê Văn Sơn. Before we start")
    await chat.press("ha", "Yes, they agreed")
    for line in ("Lê Văn Cường", "2003", "male", "Skip", "Self-employed", "1", "Skip", "Skip"):
        summary = await chat.say("ha", line)
    assert summary[0].startswith("Please check the young person's details:\n"
                                 "• Introduced by: Lê Văn Sơn\n• Recorded by: Phạm Thu Hà\n• Full name: Lê Văn Cường\n")
    saved = (await chat.press("ha", "Yes, save"))[0]
    assert saved == ("Saved! Lê Văn Cường is now on the list of young people Lê Văn Sơn introduced. Young people "
                     "Lê Văn Sơn has introduced in 2026: 1.\n"
                     "Lê Văn Sơn does not use Bot 1+1, so the bot cannot tell them; please let them know.")


# What the secretary types at the roster → the names offered (the whole list comes back after "no match").
SEARCHES = [
    pytest.param("son", ["Huỳnh Thị Sơn (2001)", "Lê Văn Sơn (1998)"], id="given-name"),
    pytest.param("SƠN", ["Huỳnh Thị Sơn (2001)", "Lê Văn Sơn (1998)"], id="capitals"),
    pytest.param(unicodedata.normalize("NFD", "Lê Văn"), ["Lê Văn Sơn (1998)"], id="nfd-family-and-middle"),
    pytest.param("  pham   thi ", ["Phạm Thị An (1999)"], id="spaces"),
    pytest.param("kh", ["Hoàng Thị Khánh (2000)", "Trần Văn Khánh (1997)"], id="word-start"),
    pytest.param("an", ["Nguyễn Văn An (1996)", "Phạm Thị An (1999)"], id="not-inside-words"),
    pytest.param("ha", None, id="the-secretary-herself"),
    pytest.param("Sơn 🌸", None, id="emoji"),
    pytest.param("%", None, id="like-wildcard"),
    pytest.param("_", None, id="like-underscore"),
    pytest.param("a" * 4000, None, id="4000-chars"),
    pytest.param("'; DELETE FROM member;--", None, id="sql"),
]


@pytest.mark.parametrize(("typed", "offered"), SEARCHES)
async def test_typing_a_name_finds_members_on_the_roster(demo: App, chat: Chat, ha: int, typed: str,
                                                         offered: list[str] | None) -> None:
    await chat.say("ha", "/gioithieu")
    await chat.press("ha", "Ghi nhận thay đoàn viên")
    answer = await chat.say("ha", typed)
    if offered is None:
        assert answer == [vi(demo, "youth.roster_no_match") + "\n" + vi(demo, "youth.roster_pick", total="6")]
        assert chat.choices("ha") == KP1_ROSTER
        return
    assert answer == [vi(demo, "youth.roster_found")]
    assert chat.choices("ha") == [*offered, "Xem cả danh sách"]
    assert await chat.press("ha", offered[-1]) == [
        vi(demo, "youth.ask_consent_for", member=offered[-1].rsplit(" (", 1)[0])]
    assert await count(demo, "member") == 43  # 42 seeded and the secretary: nothing written


async def test_a_long_roster_is_paged_and_a_wide_search_says_to_type_more(demo: App, chat: Chat, ha: int,
                                                                          clock: Clock) -> None:
    async with demo.sessions() as session, session.begin():
        unit = await unit_by_code(session, code="CD-KP1")
        assert unit is not None and unit.id is not None
        for n in range(10):
            await add_member(session, full_name=f"Đặng Văn Tùng {chr(65 + n)}", birth_year=1990 + n,
                             unit_id=unit.id, joined_at=clock())
        await add_member(session, full_name="Vũ Chờ Duyệt", birth_year=2001, unit_id=unit.id, joined_at=clock(),
                         status=MemberStatus.PENDING)
    await chat.say("ha", "/gioithieu")
    first = await chat.press("ha", "Ghi nhận thay đoàn viên")
    assert first == [vi(demo, "youth.roster_pick", total="16") + "\n" + vi(demo, "youth.page_of", page=1, pages=2)]
    assert chat.choices("ha")[:2] == ["Đặng Văn Tùng A (1990)", "Đặng Văn Tùng B (1991)"]  # "Đặng" as "Dang"
    assert chat.choices("ha")[-1] == "Trang sau ›" and len(chat.choices("ha")) == 9
    assert (await chat.say("ha", "9"))[0].endswith(vi(demo, "youth.page_of", page=2, pages=2))
    assert chat.choices("ha") == ["Đặng Văn Tùng I (1998)", "Đặng Văn Tùng J (1999)", *KP1_ROSTER, "‹ Trang trước"]
    assert "Vũ Chờ Duyệt (2001)" not in chat.choices("ha")  # not on the roster until the secretary confirms
    assert await chat.say("ha", "tung") == [vi(demo, "youth.roster_found_many", shown=8)]
    assert len(chat.choices("ha")) == 9
    assert await chat.press("ha", "Xem cả danh sách") == first


async def test_another_branch_is_out_of_reach_forged_or_typed(demo: App, chat: Chat, ha: int, clock: Clock) -> None:
    await connect(demo, "bt2", unit_code="CD-KP2", role=RoleName.SECRETARY, now=clock())
    await chat.say("bt2", "/gioithieu")
    await chat.press("bt2", "Ghi nhận thay đoàn viên")
    assert "Lê Văn Sơn (1998)" not in chat.choices("bt2")
    assert await chat.say("bt2", "Lê Văn Sơn") == [
        vi(demo, "youth.roster_no_match") + "\n" + vi(demo, "youth.roster_pick", total="5")]

    await chat.say("ha", "/gioithieu")
    await chat.press("ha", "Ghi nhận thay đoàn viên")
    theirs = await _member_id(demo, "Võ Minh Khánh", "CD-KP2")
    stamp = chat.payload("ha", "Lê Văn Sơn (1998)").split(".", 1)[0]
    assert await chat.send(chat.inbound("ha", choice=f"{stamp}.m{theirs}")) == [vi(demo, "engine.stale_choice")]
    assert await chat.say("ha", "Võ Minh Khánh") == [
        vi(demo, "youth.roster_no_match") + "\n" + vi(demo, "youth.roster_pick", total="6")]
    assert await chat.press("ha", "Lê Văn Sơn (1998)") == [vi(demo, "youth.ask_consent_for", member="Lê Văn Sơn")]
    assert await count(demo, "youth") == 0 and await count(demo, "audit") == 0


async def test_a_member_who_left_the_branch_after_the_list_was_shown_cannot_be_picked(demo: App, chat: Chat,
                                                                                      ha: int) -> None:
    await chat.say("ha", "/gioithieu")
    await chat.press("ha", "Ghi nhận thay đoàn viên")
    await _move(demo, "Lê Văn Sơn", "CD-KP2")
    answer = await chat.press("ha", "Lê Văn Sơn (1998)")
    assert answer == [vi(demo, "youth.roster_gone") + "\n" + vi(demo, "youth.roster_pick", total="5")]
    assert "Lê Văn Sơn (1998)" not in chat.choices("ha")
    assert await count(demo, "youth") == 0


async def test_a_member_who_leaves_before_the_save_is_chosen_again_with_the_answers_kept(demo: App, chat: Chat,
                                                                                         ha: int) -> None:
    await _record_for(chat, "Lê Văn Sơn (1998)", save=False)
    await _leave(demo, "Lê Văn Sơn")
    assert await chat.say("ha", SAVE) == [
        vi(demo, "youth.roster_gone_save") + "\n" + vi(demo, "youth.roster_pick", total="5")]
    assert await count(demo, "youth") == 0
    summary = await chat.press("ha", "Phạm Thị An (1999)")
    assert "• Người giới thiệu: Phạm Thị An\n" in summary[0] and "• Họ và tên: Trần Thị Bích\n" in summary[0]
    assert (await chat.say("ha", SAVE))[0].startswith("Đã lưu! Trần Thị Bích đã có trong danh sách thanh niên "
                                                      "do đoàn viên Phạm Thị An giới thiệu.")
    assert await scalar(demo, "SELECT introduced_by FROM youth") == await _member_id(demo, "Phạm Thị An")


async def test_a_secretary_who_lost_the_role_before_the_save_records_nothing(demo: App, chat: Chat,
                                                                             ha: int) -> None:
    await _record_for(chat, "Lê Văn Sơn (1998)", save=False)
    async with demo.db.begin() as connection:
        await connection.exec_driver_sql("DELETE FROM role WHERE role = 'secretary'")
    assert await chat.say("ha", SAVE) == [vi(demo, "youth.roster_empty_now")]
    assert await count(demo, "youth") == 0 and await count(demo, "conversation") == 0


async def test_nobody_else_on_the_roster_asks_again(demo: App, chat: Chat, ha: int) -> None:
    for name in KP1_ROSTER:
        await _leave(demo, name.rsplit(" (", 1)[0])
    await chat.say("ha", "/gioithieu")
    assert await chat.press("ha", "Ghi nhận thay đoàn viên") == [vi(demo, "youth.roster_empty")]
    assert chat.choices("ha") == ["Tôi giới thiệu", "Ghi nhận thay đoàn viên"]
    assert await chat.press("ha", "Tôi giới thiệu") == [vi(demo, "youth.ask_consent")]


@pytest.mark.parametrize("steps", range(1, 5), ids=lambda n: f"after-{n}-inputs")
async def test_cancel_before_the_save_leaves_nothing(demo: App, chat: Chat, ha: int, steps: int) -> None:
    for line in ["/gioithieu", "2", "Lê Văn Sơn (1998)", "1"][:steps]:
        await chat.say("ha", line)
    assert await chat.say("ha", "/huy") == [vi(demo, "cancel.done")]
    for table in ("youth", "conversation", "outbox"):
        assert await count(demo, table) == 0, table
    assert await count(demo, "audit", "action LIKE 'youth.%'") == 0


async def _move(app: App, name: str, unit_code: str) -> None:
    """Move Chi đoàn Khu phố 1's member `name` to the branch `unit_code`."""
    member_id = await _member_id(app, name)
    async with app.sessions() as session, session.begin():
        unit = await unit_by_code(session, code=unit_code)
        member = await session.get(Member, member_id)
        assert unit is not None and unit.id is not None and member is not None
        member.unit_id = unit.id


async def _leave(app: App, name: str) -> None:
    """Mark Chi đoàn Khu phố 1's member `name` as having left."""
    member_id = await _member_id(app, name)
    async with app.sessions() as session, session.begin():
        member = await session.get(Member, member_id)
        assert member is not None
        member.status = MemberStatus.LEFT
