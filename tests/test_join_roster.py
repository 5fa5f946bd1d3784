"""Joining matches the roster (issue 10): a person on the branch's list is linked to their row, never to a row
someone else already uses; a person not on it joins "chưa có trong danh sách" and waits, uncounted, for the
branch's secretary, who confirms or rejects them in /chidoan; an officer's record is never counted. Transcripts on
the demo organisation, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import unicodedata
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.app import App
from storage.invites import create_invite
from storage.members import add_member
from storage.models import Audit, ChatIdentity, LeftReason, Member, MemberStatus, Outbox, Role, RoleName, UnitKind
from storage.units import add_unit, unit_by_code
from tests.conftest import Clock
from tests.joining import join_listed, join_unlisted
from tests.test_youth_support import count, scalar
from tests.transcript import Chat

KP1 = "Chi đoàn Khu phố 1"
STALE = "Nút này đã cũ hoặc không còn dùng được. Bạn xem tin nhắn mới nhất của bot, hoặc gõ /trogiup để bắt đầu lại."
NOT_FOUND_2001 = ("Mình chưa tìm thấy Nguyễn Văn An, sinh năm 2001 trong danh sách đoàn viên của Chi đoàn Khu phố 1. "
                  "Bạn cho biết số điện thoại đã khai với chi đoàn để mình tìm lại (ví dụ: 0912 345 678), hoặc bấm "
                  "Bỏ qua.")
PHONE_AGAIN = "Bạn gõ lại số điện thoại, hoặc bấm Bỏ qua."


async def member_of(app: App, user: str) -> Member | None:
    """Return the member chat user `user` is linked to, if any."""
    async with app.sessions() as session:
        query = select(Member).join(ChatIdentity, ChatIdentity.member_id == Member.id).where(
            ChatIdentity.external_id == user)
        return (await session.exec(query)).first()


async def add_to_roster(app: App, clock: Clock, *, name: str, year: int, phone: str | None,
                        unit_code: str = "CD-KP1") -> int:
    async with app.sessions() as session, session.begin():
        unit = await unit_by_code(session, code=unit_code)
        assert unit is not None and unit.id is not None
        member = await add_member(session, full_name=name, birth_year=year, unit_id=unit.id, joined_at=clock(),
                                  phone=phone)
        assert member.id is not None
        return member.id


async def members_counted(app: App, unit_code: str) -> int:
    """Return the unit's member total as reports read it (the rollup the triggers keep)."""
    return int(await scalar(app, "SELECT coalesce(sum(r.members), 0) FROM report_unit r JOIN unit u "
                                 "ON u.id = r.unit_id WHERE u.code = :code", code=unit_code))


async def outbox(app: App, chat_id: str) -> list[dict[str, Any]]:
    async with app.sessions() as session:
        return [row.payload for row in (await session.exec(select(Outbox).where(Outbox.chat_id == chat_id)))]


async def audited(app: App, action: str) -> list[str]:
    async with app.sessions() as session:
        return list((await session.exec(select(Audit.target).where(Audit.action == action))).all())


# --- Matching the roster.


async def test_the_name_matches_whatever_its_composition_case_and_spacing(demo: App, chat: Chat) -> None:
    typed = unicodedata.normalize("NFD", "  NGUYỄN   văn an ")
    for text in ("/batdau DEMO-DOANVIEN", typed):
        await chat.say("an", text)
    assert await chat.say("an", "1996") == [f"Bạn là Nguyễn Văn An, sinh năm 1996, đoàn viên {KP1}?"]
    await chat.press("an", "Đúng, là tôi")
    member = await member_of(demo, "an")
    assert member is not None and (member.full_name, member.status) == ("Nguyễn Văn An", MemberStatus.ACTIVE)
    assert await count(demo, "member") == 42


async def test_without_diacritics_too(demo: App, chat: Chat) -> None:
    for text in ("/batdau DEMO-DOANVIEN", "Nguyen Van An"):
        await chat.say("an", text)
    assert await chat.say("an", "1996") == [f"Bạn là Nguyễn Văn An, sinh năm 1996, đoàn viên {KP1}?"]


