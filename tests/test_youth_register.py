"""/gioithieu (/introduce): transcripts in both languages, bad input per field, cancelling at every step,
consent, duplicates (same phone, same person) and two members registering the same phone at once."""

from __future__ import annotations

import asyncio
import unicodedata
from datetime import timedelta

import pytest

from bot.app import App
from conversations.flows.youth_fields import PHONE_REFUSALS
from storage.invites import create_invite
from storage.units import unit_by_code
from storage.youth import load_youth_groups
from tests.conftest import Clock
from tests.test_youth_support import REGISTER_STEPS, count, join, opened, register, scalar, vi
from tests.transcript import Chat

LONG = "a" * 4000


async def test_register_transcript_vi(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    assert await chat.say("an", "/gioithieu") == [vi(demo, "youth.ask_consent")]
    assert chat.choices("an") == ["Bạn ấy đã đồng ý", "Chưa hỏi / chưa đồng ý"]
    assert await chat.press("an", "Bạn ấy đã đồng ý") == ["Họ và tên đầy đủ của bạn thanh niên (có dấu):"]
    assert await chat.say("an", "trần thị bích") == ["Bạn ấy sinh năm nào? (từ 1991 đến 2012, ví dụ: 2006)"]
    assert await chat.say("an", "2006") == ["Giới tính:"]
    assert chat.choices("an") == ["Nam", "Nữ", "Khác"]
    assert await chat.press("an", "Nữ") == [vi(demo, "youth.ask.phone")]
    assert await chat.say("an", "+84 912 345 678") == ["Bạn ấy thuộc đối tượng thanh niên nào?"]
    assert chat.choices("an") == ["Thanh niên địa bàn dân cư", "Công nhân, lao động doanh nghiệp",
                                  "Học sinh, sinh viên", "Thành viên CLB, tổ, đội, nhóm", "Lao động tự do", "Khác"]
    assert await chat.say("an", "hoc sinh, sinh vien") == ["Bạn ấy được giới thiệu tham gia:"]
    assert chat.choices("an") == ["Tổ chức Đoàn", "Hội Liên hiệp Thanh niên", "Hoạt động của CLB, đội, nhóm"]
    assert await chat.press("an", "Hội Liên hiệp Thanh niên") == [vi(demo, "youth.ask.ethnicity")]
    assert chat.choices("an") == ["Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "H'Mông", "Dân tộc khác",
                                  "Bỏ qua"]
    assert await chat.say("an", "kinh") == [vi(demo, "youth.ask.religion")]
    assert chat.choices("an") == ["Không", "Phật giáo", "Công giáo", "Tin Lành", "Cao Đài", "Phật giáo Hòa Hảo",
                                  "Hồi giáo", "Tôn giáo khác", "Bỏ qua"]
    summary = await chat.press("an", "Bỏ qua")
    assert summary == [
        "Bạn kiểm tra lại thông tin thanh niên:\n"
        "• Họ và tên: Trần Thị Bích\n• Năm sinh: 2006\n• Giới tính: Nữ\n• Số điện thoại: 0912 345 678\n"
        "• Đối tượng: Học sinh, sinh viên\n• Giới thiệu tham gia: Hội Liên hiệp Thanh niên\n"
        "• Dân tộc (nhạy cảm): Kinh\n• Tôn giáo (nhạy cảm): (không có)\n"
        "• Đồng ý cho lưu thông tin: có\nLưu lại chứ?"
    ]
    done = await chat.press("an", "Đúng, lưu lại")
    assert done == [vi(demo, "youth.registered", name="Trần Thị Bích", count="1", year=2026)]
    row = await scalar(demo, "SELECT full_name || '|' || name_key || '|' || phone || '|' || group_code || '|' || "
                             "introduced_to || '|' || status FROM youth")
    assert row == "Trần Thị Bích|tran thi bich|0912345678|student|hoi|introduced"
    assert await opened(demo, "ethnicity") == [("kinh",)]
    assert await count(demo, "youth", "religion IS NULL AND consent_at IS NOT NULL") == 1
    assert await count(demo, "audit", "action = 'youth.registered'") == 1
    assert await count(demo, "integrity_flag") == 0


async def test_register_transcript_en(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await chat.say("an", "/ngonngu en")
    assert (await chat.say("an", "/introduce"))[0].startswith("Before we start: has the young person agreed")
    assert await chat.press("an", "Yes, they agreed") == ["The young person's full name (with Vietnamese accents):"]
    assert await chat.say("an", "Lê Văn Cường") == ["Which year were they born? (from 1991 to 2012, e.g. 2006)"]
    assert await chat.say("an", "2003") == ["Gender:"]
    assert await chat.say("an", "male") == ["Their phone number (e.g. 0912 345 678). If they have none, choose Skip."]
    assert await chat.press("an", "Skip") == ["Which group of young people do they belong to?"]
    await chat.press("an", "Self-employed")
    await chat.press("an", "Activities of a club or team")
    await chat.press("an", "Skip")
    summary = await chat.press("an", "Skip")
    assert "• Phone: (none)\n" in summary[0] and "• Group: Self-employed\n" in summary[0]
    assert "• Religion (sensitive): (none)\n" in summary[0]
    assert chat.choices("an") == ["Yes, save", "Change a field", "Cancel"]
    assert (await chat.press("an", "Yes, save"))[0].startswith("Saved! Lê Văn Cường is now on the list")
    assert await count(demo, "youth", "phone IS NULL AND gender = 'male' AND group_code = 'freelance'") == 1


async def test_no_consent_stores_nothing(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await chat.say("an", "/gioithieu")
    assert await chat.press("an", "Chưa hỏi / chưa đồng ý") == [vi(demo, "youth.no_consent")]
    assert await count(demo, "youth") == 0
    assert await count(demo, "conversation") == 0


async def test_edit_a_field_from_the_summary(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await register(chat, "an", save=False)
    await chat.press("an", "Sửa một mục")
    assert await chat.press("an", "Số điện thoại") == [vi(demo, "youth.ask.phone")]
    summary = await chat.say("an", "0388 123 456")
    assert "• Số điện thoại: 0388 123 456\n" in summary[0]
    await chat.press("an", "Đúng, lưu lại")
    assert await count(demo, "youth", "phone = '0388123456'") == 1


@pytest.mark.parametrize("steps", range(1, len(REGISTER_STEPS) + 2), ids=lambda n: f"after-{n}-inputs")
async def test_cancel_at_every_step_leaves_no_rows(demo: App, chat: Chat, steps: int) -> None:
    await join(chat, "an")
    for line in [*REGISTER_STEPS, "Sửa một mục"][:steps]:
        await chat.say("an", line)
    assert await chat.say("an", "/huy") == [vi(demo, "cancel.done")]
    for table in ("youth", "participation", "integrity_flag", "conversation"):
        assert await count(demo, table) == 0, table
    assert await count(demo, "audit", "action LIKE 'youth.%'") == 0


# (index in REGISTER_STEPS of the answer replaced, bad input, catalog key of the explanation)
BAD_INPUT = [
    pytest.param(2, "Bích 🌸", "validate.name_bad_chars", id="name-emoji"),
    pytest.param(2, LONG, "validate.name_too_long", id="name-4000-chars"),
    pytest.param(2, "Robert'); DROP TABLE youth;--", "validate.name_bad_chars", id="name-sql"),
    pytest.param(3, "1890", "validate.year_range", id="year-1890"),
    pytest.param(3, "2030", "validate.year_range", id="year-2030"),
    pytest.param(3, "hai nghìn", "validate.year_format", id="year-words"),
    pytest.param(3, LONG, "validate.year_format", id="year-4000-chars"),
    pytest.param(4, "🙂", "validate.gender", id="gender-emoji"),
    pytest.param(5, "0912 abc 678", "validate.phone_bad_chars", id="phone-letters"),
    pytest.param(5, "12345", "validate.phone_format", id="phone-short"),
    pytest.param(5, LONG, "validate.phone_format", id="phone-4000-chars"),
    pytest.param(6, "sinh viên năm 3", "engine.choose_one", id="group-not-a-choice"),
    pytest.param(7, "99", "engine.choose_one", id="introduced-to-out-of-range"),
    pytest.param(8, "Kinh 🙏", "validate.label_bad_chars", id="ethnicity-emoji"),
    pytest.param(8, LONG, "validate.text_too_long", id="ethnicity-4000-chars"),
    pytest.param(9, "12", "validate.label_empty", id="religion-digits"),
]


@pytest.mark.parametrize(("index", "bad", "key"), BAD_INPUT)
async def test_bad_input_is_explained_and_changes_nothing(demo: App, chat: Chat, index: int, bad: str,
                                                          key: str) -> None:
    await join(chat, "an")
    for line in REGISTER_STEPS[:index]:
        await chat.say("an", line)
    answer = await chat.say("an", bad)
    limit = 80 if key == "validate.name_too_long" else 40
    assert answer[0] == vi(demo, key, limit=limit, oldest=1991, youngest=2012)
    assert await count(demo, "youth") == 0
    for line in REGISTER_STEPS[index:]:
        await chat.say("an", line)
    await chat.say("an", "Đúng, lưu lại")
    assert await count(demo, "youth") == 1


async def test_nfd_name_is_stored_composed(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await register(chat, "an", name=unicodedata.normalize("NFD", "Trần Thị Bích"))
    assert await scalar(demo, "SELECT full_name FROM youth") == "Trần Thị Bích"
    assert unicodedata.is_normalized("NFC", await scalar(demo, "SELECT full_name FROM youth"))


async def test_same_phone_is_refused_without_saying_whose(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await join(chat, "binh", "DEMO-DOANVIEN2", "Võ Minh Bình")
    await register(chat, "an", phone="0912 345 678")
    steps = ["/gioithieu", "1", "Phạm Văn Dũng", "2004", "Nam"]
    for line in steps:
        await chat.say("binh", line)
    refused = await chat.say("binh", "+84912345678")
    assert refused == [vi(demo, "youth.phone_taken")]
    assert "Bích" not in refused[0] and "An" not in refused[0] and "Khu phố" not in refused[0]
    assert chat.choices("binh") == ["Bỏ qua"]
    flag = await scalar(demo, "SELECT kind || '|' || coalesce(answer, '-') FROM integrity_flag")
    assert flag == "duplicate_phone|-"
    await chat.press("binh", "Bỏ qua")
    assert await count(demo, "youth") == 1


async def test_same_name_and_year_in_the_grassroots_unit_asks(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await join(chat, "binh", "DEMO-DOANVIEN2", "Võ Minh Bình")  # same Đoàn phường Bình An
    await register(chat, "an", name="Trần Thị Bích", year="2006")
    for line in ("/gioithieu", "1", "TRAN THI BICH"):
        await chat.say("binh", line)
    question = await chat.say("binh", "2006")
    assert question == [vi(demo, "youth.ask_same_person", name="Tran Thi Bich", year=2006)]
    assert await chat.press("binh", "Đúng, cùng một người") == [vi(demo, "youth.same_person_stop")]
    assert await count(demo, "youth") == 1
    assert await count(demo, "integrity_flag", "kind = 'same_person' AND answer = 'same' AND youth_id IS NULL") == 1


async def test_different_person_with_the_same_name_is_registered_and_flagged(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await register(chat, "an", name="Trần Thị Bích", year="2006", phone=None)
    for line in ("/gioithieu", "1", "Trần Thị Bích", "2006"):
        await chat.say("an", line)
    assert await chat.press("an", "Không, người khác") == ["Giới tính:"]
    for line in REGISTER_STEPS[4:]:
        await chat.say("an", line)
    await chat.say("an", "Đúng, lưu lại")
    assert await count(demo, "youth") == 2
    new_id = await scalar(demo, "SELECT max(id) FROM youth")
    flag = await scalar(demo, "SELECT answer || '|' || youth_id || '|' || other_youth_id FROM integrity_flag")
    assert flag == f"different|{new_id}|{new_id - 1}"


async def test_same_name_in_another_grassroots_unit_is_not_asked(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await register(chat, "an", name="Trần Thị Bích", year="2006")
    async with demo.sessions() as session, session.begin():
        unit = await unit_by_code(session, code="CD-12A1")  # Đoàn trường THPT Lê Lợi
        assert unit is not None and unit.id is not None
        await create_invite(session, code="TEST-12A1", unit_id=unit.id, role="member", max_uses=5,
                            expires_at=demo.clock() + timedelta(days=1),
                            created_at=demo.clock())
    await join(chat, "cuong", "TEST-12A1", "Lê Văn Cường")
    for line in ("/gioithieu", "1", "Trần Thị Bích"):
        await chat.say("cuong", line)
    assert await chat.say("cuong", "2006") == ["Giới tính:"]


async def test_two_members_register_the_same_phone_at_once(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await join(chat, "binh", "DEMO-DOANVIEN2", "Võ Minh Bình")
    await register(chat, "an", name="Trần Thị Bích", phone="0912 345 678", save=False)
    await register(chat, "binh", name="Phạm Văn Dũng", phone="0912345678", save=False)
    answers = await asyncio.gather(chat.say("an", "1"), chat.say("binh", "1"))
    saved = [a for a in answers if a[0].startswith("Đã lưu!")]
    refused = [a for a in answers if a == [vi(demo, "youth.phone_taken_now")]]
    assert len(saved) == 1 and len(refused) == 1, answers
    assert await count(demo, "youth") == 1
    assert await count(demo, "participation") == 0
    assert await count(demo, "integrity_flag", "kind = 'duplicate_phone'") == 1
    assert await count(demo, "audit", "action = 'youth.registered'") == 1
    # The loser is back at the phone question and can save without the number.
    loser = "an" if answers[1] in saved else "binh"
    summary = await chat.say(loser, "Bỏ qua")
    assert "(không có)" in summary[0]
    assert (await chat.say(loser, "Đúng, lưu lại"))[0].startswith("Đã lưu!")
    assert await count(demo, "youth") == 2


async def test_strangers_cannot_register(demo: App, chat: Chat) -> None:
    assert await chat.say("x", "/gioithieu") == [vi(demo, "engine.join_first")]
    assert await chat.say("x", "/introduce") == [vi(demo, "engine.join_first")]


def test_every_group_has_a_label_in_both_languages(app: App) -> None:
    for code in load_youth_groups():
        for locale in ("vi", "en"):
            label = app.catalogs.get(locale)(f"youth.group.{code}")
            assert label != f"youth.group.{code}", (locale, code)


async def test_probing_phone_numbers_is_held_back_and_flagged_once(demo: App, chat: Chat, clock: Clock) -> None:
    await join(chat, "an")
    await join(chat, "binh", "DEMO-DOANVIEN2", "Võ Minh Bình")
    await register(chat, "an", phone="0912 345 678")
    for line in ("/gioithieu", "1", "Phạm Văn Dũng", "2004", "Nam"):
        await chat.say("binh", line)
    for _ in range(PHONE_REFUSALS):  # one refusal an hour
        assert await chat.say("binh", "0912345678") == [vi(demo, "youth.phone_taken")]
        clock.advance(hours=1)
    # Now even a number nobody registered is not looked up until the first refusal is 24 hours old.
    assert await chat.say("binh", "0388 123 456") == [vi(demo, "youth.phone_try_later", wait="19 tiếng")]
    assert chat.choices("binh") == ["Bỏ qua"]
    clock.advance(minutes=30)
    assert await chat.say("binh", "0912345678") == [vi(demo, "youth.phone_try_later", wait="18 tiếng 30 phút")]
    assert await count(demo, "integrity_flag", "kind = 'duplicate_phone'") == PHONE_REFUSALS
    assert await count(demo, "integrity_flag", "kind = 'phone_probing' AND youth_id IS NULL") == 1
    clock.advance(hours=18, minutes=31)
    assert await chat.say("binh", "0912345678") == [vi(demo, "youth.phone_taken")]  # five in 24 hours again
    assert await chat.say("binh", "0388 123 456") == [vi(demo, "youth.phone_try_later", wait="59 phút")]
    assert await count(demo, "integrity_flag", "kind = 'phone_probing'") == 1
    assert await chat.press("binh", "Bỏ qua") == ["Bạn ấy thuộc đối tượng thanh niên nào?"]
    clock.advance(hours=1)
    assert await chat.say("an", "/gioithieu") == [vi(demo, "youth.ask_consent")]  # others are not held back
    for line in ("1", "Lê Thị Hoa", "2005", "Nữ"):
        await chat.say("an", line)
    assert await chat.say("an", "0388 123 456") == ["Bạn ấy thuộc đối tượng thanh niên nào?"]
