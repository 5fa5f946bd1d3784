"""/cuatoi (/mine): my young people with status and last update, my 1+1 result this year, and for
secretaries and officers the young people of the units they oversee."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import App
from conversations.flows.youth_pick import picker_payload
from storage.youth import add_youth
from tests.conftest import Clock
from tests.test_youth_support import join, register, scalar, vi
from tests.transcript import Chat


async def test_mine_transcript_vi(demo: App, chat: Chat, clock: Clock) -> None:
    await join(chat, "an")
    assert await chat.say("an", "/cuatoi") == [
        vi(demo, "youth.mine_empty") + "\n\n" + vi(demo, "youth.goal_missing", year=2026)]
    await register(chat, "an", name="Trần Thị Bích", phone="0912 345 678")
    await register(chat, "an", name="Lê Văn Cường", year="2003", phone=None)
    clock.advance(days=2)
    for line in ("/capnhat", "Trần Thị Bích (2006)", "Đã vào Hội", "hôm nay"):
        await chat.say("an", line)
    assert await chat.say("an", "/cuatoi") == [
        "Thanh niên bạn đã giới thiệu (2):\n"
        "1. Lê Văn Cường (2003) — Mới giới thiệu, cập nhật 24/11/2026\n"
        "2. Trần Thị Bích (2006) — Đã vào Hội, cập nhật 26/11/2026\n"
        "\n"
        "Bạn đã hoàn thành chỉ tiêu 1+1 năm 2026 (đã giới thiệu 2 thanh niên)."]
    assert chat.choices("an") == []


async def test_mine_transcript_en(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await chat.say("an", "/ngonngu en")
    assert await chat.say("an", "/mine") == [
        "You have not registered anyone yet. Type /introduce to start.\n\n"
        "You have not introduced anyone in 2026 yet, so your 1+1 goal (at least one young person) is not met. "
        "Type /introduce when you have."]
    for line in ("/introduce", "1", "Trần Thị Bích", "2006", "female", "0912345678", "3", "2", "1", "1", "1"):
        await chat.say("an", line)
    assert await chat.say("an", "/mine") == [
        "Young people you introduced (1):\n"
        "1. Trần Thị Bích (2006) — Introduced, updated 24 Nov 2026\n"
        "\n"
        "You have met your 1+1 goal for 2026 (1 introduced)."]


async def test_last_years_introduction_does_not_count_this_year(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    member_id = await scalar(demo, "SELECT member_id FROM chat_identity WHERE external_id = 'an'")
    unit_id = await scalar(demo, "SELECT unit_id FROM member WHERE id = :i", i=member_id)
    # 31/12/2025 23:30 in Ho Chi Minh City is still last year there, though 2025-12-31 16:30 UTC.
    last_year = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)
    async with demo.sessions() as session, session.begin():
        await add_youth(session, values={
            "full_name": "Hồ Thị Lan", "name_key": "ho thi lan", "birth_year": 2004, "gender": "female",
            "group_code": "worker", "introduced_to": "doan", "introduced_by": member_id, "unit_id": unit_id,
            "introduced_at": last_year, "consent_at": last_year, "status": "introduced", "status_at": last_year})
    answer = await chat.say("an", "/cuatoi")
    assert "1. Hồ Thị Lan (2004) — Mới giới thiệu, cập nhật 31/12/2025" in answer[0]
    assert answer[0].endswith(vi(demo, "youth.goal_missing", year=2026))


async def test_secretary_and_officer_see_the_branch_another_branch_does_not(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await join(chat, "ha", "DEMO-BITHU", "Phạm Thu Hà")
    await join(chat, "quan", "DEMO-QUANDOAN", "Đỗ Văn Quân")
    await join(chat, "binh", "DEMO-DOANVIEN2", "Võ Minh Bình")
    await register(chat, "an", name="Trần Thị Bích")
    await register(chat, "an", name="Lê Văn Cường", year="2003", phone=None)
    await chat.say("ha", "/cuatoi")
    assert chat.choices("ha") == ["Thanh niên các đơn vị tôi phụ trách"]
    expected = [
        "Thanh niên trong các đơn vị bạn phụ trách (2):\n"
        "1. Lê Văn Cường (2003) — Mới giới thiệu, cập nhật 24/11/2026 — đoàn viên giới thiệu: Nguyễn Văn An\n"
        "2. Trần Thị Bích (2006) — Mới giới thiệu, cập nhật 24/11/2026 — đoàn viên giới thiệu: Nguyễn Văn An"]
    assert await chat.press("ha", "Thanh niên các đơn vị tôi phụ trách") == expected
    assert chat.choices("ha") == ["Thanh niên tôi giới thiệu"]
    await chat.say("quan", "/cuatoi")
    assert await chat.say("quan", "1") == expected
    binh = await chat.say("binh", "/cuatoi")
    assert "Trần Thị Bích" not in binh[0] and "Lê Văn Cường" not in binh[0]
    assert chat.choices("binh") == []
    assert await chat.say("binh", "1") == [vi(demo, "engine.fallback_member")]


async def test_mine_pages_through_many(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    member_id = await scalar(demo, "SELECT member_id FROM chat_identity WHERE external_id = 'an'")
    unit_id = await scalar(demo, "SELECT unit_id FROM member WHERE id = :i", i=member_id)
    now = demo.clock()
    async with demo.sessions() as session, session.begin():
        for n in range(11):
            await add_youth(session, values={
                "full_name": f"Thanh Niên Số {n:02d}", "name_key": f"thanh nien so {n:02d}", "birth_year": 2005,
                "gender": "male", "group_code": "student", "introduced_to": "hoi", "introduced_by": member_id,
                "unit_id": unit_id, "introduced_at": now, "consent_at": now, "status": "introduced",
                "status_at": now})
    first = await chat.say("an", "/cuatoi")
    assert first[0].startswith("Thanh niên bạn đã giới thiệu (11):\n1. Thanh Niên Số 10 (2005)")
    assert "Trang 1/2" in first[0] and "8. Thanh Niên Số 03" in first[0]
    assert chat.choices("an") == ["Trang sau ›"]
    second = await chat.press("an", "Trang sau ›")
    assert "9. Thanh Niên Số 02" in second[0] and "11. Thanh Niên Số 00" in second[0]
    assert "Trang 2/2" in second[0]
    assert chat.choices("an") == ["‹ Trang trước"]


@pytest.mark.parametrize(("payload", "kinds", "expected"), [
    pytest.param("y12", "py", ("y", 12), id="young-person"),
    pytest.param("p0", "py", ("p", 0), id="page"),
    pytest.param("u3", "mu", ("u", 3), id="units-page"),
    pytest.param("y999999999", "py", ("y", 999_999_999), id="nine-digits"),
    pytest.param("y1234567890", "py", None, id="ten-digits"),
    pytest.param("y" + "9" * 5000, "py", None, id="5000-digits"),
    pytest.param("y²", "py", None, id="superscript-two"),
    pytest.param("y①", "py", None, id="circled-one"),
    pytest.param("p²⁰⁰⁰", "py", None, id="superscript-2000"),
    pytest.param("y٣", "py", None, id="arabic-indic-digit"),
    pytest.param("y-1", "py", None, id="negative"),
    pytest.param("y 1", "py", None, id="space"),
    pytest.param("y", "py", None, id="no-number"),
    pytest.param("m1", "py", None, id="other-kind"),
    pytest.param("", "py", None, id="empty"),
    pytest.param(None, "py", None, id="none"),
])
def test_picker_payloads_take_few_ascii_digits(payload: str | None, kinds: str,
                                               expected: tuple[str, int] | None) -> None:
    assert picker_payload(payload, kinds) == expected