async def test_namesakes_are_told_apart_by_phone(demo: App, chat: Chat, clock: Clock) -> None:
    second = await add_to_roster(demo, clock, name="Nguyễn Văn An", year=1996, phone="0912345678")
    for text in ("/batdau DEMO-DOANVIEN", "Nguyễn Văn An"):
        await chat.say("an", text)
    assert await chat.say("an", "1996") == [
        f"Danh sách đoàn viên của {KP1} có hơn một người tên Nguyễn Văn An, sinh năm 1996. Bạn cho biết số điện "
        "thoại đã khai với chi đoàn để mình tìm đúng người (ví dụ: 0912 345 678), hoặc bấm Bỏ qua."]
    assert await chat.say("an", "+84 912-345-678") == [f"Bạn là Nguyễn Văn An, sinh năm 1996, đoàn viên {KP1}?"]
    assert (await chat.press("an", "Đúng, là tôi"))[0].startswith("Xong! Nguyễn Văn An đã tham gia")
    member = await member_of(demo, "an")
    assert member is not None and member.id == second


async def test_the_phone_finds_a_row_whose_birth_year_differs_and_the_roster_is_what_is_shown(
        demo: App, chat: Chat, clock: Clock) -> None:
    row = await add_to_roster(demo, clock, name="Trần Thị Mai", year=2000, phone="0987654321")
    for text in ("/batdau DEMO-DOANVIEN", "tran thi mai", "2001"):
        await chat.say("mai", text)
    assert await chat.say("mai", "0987 654 321") == [f"Bạn là Trần Thị Mai, sinh năm 2000, đoàn viên {KP1}?"]
    await chat.press("mai", "Đúng, là tôi")
    member = await member_of(demo, "mai")
    assert member is not None and (member.id, member.birth_year) == (row, 2000)


async def test_a_phone_under_another_name_finds_nobody(demo: App, chat: Chat, clock: Clock) -> None:
    await add_to_roster(demo, clock, name="Trần Thị Mai", year=2000, phone="0987654321")
    for text in ("/batdau DEMO-DOANVIEN", "Lê Văn Tám", "2000"):
        await chat.say("tam", text)
    answer = await chat.say("tam", "0987654321")
    assert answer[0].startswith(f"Mình chưa tìm thấy Lê Văn Tám, sinh năm 2000 trong danh sách đoàn viên của {KP1}.")
    assert chat.choices("tam")[0] == "Tham gia, chờ xác nhận"


async def test_not_me_asks_the_phone_then_offers_to_join_unlisted(demo: App, chat: Chat) -> None:
    for text in ("/batdau DEMO-DOANVIEN", "Nguyễn Văn An", "1996"):
        await chat.say("an", text)
    assert await chat.press("an", "Không phải tôi") == [
        "Vậy bạn cho biết số điện thoại đã khai với chi đoàn để mình tìm đúng người (ví dụ: 0912 345 678), hoặc "
        "bấm Bỏ qua."]
    assert (await chat.say("an", "0912345678"))[0].startswith("Mình chưa tìm thấy Nguyễn Văn An, sinh năm 1996")
    assert (await chat.press("an", "Tham gia, chờ xác nhận"))[0].startswith("Xong!")
    member = await member_of(demo, "an")
    assert member is not None and member.status == MemberStatus.PENDING and member.phone == "0912345678"
    assert await count(demo, "member", "name_key = 'nguyen van an' AND unit_id = :unit", unit=member.unit_id) == 2


@pytest.mark.parametrize(("typed", "answer"), [
    ("0912 345 67x", "Số điện thoại chỉ gồm chữ số"),
    ("😀", "Số điện thoại chỉ gồm chữ số"),
    ("０９１２３４５６７８", "Số điện thoại chỉ gồm chữ số"),
    ("9" * 4000, "Số điện thoại chưa đúng"),
    ("+1 202 555 0100", "Bot chỉ nhận số điện thoại Việt Nam"),
    ("'; DELETE FROM member; --", "Số điện thoại chưa đúng"),
    (unicodedata.normalize("NFD", "Không nhớ"), "Số điện thoại chỉ gồm chữ số"),
], ids=["letter", "emoji", "fullwidth", "4000-digits", "foreign", "sql-looking", "nfd-words"])
async def test_bad_phones_are_asked_again_and_change_nothing(demo: App, chat: Chat, typed: str, answer: str) -> None:
    for text in ("/batdau DEMO-DOANVIEN", "Nguyễn Văn An", "2001"):
        await chat.say("an", text)
    replies = await chat.say("an", typed)
    assert replies[0].startswith(answer) and replies[1:] == [PHONE_AGAIN]
    assert chat.choices("an") == ["Bỏ qua", "Hủy"]
    assert await count(demo, "member") == 42
    assert (await chat.press("an", "Bỏ qua"))[0].startswith("Mình chưa tìm thấy Nguyễn Văn An, sinh năm 2001")


