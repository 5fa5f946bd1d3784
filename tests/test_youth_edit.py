"""/sua (/edit) and /xoa (/delete): correcting a field with the same duplicate checks as registering, and
deleting a young person's data while the audit log keeps only who, what, which record id and when."""

from __future__ import annotations

import pytest

from bot.app import App
from conversations.flows.youth_fields import PHONE_REFUSALS
from tests.conftest import Clock
from tests.test_youth_support import count, join, opened, register, rows, scalar, vi
from tests.transcript import Chat


async def test_edit_transcript_vi(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await register(chat, "an")
    assert await chat.say("an", "/sua") == ["Bạn muốn sửa thông tin thanh niên nào? (1 người)"]
    current = await chat.press("an", "Trần Thị Bích (2006)")
    assert current[0].startswith("Thông tin hiện tại:\n• Họ và tên: Trần Thị Bích\n")
    assert current[0].endswith("Bạn muốn sửa mục nào?")
    assert chat.choices("an")[:3] == ["Họ và tên", "Năm sinh", "Giới tính"]
    assert await chat.press("an", "Tôn giáo (nhạy cảm)") == [vi(demo, "youth.ask.religion")]
    edited = await chat.say("an", "phật giáo")
    assert edited[0].startswith("Đã sửa. Thông tin mới:\n• Họ và tên: Trần Thị Bích\n")
    assert "• Tôn giáo (nhạy cảm): Phật giáo" in edited[0]
    assert await opened(demo, "religion") == [("buddhism",)]
    assert await count(demo, "audit", "action = 'youth.edited'") == 1


async def test_edit_transcript_en(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await register(chat, "an")
    await chat.say("an", "/ngonngu en")
    assert await chat.say("an", "/edit") == ["Whose details do you want to change? (1 on your list)"]
    await chat.say("an", "1")
    assert await chat.press("an", "Full name") == ["The young person's full name (with Vietnamese accents):"]
    edited = await chat.say("an", "Trần Thị Ngọc Bích")
    assert edited[0].startswith("Changed. The details now read:\n• Full name: Trần Thị Ngọc Bích\n")
    assert await scalar(demo, "SELECT name_key FROM youth") == "tran thi ngoc bich"


@pytest.mark.parametrize(("field", "bad", "key"), [
    pytest.param("Họ và tên", "Bích 🌸", "validate.name_bad_chars", id="name-emoji"),
    pytest.param("Năm sinh", "1890", "validate.year_range", id="year-1890"),
    pytest.param("Năm sinh", "2030", "validate.year_range", id="year-2030"),
    pytest.param("Số điện thoại", "09x2345678", "validate.phone_bad_chars", id="phone-letters"),
    pytest.param("Dân tộc (nhạy cảm)", "a" * 4000, "validate.text_too_long", id="ethnicity-4000"),
])
async def test_edit_refuses_bad_input(demo: App, chat: Chat, field: str, bad: str, key: str) -> None:
    await join(chat, "an")
    await register(chat, "an")
    for line in ("/sua", "1", field):
        await chat.say("an", line)
    assert await chat.say("an", bad) == [vi(demo, key, limit=40, oldest=1991, youngest=2012)]
    assert await opened(demo, "full_name", "birth_year", "phone", "ethnicity") == [
        ("Trần Thị Bích", 2006, "0912345678", "kinh")]
    assert await count(demo, "audit", "action = 'youth.edited'") == 0


async def test_edit_to_a_phone_registered_elsewhere_is_refused(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await join(chat, "binh", "DEMO-DOANVIEN2", "Võ Minh Bình")
    await register(chat, "an")
    await register(chat, "binh", name="Võ Thị Cúc", phone="0388 123 456")
    for line in ("/sua", "1", "Số điện thoại"):
        await chat.say("binh", line)
    assert await chat.say("binh", "0912.345.678") == [vi(demo, "youth.phone_taken")]
    assert await scalar(demo, "SELECT phone FROM youth WHERE full_name = 'Võ Thị Cúc'") == "0388123456"
    assert await count(demo, "integrity_flag", "kind = 'duplicate_phone'") == 1


@pytest.mark.parametrize(("answer", "name", "flag"), [
    pytest.param("Đúng, cùng một người", "Lê Văn Cường", "same", id="same-person-unchanged"),
    pytest.param("Không, người khác", "Trần Thị Bích", "different", id="different-person-changed"),
])
async def test_edit_into_a_same_name_asks(demo: App, chat: Chat, answer: str, name: str, flag: str) -> None:
    await join(chat, "an")
    await register(chat, "an", name="Trần Thị Bích", year="2006")
    await register(chat, "an", name="Lê Văn Cường", year="2006", phone=None)
    for line in ("/sua", "Lê Văn Cường (2006)", "Họ và tên"):
        await chat.say("an", line)
    assert await chat.say("an", "Trần Thị Bích") == [
        vi(demo, "youth.ask_same_person", name="Trần Thị Bích", year=2006)]
    await chat.press("an", answer)
    assert await scalar(demo, "SELECT full_name FROM youth WHERE phone IS NULL") == name
    assert await count(demo, "integrity_flag", "kind = 'same_person' AND answer = :a", a=flag) == 1


async def test_delete_removes_personal_data_and_keeps_an_audit_line(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await join(chat, "binh", "DEMO-DOANVIEN2", "Võ Minh Bình")
    await register(chat, "an")
    for line in ("/gioithieu", "1", "Võ Thị Cúc", "2005", "Nữ"):
        await chat.say("binh", line)
    await chat.say("binh", "0912345678")  # refused: leaves a duplicate-phone flag naming only record ids
    await chat.say("binh", "/huy")
    for line in ("/capnhat", "1", "Đã vào Hội", "hôm nay"):
        await chat.say("an", line)
    youth_id = await scalar(demo, "SELECT id FROM youth")
    assert await chat.say("an", "/xoa") == ["Bạn muốn xóa thanh niên nào? (1 người)"]
    assert await chat.press("an", "Trần Thị Bích (2006)") == [
        vi(demo, "youth.delete_confirm", name="Trần Thị Bích", year=2006)]
    assert await chat.press("an", "Xóa hẳn") == ["Đã xóa thông tin của Trần Thị Bích."]
    assert await count(demo, "youth") == 0
    assert await count(demo, "participation") == 0
    audit = await rows(demo, "SELECT a.action, a.target, m.full_name FROM audit a "
                             "JOIN member m ON m.id = a.actor_member_id WHERE a.action = 'youth.deleted'")
    assert audit == [("youth.deleted", f"youth:{youth_id}", "Nguyễn Văn An")]
    everything = " ".join(str(v) for row in await rows(demo, "SELECT * FROM audit") for v in row)
    everything += " ".join(str(v) for row in await rows(demo, "SELECT * FROM integrity_flag") for v in row)
    for personal in ("Bích", "bich", "0912345678", "Kinh", "2006"):
        assert personal not in everything
    assert await chat.say("an", "/cuatoi") == [
        vi(demo, "youth.mine_empty") + "\n\n" + vi(demo, "youth.goal_missing", year=2026)]


async def test_delete_can_be_declined(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await register(chat, "an")
    await chat.say("an", "/delete")
    await chat.say("an", "1")
    assert await chat.press("an", "Không xóa") == [vi(demo, "cancel.done")]
    assert await count(demo, "youth") == 1


async def test_delete_in_english_by_the_secretary(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await join(chat, "ha", "DEMO-BITHU", "Phạm Thu Hà")
    await register(chat, "an")
    await chat.say("ha", "/ngonngu en")
    assert await chat.say("ha", "/delete") == ["Who do you want to delete? (1 on your list)"]
    assert (await chat.say("ha", "1"))[0].startswith("Delete Trần Thị Bích (2006) and all their participation")
    assert await chat.press("ha", "Delete") == ["Trần Thị Bích's details have been deleted."]
    actor = await scalar(demo, "SELECT m.full_name FROM audit a JOIN member m ON m.id = a.actor_member_id "
                               "WHERE a.action = 'youth.deleted'")
    assert actor == "Phạm Thu Hà"


async def test_sensitive_fields_are_withheld_above_the_branch(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await join(chat, "ha", "DEMO-BITHU", "Phạm Thu Hà")
    await join(chat, "quan", "DEMO-QUANDOAN", "Đỗ Văn Quân")
    await register(chat, "an")  # ethnicity Kinh
    await chat.say("ha", "/sua")
    assert "• Dân tộc (nhạy cảm): Kinh" in (await chat.say("ha", "1"))[0]
    assert "Dân tộc (nhạy cảm)" in chat.choices("ha")
    await chat.say("quan", "/sua")
    officer = await chat.say("quan", "1")
    assert "Kinh" not in officer[0]
    assert "• Dân tộc (nhạy cảm): " + vi(demo, "youth.hidden") in officer[0]
    assert "Dân tộc (nhạy cảm)" not in chat.choices("quan")
    assert "Tôn giáo (nhạy cảm)" not in chat.choices("quan")
    edited = await chat.press("quan", "Số điện thoại")
    edited = await chat.say("quan", "0388 123 456")
    assert "Kinh" not in edited[0] and "0388 123 456" in edited[0]


async def test_edit_is_held_back_after_too_many_phones_registered_elsewhere(demo: App, chat: Chat,
                                                                            clock: Clock) -> None:
    await join(chat, "an")
    await join(chat, "binh", "DEMO-DOANVIEN2", "Võ Minh Bình")
    await register(chat, "an")
    await register(chat, "binh", name="Võ Thị Cúc", phone="0388 123 456")
    for _ in range(PHONE_REFUSALS):
        for line in ("/sua", "1", "Số điện thoại"):
            await chat.say("binh", line)
        assert await chat.say("binh", "0912.345.678") == [vi(demo, "youth.phone_taken")]
    await chat.say("binh", "/ngonngu en")
    clock.advance(hours=2)
    for line in ("/edit", "1", "Phone"):
        await chat.say("binh", line)
    refused = await chat.say("binh", "0977 000 111")
    assert refused == [demo.catalogs.get("en")("youth.phone_try_later", wait="22 hours")]
    assert "try again in 22 hours" in refused[0]
    assert await scalar(demo, "SELECT phone FROM youth WHERE full_name = 'Võ Thị Cúc'") == "0388123456"
    assert await count(demo, "integrity_flag", "kind = 'duplicate_phone'") == PHONE_REFUSALS
    assert await count(demo, "integrity_flag", "kind = 'phone_probing'") == 1
