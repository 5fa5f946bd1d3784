"""A young person under 16 (this year − birth year < 16): /gioithieu asks who agreed for them (a parent or a
guardian, kept in youth.consent_by beside consent_at), never asks their ethnicity or religion, and "nobody yet"
ends the registration with nothing saved. The clock stands in November 2026: born 2011 is 15, born 2010 is 16."""

from __future__ import annotations

import json

import pytest

from bot.app import App
from storage.models import RoleName
from tests.conftest import Clock
from tests.evaluation_support import connect
from tests.test_youth_support import count, join, opened, rows, scalar, vi
from tests.transcript import Chat

_UP_TO_YEAR = ["/gioithieu", "Bạn ấy đã đồng ý", "Lê Minh Khang"]
_AFTER_GENDER = ["Nam", "Bỏ qua", "Học sinh, sinh viên", "Hội Liên hiệp Thanh niên"]


@pytest.mark.parametrize(("label", "stored"), [
    pytest.param("Cha hoặc mẹ", "parent", id="parent"),
    pytest.param("Người giám hộ", "guardian", id="guardian"),
])
async def test_under_16_asks_who_agreed_and_no_sensitive_question(
        demo: App, chat: Chat, clock: Clock, label: str, stored: str) -> None:
    await join(chat, "an")
    for line in _UP_TO_YEAR:
        await chat.say("an", line)
    assert await chat.say("an", "2011") == [vi(demo, "youth.ask_guardian", year=2011)]
    assert chat.choices("an") == ["Cha hoặc mẹ", "Người giám hộ", "Chưa ai đồng ý"]
    assert await chat.say("an", label) == [vi(demo, "youth.ask.gender")]
    answers = [await chat.say("an", line) for line in _AFTER_GENDER]
    summary = answers[-1][0]
    assert summary.startswith(vi(demo, "youth.summary", lines="").split("\n")[0][:20])
    assert "Dân tộc" not in summary and "Tôn giáo" not in summary
    assert f"• Người đồng ý thay (dưới 16 tuổi): {label}" in summary
    asked = " ".join(text for answer in answers for text in answer)
    assert vi(demo, "youth.ask.ethnicity") not in asked and vi(demo, "youth.ask.religion") not in asked
    assert "Đã lưu!" in (await chat.say("an", "Đúng, lưu lại"))[0]
    assert await rows(demo, "SELECT full_name, birth_year, consent_by, ethnicity, religion FROM youth") == [
        ("Lê Minh Khang", 2011, stored, None, None)]
    consent_at, updated_at = (await rows(demo, "SELECT consent_at, updated_at FROM youth"))[0]
    assert str(consent_at)[:16] == str(updated_at)[:16] == clock.now.strftime("%Y-%m-%d %H:%M")