async def test_a_branch_without_a_roster_takes_everyone_as_pending(demo: App, chat: Chat, clock: Clock) -> None:
    async with demo.sessions() as session, session.begin():
        parent = await unit_by_code(session, code="CS-PBA")
        unit = await add_unit(session, code="CD-KP9", name="Chi đoàn Khu phố 9", kind=UnitKind.BRANCH, parent=parent)
        assert unit.id is not None
        await create_invite(session, code="KP9-CODE", unit_id=unit.id, role=RoleName.MEMBER, max_uses=5,
                            expires_at=clock() + timedelta(days=1), created_at=clock())
    for text in ("/batdau KP9-CODE", "Nguyễn Văn An"):
        await chat.say("an", text)
    assert (await chat.say("an", "1996"))[0].startswith(
        "Mình chưa tìm thấy Nguyễn Văn An, sinh năm 1996 trong danh sách đoàn viên của Chi đoàn Khu phố 9.")
    await chat.press("an", "Bỏ qua")
    assert (await chat.press("an", "Tham gia, chờ xác nhận"))[0].startswith("Xong!")
    member = await member_of(demo, "an")
    assert member is not None and member.status == MemberStatus.PENDING
    assert await members_counted(demo, "CD-KP9") == 0
    assert await count(demo, "outbox") == 0  # the branch has no secretary on the bot to tell


# --- A roster row is one person's.


async def test_a_row_in_use_is_never_handed_to_a_second_person(demo: App, chat: Chat, clock: Clock) -> None:
    row = await add_to_roster(demo, clock, name="Trần Thị Mai", year=2000, phone="0987654321")
    await join_listed(chat, "mai", name="Trần Thị Mai", year="2000")
    for text in ("/batdau DEMO-DOANVIEN", "Trần Thị Mai"):
        await chat.say("other", text)
    # The row in use is not offered: the second person is asked the phone, which then names it.
    assert (await chat.say("other", "2000"))[0].startswith("Mình chưa tìm thấy Trần Thị Mai, sinh năm 2000")
    assert await chat.say("other", "0987654321") == [
        f"Người này trong danh sách của {KP1} đã dùng Bot 1+1 bằng một tài khoản khác, nên mình không gắn thêm tài "
        "khoản của bạn. Nếu đó đúng là bạn (ví dụ bạn vừa đổi điện thoại) hoặc có nhầm lẫn, bạn nhờ bí thư chi đoàn "
        "kiểm tra giúp. Chưa có gì thay đổi."]
    assert await member_of(demo, "other") is None
    assert await count(demo, "chat_identity", "member_id = :row", row=row) == 1
    assert await count(demo, "member") == 43
    assert await count(demo, "conversation") == 0
    assert int(await scalar(demo, "SELECT uses FROM invite WHERE code = 'DEMO-DOANVIEN'")) == 1


async def test_a_row_taken_while_it_was_offered_is_refused(demo: App, chat: Chat) -> None:
    for user in ("an", "an2"):
        for text in ("/batdau DEMO-DOANVIEN", "Nguyễn Văn An", "1996"):
            await chat.say(user, text)
    assert (await chat.press("an", "Đúng, là tôi"))[0].startswith("Xong!")
    assert (await chat.press("an2", "Đúng, là tôi"))[0].startswith("Người này trong danh sách của")
    assert await member_of(demo, "an2") is None
    assert int(await scalar(demo, "SELECT uses FROM invite WHERE code = 'DEMO-DOANVIEN'")) == 1


async def test_two_people_claiming_one_row_at_once_get_it_once(demo: App, chat: Chat) -> None:
    """Two transactions at once: on PostgreSQL the row lock serialises them, on SQLite the write lock does."""
    for round_ in range(3):
        users = (f"a{round_}", f"b{round_}")
        name, year = [("Nguyễn Văn An", "1996"), ("Trần Văn Khánh", "1997"), ("Lê Văn Sơn", "1998")][round_]
        for user in users:
            for text in ("/batdau DEMO-DOANVIEN", name, year):
                await chat.say(user, text)
        presses = [chat.inbound(user, choice=chat.payload(user, "Đúng, là tôi")) for user in users]
        answers = await asyncio.gather(*(demo.engine.handle(inbound) for inbound in presses))
        texts = sorted(replies[0].text for replies in answers)
        assert texts[0].startswith("Người này trong danh sách") and texts[1].startswith("Xong!"), texts
        linked = [await member_of(demo, user) for user in users]
        assert sum(member is not None for member in linked) == 1
    assert await count(demo, "member") == 42
    assert int(await scalar(demo, "SELECT count(DISTINCT member_id) FROM chat_identity")) == 3
    assert int(await scalar(demo, "SELECT uses FROM invite WHERE code = 'DEMO-DOANVIEN'")) == 3


