"""/kiemtra (/inspect): the inspection committee (ủy ban kiểm tra) reviews the integrity flags raised in its
subtree: each kind raised by a scenario played through the registration dialog, then listed, opened and
concluded with a note through /kiemtra; who and when are kept; nothing outside the subtree is shown or changed."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from bot.app import App
from conversations.flows.youth_fields import PHONE_REFUSALS
from storage.integrity import FlagKind, flag_count, flag_in_subtree, record_flag
from storage.models import Unit
from tests import joining
from tests.conftest import Clock
from tests.test_youth_support import count, join, register, rows, vi
from tests.transcript import Chat

KIND_LABELS = {FlagKind.SAME_PERSON: "Trùng họ tên và năm sinh", FlagKind.DUPLICATE_PHONE: "Trùng số điện thoại",
               FlagKind.PHONE_PROBING: "Dò số điện thoại"}


async def inspector(chat: Chat, user: str = "ubkt") -> None:
    """Join as the demo inspector of Quận Đoàn Hòa Bình (DEMO-KIEMTRA)."""
    assert "Xong" in (await joining.join_officer(chat, user, "DEMO-KIEMTRA", "Lê Văn Kiểm", "1990"))[0]


async def claim_same_person(chat: Chat) -> None:
    """A member of Khu phố 2 registers the young person Khu phố 1 already has, and says it is the same one."""
    for line in ("/gioithieu", "1", "Trần Thị Bích", "2006"):
        await chat.say("binh", line)
    await chat.press("binh", "Đúng, cùng một người")


async def claim_phone(chat: Chat, name: str = "Lê Văn Cường", phone: str = "0912 345 678") -> list[str]:
    """A member of Khu phố 2 registers someone else with a phone Khu phố 1 already recorded."""
    answer: list[str] = []
    for line in ("/gioithieu", "1", name, "2005", "Nam", phone):
        answer = await chat.say("binh", line)
    return answer


async def scenario(chat: Chat, kind: FlagKind) -> None:
    await join(chat, "an")
    await register(chat, "an")
    await join(chat, "binh", "DEMO-DOANVIEN2", "Phạm Văn Bình")
    if kind == FlagKind.SAME_PERSON:
        await claim_same_person(chat)
    else:
        await claim_phone(chat)


@pytest.mark.parametrize("kind", [
    pytest.param(FlagKind.SAME_PERSON, id="same-person"),
    pytest.param(FlagKind.DUPLICATE_PHONE, id="duplicate-phone"),
])
async def test_flag_raised_and_reviewed(demo: App, chat: Chat, clock: Clock, kind: FlagKind) -> None:
    await scenario(chat, kind)
    await inspector(chat)
    listing = await chat.say("ubkt", "/kiemtra")
    assert listing == ["Cảnh báo đang chờ kiểm tra (1), mới nhất trước. Bạn chọn một cảnh báo để xem:"]
    label = chat.choices("ubkt")[0]
    assert label.startswith(f"#1 {KIND_LABELS[kind]} · Chi đoàn Khu phố 2 · ")
    detail = (await chat.press("ubkt", label))[0]
    assert detail.startswith(f"• Cảnh báo #1: {KIND_LABELS[kind]}\n• Đơn vị: Chi đoàn Khu phố 2 (CD-KP2)\n")
    assert "hồ sơ đã có 1, đoàn viên " in detail
    for private in ("Trần Thị Bích", "Lê Văn Cường", "0912", "Kinh", "2006"):
        assert private not in detail
    assert chat.choices("ubkt") == ["Đúng", "Sai, đã sửa", "Cần xác minh"]
    assert await chat.press("ubkt", "Cần xác minh") == [vi(demo, "inspect.ask_note", note_max=500)]
    assert await chat.say("ubkt", "Hẹn gặp hai đoàn viên để xác minh") == [
        "Đã lưu kết luận «Cần xác minh» cho cảnh báo #1."]
    found = await rows(demo, "SELECT f.review, f.review_note, m.full_name FROM integrity_flag f "
                             "JOIN member m ON m.id = f.reviewed_by")
    assert found == [("verify", "Hẹn gặp hai đoàn viên để xác minh", "Lê Văn Kiểm")]
    assert await count(demo, "integrity_flag", "reviewed_at IS NOT NULL") == 1
    assert await count(demo, "audit", "action = 'flag.reviewed' AND target = 'flag:1'") == 1
    assert await chat.say("ubkt", "/kiemtra") == [vi(demo, "inspect.none")]


async def test_phone_probing_listed_newest_first(demo: App, chat: Chat, clock: Clock) -> None:
    await join(chat, "an")
    await register(chat, "an")
    await join(chat, "binh", "DEMO-DOANVIEN2", "Phạm Văn Bình")
    await claim_phone(chat)
    for _ in range(PHONE_REFUSALS):
        clock.advance(minutes=1)
        await chat.say("binh", "0912 345 678")
    kinds = await rows(demo, "SELECT kind, count(*) FROM integrity_flag GROUP BY kind ORDER BY kind")
    assert kinds == [("duplicate_phone", PHONE_REFUSALS), ("phone_probing", 1)]
    await inspector(chat)
    await chat.say("ubkt", "/kiemtra")
    labels = chat.choices("ubkt")
    assert labels[0].startswith(f"#{PHONE_REFUSALS + 1} Dò số điện thoại · Chi đoàn Khu phố 2 · ")
    assert [label.split(" ")[0] for label in labels] == [f"#{n}" for n in range(PHONE_REFUSALS + 1, 0, -1)]
    await chat.press("ubkt", labels[0])
    await chat.press("ubkt", "Đúng")
    assert await chat.say("ubkt", "Đã nhắc đoàn viên") == ["Đã lưu kết luận «Đúng» cho cảnh báo "
                                                            f"#{PHONE_REFUSALS + 1}."]
    assert await rows(demo, "SELECT id, review FROM integrity_flag WHERE review IS NOT NULL") == [
        (PHONE_REFUSALS + 1, "correct")]


@pytest.mark.parametrize(("note", "key"), [
    pytest.param("a" * 4000, "validate.text_too_long", id="4000-chars"),
    pytest.param("   ", "validate.text_empty", id="blank"),
    pytest.param("xem lại\x1b[31m", "validate.text_bad_chars", id="ansi-escape"),
    pytest.param("abc\u202e", "validate.text_bad_chars", id="bidi-override"),
])
async def test_bad_note_refused(demo: App, chat: Chat, note: str, key: str) -> None:
    await scenario(chat, FlagKind.SAME_PERSON)
    await inspector(chat)
    for line in ("/kiemtra", "1", "Sai, đã sửa"):
        await chat.say("ubkt", line)
    assert await chat.say("ubkt", note) == [vi(demo, key, limit=500)]
    assert await count(demo, "integrity_flag", "review IS NOT NULL OR review_note IS NOT NULL") == 0
    assert await count(demo, "audit", "action = 'flag.reviewed'") == 0


@pytest.mark.parametrize(("note", "kept"), [
    pytest.param("Đã sửa lại hồ sơ 👍", "Đã sửa lại hồ sơ 👍", id="emoji"),
    pytest.param("Đa\u0303 sư\u0309a", "Đã sửa", id="nfd"),
    pytest.param("'; DROP TABLE youth; --", "'; DROP TABLE youth; --", id="sql-looking"),
])
async def test_note_kept_as_written(demo: App, chat: Chat, note: str, kept: str) -> None:
    await scenario(chat, FlagKind.SAME_PERSON)
    await inspector(chat)
    for line in ("/kiemtra", "1", "2"):
        await chat.say("ubkt", line)
    assert await chat.say("ubkt", note) == ["Đã lưu kết luận «Sai, đã sửa» cho cảnh báo #1."]
    assert await rows(demo, "SELECT review, review_note FROM integrity_flag") == [("fixed", kept)]


async def _flag_in(demo: App, clock: Clock, code: str) -> int:
    async with demo.sessions() as session, session.begin():
        unit = (await session.exec(select(Unit).where(col(Unit.code) == code))).one()
        assert unit.id is not None
        flag = await record_flag(session, kind=FlagKind.SAME_PERSON, unit_id=unit.id, member_id=None,
                                 youth_id=7, other_youth_id=3, at=clock())
        assert flag.id is not None
        return flag.id


async def test_outside_subtree_neither_listed_nor_reviewable(demo: App, chat: Chat, clock: Clock) -> None:
    outside = await _flag_in(demo, clock, "CS-TL")  # Huyện Đoàn Thanh Sơn: not the inspector's district
    inside = await _flag_in(demo, clock, "CS-PBA")
    await inspector(chat)
    assert await chat.say("ubkt", "/kiemtra") == [
        "Cảnh báo đang chờ kiểm tra (1), mới nhất trước. Bạn chọn một cảnh báo để xem:"]
    assert len(chat.choices("ubkt")) == 1
    assert chat.choices("ubkt")[0].startswith(f"#{inside} Trùng họ tên và năm sinh · Đoàn phường Bình An · ")
    forged = chat.payload("ubkt", chat.choices("ubkt")[0]).replace(f"f{inside}", f"f{outside}")
    assert await chat.send(chat.inbound("ubkt", choice=forged)) == [vi(demo, "engine.stale_choice")]
    assert await count(demo, "integrity_flag", "review IS NOT NULL") == 0


@pytest.mark.parametrize(("paths", "flag_unit", "seen"), [
    pytest.param(["QD-HB"], "CS-PBA", True, id="district-sees-grassroots"),
    pytest.param(["QD-HB"], "QD-HB", True, id="district-sees-itself"),
    pytest.param(["QD-HB"], "CS-TL", False, id="district-not-other-district"),
    pytest.param(["CS-PBA"], "QD-HB", False, id="grassroots-not-above"),
    pytest.param(["CS-LL", "HD-TS"], "CS-TL", True, id="two-roles"),
    pytest.param([], "CS-PBA", False, id="no-role"),
])
async def test_flag_in_subtree(demo: App, clock: Clock, paths: list[str], flag_unit: str, seen: bool) -> None:
    flag_id = await _flag_in(demo, clock, flag_unit)
    async with demo.sessions() as session:
        units = (await session.exec(select(Unit).where(col(Unit.code).in_(paths)))).all()
        roots = [unit.path for unit in units]
        found = await flag_in_subtree(session, flag_id=flag_id, paths=roots)
        assert (found is not None) == seen
        assert await flag_count(session, paths=roots) == int(seen)


async def test_flag_reviewed_meanwhile(demo: App, chat: Chat) -> None:
    await scenario(chat, FlagKind.SAME_PERSON)
    await inspector(chat)
    await inspector(chat, "ubkt2")
    await chat.say("ubkt", "/kiemtra")
    await chat.say("ubkt2", "/kiemtra")
    await chat.say("ubkt2", "1")
    await chat.say("ubkt2", "1")
    await chat.say("ubkt2", "Đúng là một người")
    assert await chat.say("ubkt", "1") == [vi(demo, "inspect.not_found")]
    assert await rows(demo, "SELECT review_note FROM integrity_flag") == [("Đúng là một người",)]


async def test_member_and_officer_cannot_inspect(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await joining.join_officer(chat, "qd")
    for user in ("an", "qd"):
        answer = await chat.say(user, "/kiemtra")
        assert answer and "Cảnh báo" not in answer[0]


async def test_english(demo: App, chat: Chat) -> None:
    await scenario(chat, FlagKind.DUPLICATE_PHONE)
    await inspector(chat)
    await chat.say("ubkt", "/ngonngu en")
    assert await chat.say("ubkt", "/inspect") == [
        "Flags waiting for review (1), newest first. Pick one to see it:"]
    detail = (await chat.say("ubkt", "1"))[0]
    assert detail.startswith("• Flag #1: Same phone number\n• Unit: Chi đoàn Khu phố 2 (CD-KP2)\n")
    assert chat.choices("ubkt") == ["Correct", "Wrong, corrected", "Needs verification"]


async def test_report_shows_flag_counts_per_unit(demo: App, chat: Chat) -> None:
    await scenario(chat, FlagKind.DUPLICATE_PHONE)
    await claim_same_person(chat)
    await inspector(chat)
    for line in ("/kiemtra", "1", "Đúng", "Đã xác minh"):
        await chat.say("ubkt", line)
    await joining.join_officer(chat, "qd")
    replies = await chat.say("qd", "/baocao")
    assert "Cảnh báo liêm chính (chờ kiểm tra / đã kết luận):\n• Chi đoàn Khu phố 2: 1 / 1" in replies