async def test_under_16_without_agreement_saves_nothing(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    for line in _UP_TO_YEAR:
        await chat.say("an", line)
    await chat.say("an", "2012")
    assert await chat.press("an", "Chưa ai đồng ý") == [vi(demo, "youth.guardian_refused")]
    assert await count(demo, "youth") == 0
    assert await count(demo, "audit", "action LIKE 'youth.%'") == 0


async def test_turning_16_this_year_agrees_themselves(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    for line in _UP_TO_YEAR:
        await chat.say("an", line)
    assert await chat.say("an", "2010") == [vi(demo, "youth.ask.gender")]
    for line in _AFTER_GENDER:
        last = await chat.say("an", line)
    assert last == [vi(demo, "youth.ask.ethnicity")]


async def test_year_corrected_under_16_asks_guardian_and_drops_sensitive(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    for line in [*_UP_TO_YEAR, "2008", *_AFTER_GENDER, "Kinh", "Bỏ qua"]:
        await chat.say("an", line)
    await chat.press("an", "Sửa một mục")
    assert "Dân tộc (nhạy cảm)" in chat.choices("an")
    await chat.press("an", "Năm sinh")
    assert await chat.say("an", "2011") == [vi(demo, "youth.ask_guardian", year=2011)]
    summary = (await chat.press("an", "Người giám hộ"))[0]
    assert "Dân tộc" not in summary and "Tôn giáo" not in summary
    await chat.press("an", "Sửa một mục")
    assert "Dân tộc (nhạy cảm)" not in chat.choices("an")
    await chat.press("an", "Giới tính")
    await chat.say("an", "Nữ")
    await chat.press("an", "Đúng, lưu lại")
    assert await rows(demo, "SELECT birth_year, consent_by, ethnicity, religion FROM youth") == [
        (2011, "guardian", None, None)]


async def test_year_corrected_to_16_forgets_the_guardian(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    for line in [*_UP_TO_YEAR, "2011", "Cha hoặc mẹ", *_AFTER_GENDER]:
        await chat.say("an", line)
    await chat.press("an", "Sửa một mục")
    await chat.press("an", "Năm sinh")
    summary = (await chat.say("an", "2009"))[0]
    assert "Người đồng ý thay" not in summary
    await chat.press("an", "Đúng, lưu lại")
    assert await rows(demo, "SELECT birth_year, consent_by FROM youth") == [(2009, None)]


async def test_secretary_records_a_child_for_a_member_and_the_export_says_who(
        demo: App, chat: Chat, clock: Clock) -> None:
    await connect(demo, "ha", unit_code="CD-KP1", role=RoleName.SECRETARY, now=clock())
    secretary = await scalar(demo, "SELECT full_name FROM member m JOIN chat_identity c ON c.member_id = m.id "
                                   "WHERE c.external_id = 'ha'")
    await chat.say("ha", "/gioithieu")
    await chat.press("ha", "Ghi nhận thay đoàn viên")
    await chat.press("ha", "Lê Văn Sơn (1998)")
    for line in ["Bạn ấy đã đồng ý", "Lê Minh Khang", "2011"]:
        await chat.say("ha", line)
    for line in ["Người giám hộ", *_AFTER_GENDER, "Đúng, lưu lại"]:
        await chat.say("ha", line)
    assert await rows(demo, "SELECT consent_by, ethnicity, religion FROM youth") == [("guardian", None, None)]
    await chat.say("ha", "/dulieu")
    await chat.press("ha", "Lê Minh Khang (2011)")
    (file,) = [reply.attachment for reply in chat.last["ha"] if reply.attachment is not None]
    held = json.loads(file.content)
    assert (held["introduced_by"], held["recorded_by"], held["consent_by"], held["birth_year"]) == (
        "Lê Văn Sơn", secretary, "guardian", 2011)
    # The export is audited after the file is made: the file holds what came before it.
    assert [line["action"] for line in held["history"]] == ["youth.registered_on_behalf"]


async def test_sua_to_a_child_s_birth_year_is_refused_and_changes_nothing(demo: App, chat: Chat) -> None:
    """The person agreed themselves at 18: a year that makes them a child needs a parent's or guardian's
    agreement, which only a new registration asks for."""
    await join(chat, "an")
    for line in [*_UP_TO_YEAR, "2008", *_AFTER_GENDER, "Tày", "Bỏ qua", "Đúng, lưu lại"]:
        await chat.say("an", line)
    await chat.say("an", "/sua")
    await chat.press("an", "Lê Minh Khang (2008)")
    await chat.press("an", "Năm sinh")
    assert await chat.say("an", "2012") == [vi(demo, "youth.edit_child_needs_guardian", year=2012)]
    assert await rows(demo, "SELECT birth_year, consent_by FROM youth") == [(2008, None)]
    assert await opened(demo, "ethnicity") == [("tay",)]
    assert await count(demo, "audit", "action = 'youth.edited'") == 0


async def test_sua_offers_no_sensitive_field_for_a_child_and_refuses_a_forged_one(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    for line in [*_UP_TO_YEAR, "2011", "Cha hoặc mẹ", *_AFTER_GENDER, "Đúng, lưu lại"]:
        await chat.say("an", line)
    await chat.say("an", "/sua")
    await chat.press("an", "Lê Minh Khang (2011)")
    assert "Dân tộc (nhạy cảm)" not in chat.choices("an") and "Tôn giáo (nhạy cảm)" not in chat.choices("an")
    forged = chat.payload("an", "Giới tính").rsplit(".", 1)[0] + ".ethnicity"
    assert await chat.send(chat.inbound("an", choice=forged)) == [vi(demo, "engine.stale_choice")]
    assert vi(demo, "youth.ask.ethnicity") not in await chat.say("an", "Kinh")
    assert await opened(demo, "ethnicity", "religion", "consent_by") == [(None, None, "parent")]