# --- Secretary and officer invites.


async def test_a_secretary_invite_gives_the_role_to_the_roster_row(demo: App, chat: Chat) -> None:
    await join_listed(chat, "bt", "DEMO-BITHU", "Lê Văn Sơn", "1998")
    member = await member_of(demo, "bt")
    assert member is not None and member.status == MemberStatus.ACTIVE
    assert await count(demo, "role", "member_id = :m AND role = 'secretary'", m=member.id) == 1
    assert await count(demo, "member") == 42
    assert (await chat.say("bt", "/chidoan"))[0].startswith(f"{KP1} — năm 2026")


async def test_an_officer_joining_leaves_the_district_total_unchanged(demo: App, chat: Chat) -> None:
    district, province = await members_counted(demo, "QD-HB"), await members_counted(demo, "TD-AL")
    assert (district, province) == (24, 42)
    for text in ("/batdau DEMO-QUANDOAN", "Lê Thị Lan", "1990", "Đúng, tham gia"):
        await chat.say("cb", text)
    member = await member_of(demo, "cb")
    assert member is not None and member.status == MemberStatus.STAFF
    assert (await members_counted(demo, "QD-HB"), await members_counted(demo, "TD-AL")) == (district, province)
    summary = "\n".join(await chat.say("cb", "/baocao"))
    assert "• Đoàn viên: 24;" in summary


# --- Waiting for the secretary: /chidoan.


@pytest.fixture
async def waiting(demo: App, chat: Chat) -> App:
    """Chi đoàn Khu phố 2: its secretary on the bot (the roster's Phan Minh An) and Trương Thị Mới waiting."""
    await join_listed(chat, "bt", "DEMO-DOANVIEN2", "Phan Minh An", "2002")
    await chat.say("moi", "/ngonngu en")
    for text in ("/batdau DEMO-DOANVIEN2", "Trương Thị Mới", "2003", "Skip"):
        await chat.say("moi", text)
    assert (await chat.say("moi", "Join, to be confirmed"))[0].startswith("Done!")
    return demo


PENDING_LIST = (
    "⏳ 1 người chờ xác nhận (đã tham gia bot nhưng chưa có trong danh sách đoàn viên của chi đoàn):\n"
    "1. Trương Thị Mới, sinh năm 2003, số điện thoại: chưa cho biết, tham gia ngày 24/11/2026\n"
    "Đồng chí bấm tên từng người để xác nhận là đoàn viên của chi đoàn, hoặc từ chối nếu không phải.")


async def test_the_secretary_is_told_and_the_newcomer_is_not_counted_yet(waiting: App, chat: Chat) -> None:
    (push,) = await outbox(waiting, "bt")
    assert push["text"] == ("Trương Thị Mới (sinh năm 2003) vừa tham gia Chi đoàn Khu phố 2 trên Bot 1+1 nhưng chưa "
                            "có trong danh sách đoàn viên của chi đoàn. Đồng chí gõ /chidoan để xác nhận hoặc từ chối.")
    assert push["kind"] == "join.push_pending"
    assert await members_counted(waiting, "CD-KP2") == 6
    assert await audited(waiting, "member.joined_unlisted") != []
    # Meanwhile the newcomer uses the bot.
    assert await chat.say("moi", "/mine") != [waiting.catalogs.get("en")("engine.join_first")]


async def test_the_secretary_confirms_and_the_newcomer_counts(waiting: App, chat: Chat, clock: Clock) -> None:
    progress, pending = await chat.say("bt", "/chidoan")
    assert progress.startswith("Chi đoàn Khu phố 2 — năm 2026\n✅ Đã giới thiệu thanh niên: 0/6 đoàn viên")
    assert pending == PENDING_LIST
    assert chat.choices("bt") == ["Trương Thị Mới (2003)"]
    assert await chat.press("bt", "Trương Thị Mới (2003)") == [
        "Trương Thị Mới, sinh năm 2003, số điện thoại: chưa cho biết, tham gia ngày 24/11/2026.\n"
        "Đồng chí xác nhận Trương Thị Mới là đoàn viên của Chi đoàn Khu phố 2? Xác nhận thì Trương Thị Mới được tính "
        "vào số đoàn viên của chi đoàn; từ chối thì tài khoản này thôi tham gia chi đoàn trên bot."]
    assert chat.choices("bt") == ["Xác nhận là đoàn viên", "Từ chối", "Quay lại danh sách"]
    assert await chat.press("bt", "Xác nhận là đoàn viên") == [
        "Đã xác nhận Trương Thị Mới là đoàn viên của Chi đoàn Khu phố 2. Từ nay Trương Thị Mới được tính vào số "
        "đoàn viên của chi đoàn."]
    member = await member_of(waiting, "moi")
    assert member is not None and member.status == MemberStatus.ACTIVE
    assert await members_counted(waiting, "CD-KP2") == 7
    assert await members_counted(waiting, "QD-HB") == 25
    assert await audited(waiting, "member.confirmed") == [f"member:{member.id}"]
    (told,) = [p for p in await outbox(waiting, "moi") if p["kind"] == "branch.push_confirmed"]
    assert told["text"] == ("The secretary of Chi đoàn Khu phố 2 has confirmed you as a member of the branch on "
                            "Bot 1+1. Thank you!")
    assert await count(waiting, "conversation", "external_id = 'bt'") == 0
    assert len(await chat.say("bt", "/chidoan")) == 1


async def test_the_secretary_rejects_and_the_person_is_a_stranger_again(
        waiting: App, chat: Chat, clock: Clock) -> None:
    await chat.say("moi", "/introduce")  # a dialog they are in when the secretary decides
    await chat.say("bt", "/chidoan")
    await chat.press("bt", "Trương Thị Mới (2003)")
    assert await chat.press("bt", "Từ chối") == [
        "Đã từ chối Trương Thị Mới: tài khoản này thôi tham gia Chi đoàn Khu phố 2 trên bot, và người đó được nhắn "
        "để liên hệ chi đoàn."]
    async with waiting.sessions() as session:
        rejected = (await session.exec(select(Member).where(Member.full_name == "Trương Thị Mới"))).one()
    assert (rejected.status, rejected.left_reason, rejected.left_on) == (
        MemberStatus.LEFT, LeftReason.REJECTED, date(2026, 11, 24))
    assert await member_of(waiting, "moi") is None
    assert await members_counted(waiting, "CD-KP2") == 6
    assert await audited(waiting, "member.rejected") == [f"member:{rejected.id}"]
    (told,) = [p for p in await outbox(waiting, "moi") if p["kind"] == "branch.push_rejected"]
    assert told["text"].startswith("The secretary of Chi đoàn Khu phố 2 could not find you on the branch's member list")
    # Their dialog ended with their membership; they may join again with a code.
    en = waiting.catalogs.get("en")
    assert await chat.say("moi", "hello") == [en("engine.fallback_stranger")]
    assert await chat.say("moi", "/introduce") == [en("engine.join_first")]
    assert (await chat.say("moi", "/start DEMO-DOANVIEN2"))[0].startswith("Welcome to Bot 1+1!")


async def test_back_to_the_list_and_more_than_one_waiting(waiting: App, chat: Chat) -> None:
    await join_unlisted(chat, "hai", "DEMO-DOANVIEN2", "Đỗ Văn Hai", "2004")
    _, pending = await chat.say("bt", "/chidoan")
    assert pending.startswith("⏳ 2 người chờ xác nhận")
    assert chat.choices("bt") == ["Trương Thị Mới (2003)", "Đỗ Văn Hai (2004)"]
    await chat.say("bt", "2")
    assert await chat.press("bt", "Quay lại danh sách") == [pending]
    await chat.press("bt", "Đỗ Văn Hai (2004)")
    confirmed, still = await chat.say("bt", "xac nhan la doan vien")
    assert confirmed.startswith("Đã xác nhận Đỗ Văn Hai") and still == PENDING_LIST
    assert chat.choices("bt") == ["Trương Thị Mới (2003)"]


async def test_an_officer_sees_who_waits_but_the_secretary_decides(waiting: App, chat: Chat) -> None:
    for text in ("/batdau DEMO-QUANDOAN", "Lê Thị Lan", "1990", "1"):
        await chat.say("cb", text)
    _, pending = await chat.say("cb", "/chidoan CD-KP2")
    assert pending == PENDING_LIST.rsplit("\n", 1)[0] + (
        "\nBí thư chi đoàn xác nhận hoặc từ chối những người này trong /chidoan.")
    assert chat.choices("cb") == []


async def test_forged_and_stale_buttons_and_other_branches_change_nothing(
        waiting: App, chat: Chat, clock: Clock) -> None:
    await join_listed(chat, "bt1", "DEMO-BITHU", "Lê Văn Sơn", "1998")  # the secretary of Khu phố 1
    await chat.say("bt", "/chidoan")
    pick = chat.payload("bt", "Trương Thị Mới (2003)")
    stamp = pick.partition(".")[0]
    moi = await member_of(waiting, "moi")
    assert moi is not None
    # Another branch's secretary: the branch is out of their sight, and the button is not theirs.
    assert await chat.say("bt1", "/chidoan CD-KP2") == [
        "Không có chi đoàn nào mang mã này. Gõ /chidoan để xem chi đoàn của mình."]
    assert len(await chat.say("bt1", "/chidoan")) == 1  # nobody waits in Khu phố 1
    for forged in (pick, f"{stamp}.m{moi.id}", f"{stamp}.confirm"):
        assert await chat.send(chat.inbound("bt1", choice=forged)) == [STALE]
    # Payloads the secretary was never offered.
    for forged in (f"{stamp}.m1", f"{stamp}.confirm", f"{stamp}.m{moi.id}x", "x.m1", "", "9" * 64):
        assert await chat.send(chat.inbound("bt", choice=forged)) == [STALE]
    await chat.send(chat.inbound("bt", choice=pick))
    confirm = chat.payload("bt", "Xác nhận là đoàn viên")
    # The list's button is stale once a person is shown.
    assert await chat.send(chat.inbound("bt", choice=pick)) == [STALE]
    # The role taken away between the list and the press: refused.
    async with waiting.sessions() as session, session.begin():
        bt = await member_of(waiting, "bt")
        assert bt is not None
        for role in (await session.exec(select(Role).where(Role.member_id == bt.id))).all():
            await session.delete(role)
    assert await chat.send(chat.inbound("bt", choice=confirm)) == [
        "Đồng chí chỉ xem và làm được việc của chi đoàn mình phụ trách."]
    moi = await member_of(waiting, "moi")
    assert moi is not None and moi.status == MemberStatus.PENDING
    assert await audited(waiting, "member.confirmed") == [] and await audited(waiting, "member.rejected") == []


async def test_two_secretaries_deciding_at_once_decide_once(waiting: App, chat: Chat) -> None:
    await join_listed(chat, "bt2", "DEMO-DOANVIEN2", "Võ Minh Khánh", "2003")
    async with waiting.sessions() as session, session.begin():
        second = await member_of(waiting, "bt2")
        unit = await unit_by_code(session, code="CD-KP2")
        assert second is not None and unit is not None
        session.add(Role(member_id=second.id, role=RoleName.SECRETARY, unit_id=unit.id))
    for user in ("bt", "bt2"):
        await chat.say(user, "/chidoan")
        await chat.press(user, "Trương Thị Mới (2003)")
    confirm = chat.inbound("bt", choice=chat.payload("bt", "Xác nhận là đoàn viên"))
    reject = chat.inbound("bt2", choice=chat.payload("bt2", "Từ chối"))
    answers = await asyncio.gather(waiting.engine.handle(confirm), waiting.engine.handle(reject))
    texts = sorted(replies[0].text for replies in answers)
    gone = "Người này đã được xử lý rồi (có thể một bí thư khác vừa xác nhận hoặc từ chối)."
    assert gone in texts and any(t.startswith(("Đã xác nhận", "Đã từ chối")) for t in texts), texts
    decided = len(await audited(waiting, "member.confirmed")) + len(await audited(waiting, "member.rejected"))
    assert decided == 1
    assert await count(waiting, "member", "full_name = 'Trương Thị Mới' AND status = 'pending'") == 0


async def test_nobody_decides_on_their_own_record(demo: App, chat: Chat) -> None:
    """Khu phố 1 has no secretary on its roster: one joining with the secretary's code, not on the list, waits."""
    await join_unlisted(chat, "ha", "DEMO-BITHU", "Phạm Thu Hà", "2000")
    _, pending = await chat.say("ha", "/chidoan")
    assert pending.startswith("⏳ 1 người chờ xác nhận") and "Phạm Thu Hà" in pending
    assert chat.choices("ha") == []
    assert await count(demo, "conversation") == 0
