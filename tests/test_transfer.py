"""/chuyen (/transfer): a secretary transfers a member to another branch (the receiving secretary accepts or
refuses, the sender may withdraw), or records a member leaving the Union; and the operator's `bot11 admin
transfer` and `bot11 admin leave`. Transcripts on the demo organisation:

    Đoàn phường Bình An (CS-PBA)
    ├── Chi đoàn Khu phố 1 (CD-KP1)   secretary Lê Thị Bảo ("bithu"), member Nguyễn Văn An ("an"), 5 more
    └── Chi đoàn Khu phố 2 (CD-KP2)   secretary Phan Minh An ("bithu2", the demo's seeded one), 5 more
"""

from __future__ import annotations

import asyncio
import json
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import pytest
from sqlmodel import col, select

from bot.app import App, build_app
from bot.cli import main
from bot.settings import Settings
from storage.calendar import Period
from storage.identities import link_member
from storage.members import add_member, grant_role
from storage.models import Member, RoleName, Unit, Youth, YouthStatus
from storage.reports import Figures, Report, report_for
from storage.units import unit_by_code
from tests.authz_support import forge
from tests.conftest import Clock
from tests.test_youth_support import count, rows, scalar, vi
from tests.transcript import Chat

AN = "Nguyễn Văn An (1996)"
KP1, KP2 = "Chi đoàn Khu phố 1", "Chi đoàn Khu phố 2"
TODAY = date(2026, 11, 24)  # the clock fixture's day in Ho Chi Minh City
KP1_ROSTER = ["Hoàng Thị Khánh (2000)", "Huỳnh Thị Sơn (2001)", "Lê Văn Sơn (1998)", AN, "Phạm Thị An (1999)",
              "Trần Văn Khánh (1997)"]


@dataclass(frozen=True, slots=True)
class Org:
    """Ids of the units and people the tests talk about."""

    units: dict[str, int]
    members: dict[str, int]


async def _org(app: App, now: datetime) -> Org:
    """Connect the two secretaries and Nguyễn Văn An to the chat, and register a young person An introduced in
    the first half of 2026 in Khu phố 1."""
    async with app.sessions() as session, session.begin():
        units = {u.code: u.id for u in (await session.exec(select(Unit))).all() if u.id is not None}
        bao = await add_member(session, full_name="Lê Thị Bảo", birth_year=1994, unit_id=units["CD-KP1"],
                               joined_at=now)
        assert bao.id is not None
        await grant_role(session, member_id=bao.id, role=RoleName.SECRETARY, unit_id=units["CD-KP1"])
        by_name = {m.full_name: m.id for m in (await session.exec(
            select(Member).where(col(Member.unit_id).in_([units["CD-KP1"], units["CD-KP2"]])))).all()
            if m.id is not None}
        for user, name in (("bithu", "Lê Thị Bảo"), ("bithu2", "Phan Minh An"), ("an", "Nguyễn Văn An")):
            await link_member(session, channel="test", external_id=user, chat_id=user, member_id=by_name[name],
                              now=now)
        spring = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
        session.add(Youth(full_name="Trần Thị Bích", name_key="tran thi bich", birth_year=2006, gender="female",
                          group_code="student", introduced_to="doan", introduced_by=by_name["Nguyễn Văn An"],
                          unit_id=units["CD-KP1"], introduced_at=spring, consent_at=spring,
                          status=YouthStatus.PARTICIPATING, status_at=spring))
    return Org(units, by_name)


@pytest.fixture
async def org(demo: App, clock: Clock) -> Org:
    return await _org(demo, clock())


async def _request(chat: Chat, *, member: str = AN, code: str = "cd-kp2", user: str = "bithu") -> list[str]:
    """Go through /chuyen up to the request for `member` to the branch `code`; return the last answer."""
    await chat.say(user, "/chuyen")
    await chat.press(user, member)
    await chat.press(user, "Chuyển sang chi đoàn khác")
    await chat.say(user, code)
    return await chat.press(user, "Gửi đề nghị")


async def _transfers(app: App) -> list[tuple[object, ...]]:
    return await rows(app, "SELECT member_id, from_unit_id, to_unit_id, status, requested_by, decided_by "
                           "FROM transfer ORDER BY id")


async def _pushes(app: App, *, text: bool = False) -> list[tuple[object, ...]]:
    """Return (chat, kind) of every push queued, in order; (chat, text) with `text`."""
    found = await rows(app, "SELECT chat_id, payload FROM outbox ORDER BY id")
    payloads = [(chat_id, payload if isinstance(payload, dict) else json.loads(str(payload)))
                for chat_id, payload in found]
    return [(chat_id, payload["text" if text else "kind"]) for chat_id, payload in payloads]


async def _reports(app: App, period: Period) -> Report:
    async with app.sessions() as session:
        parent = await unit_by_code(session, code="CS-PBA")
        assert parent is not None
        return await report_for(session, unit=parent, period=period, calendar=app.calendar, tz=app.tz)


def _period_figures(report: Report) -> list[Figures]:
    """The figures of a period, members aside (the roster is today's), children by code (their ranking follows
    the fulfilment rate, whose base is the roster)."""
    figures = [report.total, report.own, *sorted(report.children, key=lambda f: f.code)]
    return [replace(f, members=0) for f in figures]


def _members(report: Report) -> dict[str, int]:
    return {f.code: f.members for f in [report.total, *report.children]}


# --- A transfer: requested, accepted, refused, withdrawn.


async def test_accepted_transfer_moves_the_member_and_leaves_past_reports_alone(
        demo: App, org: Org, chat: Chat, clock: Clock) -> None:
    h1_before, year_before = await _reports(demo, Period(2026, 1)), await _reports(demo, Period(2026))
    assert _members(h1_before) == {"CS-PBA": 13, "CD-KP1": 7, "CD-KP2": 6}
    assert h1_before.total.introduced == 1

    assert await chat.say("bithu", "/chuyen") == [
        f"Đoàn viên của {KP1} (6 người, không kể đồng chí). Đồng chí chọn người cần chuyển sinh hoạt hoặc ghi ra "
        "khỏi danh sách:"]
    assert chat.choices("bithu") == KP1_ROSTER
    assert await chat.press("bithu", AN) == ["Đoàn viên Nguyễn Văn An (1996): đồng chí muốn làm gì?"]
    assert chat.choices("bithu") == ["Chuyển sang chi đoàn khác", "Trưởng thành Đoàn", "Ra khỏi Đoàn"]
    assert await chat.press("bithu", "Chuyển sang chi đoàn khác") == [
        "Đồng chí gõ mã chi đoàn sẽ tiếp nhận Nguyễn Văn An, ví dụ CD-KP2 (chưa biết mã thì hỏi Đoàn cấp trên). "
        "Gõ /huy để thôi."]
    assert await chat.say("bithu", " cd-kp2 ") == [
        "Đồng chí kiểm tra lại đề nghị chuyển sinh hoạt Đoàn:\n• Đoàn viên: Nguyễn Văn An (1996)\n"
        f"• Từ: {KP1}\n• Sang: {KP2} (CD-KP2)\nBí thư chi đoàn nhận sẽ được báo để tiếp nhận. Trong lúc chờ, "
        f"Nguyễn Văn An vẫn sinh hoạt và được tính ở {KP1}."]
    assert await chat.press("bithu", "Gửi đề nghị") == [
        f"Đã gửi đề nghị chuyển Nguyễn Văn An sang {KP2}. Bí thư {KP2} sẽ được báo để tiếp nhận; khi họ nhận hoặc "
        "từ chối, bot sẽ báo đồng chí."]
    an, phan, bao = (org.members[n] for n in ("Nguyễn Văn An", "Phan Minh An", "Lê Thị Bảo"))
    kp1, kp2 = org.units["CD-KP1"], org.units["CD-KP2"]
    assert await _transfers(demo) == [(an, kp1, kp2, "pending", bao, None)]
    assert await scalar(demo, "SELECT unit_id FROM member WHERE id = :id", id=an) == kp1  # still counted in KP1
    assert await _pushes(demo) == [("bithu2", "transfer.push_incoming"), ("an", "transfer.push_member_requested")]
    assert (await _pushes(demo, text=True))[0] == ("bithu2", (
        f"📥 {KP1} đề nghị chuyển sinh hoạt Đoàn của đoàn viên Nguyễn Văn An (1996) về {KP2}. Đồng chí gõ /chuyen "
        "để tiếp nhận hoặc từ chối."))

    await chat.say("bithu", "/chuyen")
    assert "Nguyễn Văn An (1996) · đang chuyển" in chat.choices("bithu")

    clock.advance(hours=2)
    assert await chat.say("bithu2", "/chuyen") == [
        f"📥 Đoàn viên chuyển đến {KP2}, đang chờ đồng chí tiếp nhận:\n"
        f"• Nguyễn Văn An (1996), từ {KP1}, đề nghị ngày 24/11/2026\n"
        "Đồng chí bấm Nhận hoặc Từ chối từng người, hoặc chọn \"Đoàn viên của chi đoàn mình\" để chuyển đi hay "
        "ghi ra khỏi danh sách."]
    assert chat.choices("bithu2") == [f"Nhận: {AN}", f"Từ chối: {AN}", "Đoàn viên của chi đoàn mình"]
    assert await chat.press("bithu2", f"Nhận: {AN}") == [
        f"Đã tiếp nhận đoàn viên Nguyễn Văn An (1996) từ {KP1} về sinh hoạt tại {KP2}. Từ nay Nguyễn Văn An được "
        "tính trong danh sách đoàn viên của chi đoàn; những thanh niên Nguyễn Văn An giới thiệu trước đây vẫn được "
        "ghi nhận ở nơi đã đăng ký."]

    assert await _transfers(demo) == [(an, kp1, kp2, "accepted", bao, phan)]
    assert await scalar(demo, "SELECT unit_id FROM member WHERE id = :id", id=an) == kp2
    assert await scalar(demo, "SELECT unit_id FROM youth") == kp1  # registered there, and stays there
    assert (await _pushes(demo))[2:] == [("bithu", "transfer.push_accepted"), ("an", "transfer.push_member_accepted")]
    assert [a for (a,) in await rows(demo, "SELECT action FROM audit ORDER BY id")] == [
        "member.transfer_requested", "member.transfer_accepted"]

    h1_after, year_after = await _reports(demo, Period(2026, 1)), await _reports(demo, Period(2026))
    assert _period_figures(h1_after) == _period_figures(h1_before)
    assert _period_figures(year_after) == _period_figures(year_before)
    assert h1_after.groups == h1_before.groups
    assert _members(h1_after) == {"CS-PBA": 13, "CD-KP1": 6, "CD-KP2": 7}  # today's roster moved with An

    # The member is on the new branch's list now, and off the old one's.
    await chat.say("bithu2", "/chuyen")
    assert AN in chat.choices("bithu2")
    await chat.say("bithu", "/chuyen")
    assert AN not in chat.choices("bithu")


async def test_refused_transfer_leaves_the_member_where_they_are(demo: App, org: Org, chat: Chat) -> None:
    await _request(chat)
    await chat.say("bithu2", "/chuyen")
    assert await chat.press("bithu2", f"Từ chối: {AN}") == [
        f"Đã từ chối tiếp nhận đoàn viên Nguyễn Văn An (1996); Nguyễn Văn An vẫn sinh hoạt ở {KP1}, bot sẽ báo "
        "lại cho chi đoàn đó."]
    an, kp1 = org.members["Nguyễn Văn An"], org.units["CD-KP1"]
    assert [t[3] for t in await _transfers(demo)] == ["refused"]
    assert await scalar(demo, "SELECT unit_id FROM member WHERE id = :id", id=an) == kp1
    assert (await _pushes(demo))[2:] == [("bithu", "transfer.push_refused")]
    # Nothing waits any more: the receiving secretary goes straight to their members; the sender may ask again.
    assert (await chat.say("bithu2", "/chuyen"))[0].startswith(f"Đoàn viên của {KP2}")
    assert (await _request(chat))[0].startswith("Đã gửi đề nghị")
    assert [t[3] for t in await _transfers(demo)] == ["refused", "pending"]


async def test_sender_withdraws_a_pending_transfer(demo: App, org: Org, chat: Chat) -> None:
    await _request(chat)
    await chat.say("bithu", "/chuyen")
    assert await chat.press("bithu", "Nguyễn Văn An (1996) · đang chuyển") == [
        f"Đoàn viên Nguyễn Văn An (1996) đang chờ chuyển sinh hoạt sang {KP2} (đề nghị ngày 24/11/2026). Đồng chí "
        "có muốn hủy đề nghị này không?"]
    assert chat.choices("bithu") == ["Hủy đề nghị chuyển", "Giữ nguyên"]
    assert await chat.say("bithu", "2") == [vi(demo, "transfer.kept")]
    assert [t[3] for t in await _transfers(demo)] == ["pending"]

    await chat.say("bithu", "/chuyen")
    await chat.press("bithu", "Nguyễn Văn An (1996) · đang chuyển")
    assert await chat.press("bithu", "Hủy đề nghị chuyển") == [
        f"Đã hủy đề nghị chuyển đoàn viên Nguyễn Văn An sang {KP2}; Nguyễn Văn An vẫn sinh hoạt ở chi đoàn mình."]
    assert [(t[3], t[5]) for t in await _transfers(demo)] == [("cancelled", org.members["Lê Thị Bảo"])]
    assert (await _pushes(demo))[2:] == [("bithu2", "transfer.push_cancelled"),
                                         ("an", "transfer.push_member_cancelled")]
    assert (await chat.say("bithu2", "/chuyen"))[0].startswith(f"Đoàn viên của {KP2}")


async def test_a_button_pressed_after_the_transfer_was_withdrawn_changes_nothing(
        demo: App, org: Org, chat: Chat) -> None:
    await _request(chat)
    await chat.say("bithu2", "/chuyen")  # the receiving secretary has the buttons in front of them...
    await chat.say("bithu", "/chuyen")  # ...while the sender withdraws
    await chat.press("bithu", "Nguyễn Văn An (1996) · đang chuyển")
    await chat.press("bithu", "Hủy đề nghị chuyển")
    assert await chat.press("bithu2", f"Nhận: {AN}") == [vi(demo, "transfer.decision_gone")]
    assert [t[3] for t in await _transfers(demo)] == ["cancelled"]
    assert await scalar(demo, "SELECT unit_id FROM member WHERE id = :id",
                        id=org.members["Nguyễn Văn An"]) == org.units["CD-KP1"]


async def test_a_second_request_for_the_same_member_is_refused(demo: App, org: Org, chat: Chat, clock: Clock) -> None:
    """Two secretaries of the branch reach the summary for the same member; only the first request is made."""
    async with demo.sessions() as session, session.begin():
        other = await add_member(session, full_name="Đinh Văn Phó", birth_year=1995, unit_id=org.units["CD-KP1"],
                                 joined_at=clock())
        assert other.id is not None
        await grant_role(session, member_id=other.id, role=RoleName.SECRETARY, unit_id=org.units["CD-KP1"])
        await link_member(session, channel="test", external_id="pho", chat_id="pho", member_id=other.id, now=clock())
    for user in ("bithu", "pho"):
        await chat.say(user, "/chuyen")
        await chat.press(user, AN)
        await chat.press(user, "Chuyển sang chi đoàn khác")
        await chat.say(user, "CD-KP2")
    assert (await chat.press("bithu", "Gửi đề nghị"))[0].startswith("Đã gửi đề nghị")
    outbox = await count(demo, "outbox")
    assert await chat.press("pho", "Gửi đề nghị") == [
        "Nguyễn Văn An đang có một đề nghị chuyển sinh hoạt chờ xử lý, nên chưa làm thêm được. Chưa có gì thay đổi; "
        "muốn hủy đề nghị đó, đồng chí gõ /chuyen và chọn lại Nguyễn Văn An."]
    assert len(await _transfers(demo)) == 1
    assert await count(demo, "outbox") == outbox


async def test_a_branch_whose_secretary_is_not_on_the_bot_is_named_to_the_sender(
        demo: App, org: Org, chat: Chat) -> None:
    assert await _request(chat, code="CD-12A1") == [vi(demo, "transfer.requested_unseen", name="Nguyễn Văn An",
                                                        unit="Chi đoàn lớp 12A1")]
    assert await _pushes(demo) == [("an", "transfer.push_member_requested")]


async def test_incoming_transfers_are_shown_a_few_at_a_time(demo: App, org: Org, chat: Chat) -> None:
    for member in KP1_ROSTER[:5]:
        await _request(chat, member=member)
    answer = await chat.say("bithu2", "/chuyen")
    assert answer[0].count("\n• ") == 4 and vi(demo, "transfer.incoming_more") in answer[0]
    assert len(chat.choices("bithu2")) == 9
    answer = await chat.press("bithu2", "Nhận: Hoàng Thị Khánh (2000)")
    # The answer says who was taken in, then shows what still waits: the fifth request comes into view.
    assert answer[0].startswith("Đã tiếp nhận đoàn viên Hoàng Thị Khánh (2000)")
    assert answer[1].count("\n• ") == 4 and vi(demo, "transfer.incoming_more") not in answer[1]
    assert chat.choices("bithu2")[-3:] == ["Nhận: Phạm Thị An (1999)", "Từ chối: Phạm Thị An (1999)",
                                          "Đoàn viên của chi đoàn mình"]
    assert await count(demo, "transfer", "status = 'accepted'") == 1


# --- Leaving the Union.


@pytest.mark.parametrize(("label", "reason", "button", "said"), [
    ("Trưởng thành Đoàn", "matured", "Ghi trưởng thành Đoàn", "Trưởng thành Đoàn"),
    ("Ra khỏi Đoàn", "left_union", "Ghi ra khỏi Đoàn", "Ra khỏi Đoàn"),
])
async def test_a_member_leaving_is_off_the_roster_with_their_history_kept(
        demo: App, org: Org, chat: Chat, label: str, reason: str, button: str, said: str) -> None:
    await chat.say("bithu", "/chuyen")
    await chat.press("bithu", AN)
    assert await chat.press("bithu", label) == [
        f"Đồng chí kiểm tra lại:\n• Đoàn viên: Nguyễn Văn An (1996)\n• {said}, rời danh sách {KP1} từ hôm nay, "
        "24/11/2026\nSau khi ghi, Nguyễn Văn An không còn được tính trong số đoàn viên của chi đoàn; những thanh "
        "niên Nguyễn Văn An đã giới thiệu vẫn được ghi nhận."]
    assert chat.choices("bithu") == [button, "Thôi"]
    assert await chat.press("bithu", button) == [
        f"Đã ghi nhận: Nguyễn Văn An — {said}, từ ngày 24/11/2026. Nguyễn Văn An không còn trong danh sách đoàn viên "
        f"{KP1}; những thanh niên Nguyễn Văn An đã giới thiệu vẫn được ghi nhận."]
    an = org.members["Nguyễn Văn An"]
    assert await rows(demo, "SELECT status, left_reason, left_on, unit_id FROM member WHERE id = :id", id=an) == [
        ("left", reason, TODAY, org.units["CD-KP1"])]
    assert await scalar(demo, "SELECT member_id FROM chat_identity WHERE external_id = 'an'") == an
    assert await rows(demo, "SELECT introduced_by, unit_id FROM youth") == [(an, org.units["CD-KP1"])]
    assert _members(await _reports(demo, Period(2026, 1)))["CD-KP1"] == 6
    assert (await _reports(demo, Period(2026, 1))).total.introduced == 1
    assert await rows(demo, "SELECT action, target FROM audit") == [("member.left", f"member:{an}")]
    await chat.say("bithu", "/chuyen")
    assert AN not in chat.choices("bithu")


async def test_a_member_who_left_is_no_member_to_the_bot_and_holds_no_role(
        demo: App, org: Org, chat: Chat) -> None:
    an = org.members["Nguyễn Văn An"]
    async with demo.sessions() as session, session.begin():
        await grant_role(session, member_id=an, role=RoleName.SECRETARY, unit_id=org.units["CD-KP1"])
    assert (await chat.say("an", "/chidoan"))[0].startswith(f"{KP1} — năm 2026")
    await chat.say("bithu", "/chuyen")
    await chat.press("bithu", "Nguyễn Văn An (1996)")
    await chat.press("bithu", "Trưởng thành Đoàn")
    await chat.press("bithu", "Ghi trưởng thành Đoàn")
    assert await count(demo, "role", "member_id = :id", id=an) == 0
    stranger = await chat.say("stranger", "/gioithieu")
    assert await chat.say("an", "/gioithieu") == stranger  # the words a person who never joined reads
    assert await chat.say("an", "/chidoan") == await chat.say("stranger", "/chidoan")


async def test_an_accepted_transfer_leaves_the_old_branchs_role_behind(demo: App, org: Org, chat: Chat) -> None:
    an = org.members["Nguyễn Văn An"]
    async with demo.sessions() as session, session.begin():
        await grant_role(session, member_id=an, role=RoleName.SECRETARY, unit_id=org.units["CD-KP1"])
        await grant_role(session, member_id=an, role=RoleName.OFFICER, unit_id=org.units["CS-PBA"])
    await _request(chat)
    await chat.say("bithu2", "/chuyen")
    await chat.press("bithu2", f"Nhận: {AN}")
    assert await rows(demo, "SELECT role, unit_id FROM role WHERE member_id = :id", id=an) == [
        ("officer", org.units["CS-PBA"])]
    assert await scalar(demo, "SELECT unit_id FROM member WHERE id = :id", id=an) == org.units["CD-KP2"]


async def test_saying_no_at_the_summary_changes_nothing(demo: App, org: Org, chat: Chat) -> None:
    await chat.say("bithu", "/chuyen")
    await chat.press("bithu", AN)
    await chat.press("bithu", "Ra khỏi Đoàn")
    assert await chat.press("bithu", "Thôi") == ["Đã thôi, chưa có gì thay đổi."]
    assert await scalar(demo, "SELECT status FROM member WHERE id = :id", id=org.members["Nguyễn Văn An"]) == "active"
    assert await count(demo, "audit") == 0


# --- Bad input at the code step: a clear answer, asked again, nothing written.


LONG = "C" * 4000


@pytest.mark.parametrize(("typed", "key", "values"), [
    pytest.param("XX-KHONGCO", "transfer.code_unknown", {"code": "XX-KHONGCO"}, id="unknown"),
    pytest.param("CD-KP1", "transfer.code_own", {"code": "CD-KP1"}, id="own-branch"),
    pytest.param("cs-pba", "transfer.code_not_branch", {"code": "CS-PBA", "unit": "Đoàn phường Bình An"},
                 id="not-a-branch"),
    pytest.param("QD-HB", "transfer.code_not_branch", {"code": "QD-HB", "unit": "Quận Đoàn Hòa Bình"},
                 id="district"),
    pytest.param(unicodedata.normalize("NFD", "Chi đoàn Khu phố 2"), "transfer.code_malformed", {}, id="nfd-name"),
    pytest.param(unicodedata.normalize("NFD", "CĐ-KP2"), "transfer.code_malformed", {}, id="nfd-letter"),
    pytest.param("CD-KP2 🌸", "transfer.code_malformed", {}, id="emoji"),
    pytest.param(LONG, "transfer.code_malformed", {}, id="4000-chars"),
    pytest.param("'; DROP TABLE unit; --", "transfer.code_malformed", {}, id="sql"),
    pytest.param("ＣＤ-ＫＰ２", "transfer.code_malformed", {}, id="fullwidth"),
])
async def test_bad_codes_are_explained_and_asked_again(
        demo: App, org: Org, chat: Chat, typed: str, key: str, values: dict[str, str]) -> None:
    await chat.say("bithu", "/chuyen")
    await chat.press("bithu", AN)
    await chat.press("bithu", "Chuyển sang chi đoàn khác")
    assert await chat.say("bithu", typed) == [vi(demo, key, **values)]
    assert await count(demo, "transfer") == 0 and await count(demo, "outbox") == 0
    assert (await chat.say("bithu", "CD-KP2"))[0].startswith("Đồng chí kiểm tra lại đề nghị")  # still asked


async def test_an_inactive_branch_takes_in_nobody(demo: App, org: Org, chat: Chat) -> None:
    async with demo.db.begin() as connection:
        await connection.exec_driver_sql("UPDATE unit SET active = false WHERE code = 'CD-APD'")
    await chat.say("bithu", "/chuyen")
    await chat.press("bithu", AN)
    await chat.press("bithu", "Chuyển sang chi đoàn khác")
    assert await chat.say("bithu", "CD-APD") == [vi(demo, "transfer.code_inactive", code="CD-APD",
                                                    unit="Chi đoàn ấp Đông")]


async def test_the_receiving_branch_deactivated_before_the_request_is_sent(demo: App, org: Org, chat: Chat) -> None:
    await chat.say("bithu", "/chuyen")
    await chat.press("bithu", AN)
    await chat.press("bithu", "Chuyển sang chi đoàn khác")
    await chat.say("bithu", "CD-KP2")
    async with demo.db.begin() as connection:
        await connection.exec_driver_sql("UPDATE unit SET active = false WHERE code = 'CD-KP2'")
    assert await chat.press("bithu", "Gửi đề nghị") == [vi(demo, "transfer.target_gone")]
    assert await count(demo, "transfer") == 0


# --- Who may do what: forged buttons, typed ids, other branches.


async def test_forged_and_typed_ids_change_nothing(demo: App, org: Org, chat: Chat) -> None:
    kp2_member = org.members["Võ Minh Khánh"]
    await chat.say("bithu", "/chuyen")
    assert await forge(chat, "bithu", f"m{kp2_member}") == [vi(demo, "engine.stale_choice")]
    assert await chat.say("bithu", f"m{kp2_member}") == [vi(demo, "engine.choose_one")]
    assert await chat.say("bithu", "Võ Minh Khánh (2003)") == [vi(demo, "engine.choose_one")]
    # The receiving side's buttons, forged by the sender: a transfer into Khu phố 2 is not theirs to accept.
    await _request(chat)
    transfer = await scalar(demo, "SELECT id FROM transfer")
    await chat.say("bithu", "/chuyen")
    for payload in (f"a{transfer}", f"r{transfer}", "members", "yes"):
        assert await forge(chat, "bithu", payload) == [vi(demo, "engine.stale_choice")]
    # And the receiving secretary cannot pick members of the sending branch.
    await chat.say("bithu2", "/chuyen")
    await chat.press("bithu2", "Đoàn viên của chi đoàn mình")
    assert AN not in chat.choices("bithu2")
    assert await forge(chat, "bithu2", f"m{org.members['Nguyễn Văn An']}") == [vi(demo, "engine.stale_choice")]
    assert [t[3] for t in await _transfers(demo)] == ["pending"]
    assert await count(demo, "member", "status <> 'active'") == 0


async def test_another_branch_and_other_roles_are_refused(demo: App, org: Org, chat: Chat) -> None:
    assert await chat.say("bithu2", "/chuyen CD-KP1") == [vi(demo, "evaluation.not_your_branch")]
    assert await chat.say("an", "/chuyen") == [vi(demo, "engine.not_allowed")]
    assert await chat.say("khach", "/transfer") == [vi(demo, "engine.not_allowed")]
    assert (await chat.say("bithu", "/transfer CD-KP1"))[0].startswith(f"Đoàn viên của {KP1}")


async def test_a_secretary_who_lost_the_role_mid_dialog_writes_nothing(demo: App, org: Org, chat: Chat) -> None:
    await chat.say("bithu", "/chuyen")
    await chat.press("bithu", AN)
    await chat.press("bithu", "Ra khỏi Đoàn")
    async with demo.db.begin() as connection:
        await connection.exec_driver_sql(f"DELETE FROM role WHERE member_id = {org.members['Lê Thị Bảo']}")
    assert await chat.press("bithu", "Ghi ra khỏi Đoàn") == [vi(demo, "evaluation.not_your_branch")]
    assert await scalar(demo, "SELECT status FROM member WHERE id = :id", id=org.members["Nguyễn Văn An"]) == "active"


async def test_long_rosters_are_paged(demo: App, org: Org, chat: Chat, clock: Clock) -> None:
    async with demo.sessions() as session, session.begin():
        for n in range(20):
            await add_member(session, full_name=f"Vũ Thị Mới {n:02}", birth_year=2001, unit_id=org.units["CD-KP1"],
                             joined_at=clock())
    answer = await chat.say("bithu", "/chuyen")
    assert answer[0].endswith("\nTrang 1/4") and "(26 người" in answer[0]
    assert chat.choices("bithu")[-1] == "Trang sau ›" and len(chat.choices("bithu")) == 9
    await chat.press("bithu", "Trang sau ›")
    await chat.press("bithu", "Trang sau ›")
    await chat.press("bithu", "Trang sau ›")
    assert chat.choices("bithu") == ["Vũ Thị Mới 18 (2001)", "Vũ Thị Mới 19 (2001)", "‹ Trang trước"]


async def test_english(demo: App, org: Org, chat: Chat) -> None:
    await chat.say("bithu", "/ngonngu en")
    assert await chat.say("bithu", "/transfer") == [
        f"Members of {KP1} (6, not counting you). Choose the member to transfer or to record as leaving:"]
    await chat.press("bithu", AN)
    assert chat.choices("bithu") == ["Transfer to another branch", "Matured out of the Union", "Left the Union"]


# --- The operator's command line.


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: object, capsys: pytest.CaptureFixture[str],
        clock: Clock) -> str:
    """A database with the demo organisation and the cast of `_org`, which the command line is pointed at."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(str(tmp_path))  # no stray .env is read
    assert main(["admin", "seed-demo"]) == 0

    async def cast() -> None:
        app = build_app(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
        try:
            await app.prepare()
            await _org(app, clock())
        finally:
            await app.close()
    asyncio.run(cast())
    capsys.readouterr()
    return database_url


def _sql(database_url: str, sql: str) -> list[tuple[object, ...]]:
    async def read() -> list[tuple[object, ...]]:
        app = build_app(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
        try:
            return await rows(app, sql)
        finally:
            await app.close()
    return asyncio.run(read())


def _id(database_url: str, name: str) -> int:
    found = _sql(database_url, f"SELECT id FROM member WHERE full_name = '{name}'")
    return int(str(found[0][0]))


def test_admin_transfer_moves_at_once(cli: str, capsys: pytest.CaptureFixture[str]) -> None:
    an = _id(cli, "Nguyễn Văn An")
    assert main(["admin", "transfer", str(an), "--to", "cd-kp2"]) == 0
    assert capsys.readouterr().out == f"Đã chuyển Nguyễn Văn An (id {an}) từ {KP1} sang {KP2}.\n"
    kp1, kp2 = (int(str(u)) for (u,) in _sql(cli, "SELECT id FROM unit WHERE code IN ('CD-KP1', 'CD-KP2') "
                                                   "ORDER BY code"))
    assert _sql(cli, "SELECT member_id, from_unit_id, to_unit_id, status, requested_by, decided_by FROM transfer") == [
        (an, kp1, kp2, "accepted", None, None)]
    assert _sql(cli, f"SELECT unit_id FROM member WHERE id = {an}") == [(kp2,)]
    assert _sql(cli, f"SELECT members FROM report_unit WHERE unit_id IN ({kp1}, {kp2}) ORDER BY unit_id") == [
        (6,), (7,)]
    assert _sql(cli, "SELECT unit_id FROM youth") == [(kp1,)]
    assert _sql(cli, "SELECT actor_member_id, action FROM audit") == [(None, "member.transferred")]


def test_admin_transfer_by_member_number_withdraws_a_pending_request(
        cli: str, capsys: pytest.CaptureFixture[str]) -> None:
    an = _id(cli, "Nguyễn Văn An")
    asyncio.run(_write(cli, f"UPDATE member SET member_no = '0123456789' WHERE id = {an}"))
    asyncio.run(_write(cli, "INSERT INTO transfer (member_id, from_unit_id, to_unit_id, status, requested_at) "
                            f"SELECT {an}, u1.id, u2.id, 'pending', '2026-11-20 03:00:00+00:00' FROM unit u1, unit u2 "
                            "WHERE u1.code = 'CD-KP1' AND u2.code = 'CD-12A1'"))
    assert main(["admin", "transfer", "0123456789", "--to", "CD-KP2", "--locale", "en"]) == 0
    assert capsys.readouterr().out == (
        "The pending transfer request (to Chi đoàn lớp 12A1) was withdrawn.\n"
        f"Transferred Nguyễn Văn An (id {an}) from {KP1} to {KP2}.\n")
    assert [s for (s,) in _sql(cli, "SELECT status FROM transfer ORDER BY id")] == ["cancelled", "accepted"]


async def _write(database_url: str, sql: str) -> None:
    app = build_app(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
    try:
        async with app.db.begin() as connection:
            await connection.exec_driver_sql(sql)
    finally:
        await app.close()


@pytest.mark.parametrize(("argv", "out"), [
    pytest.param(["999999", "--to", "CD-KP2"], "Không tìm thấy đoàn viên 999999", id="unknown-member"),
    pytest.param(["9" * 4000, "--to", "CD-KP2"], "Không tìm thấy đoàn viên 999", id="4000-digits"),
    pytest.param(["Nguyễn Văn An", "--to", "CD-KP2"], "Không tìm thấy đoàn viên Nguyễn Văn An", id="a-name"),
    pytest.param(["{an}", "--to", "XX-KHONGCO"], "Không có chi đoàn đang hoạt động nào mã XX-KHONGCO", id="no-unit"),
    pytest.param(["{an}", "--to", "CS-PBA"], "Không có chi đoàn đang hoạt động nào mã CS-PBA", id="not-a-branch"),
    pytest.param(["{an}", "--to", "CD-KP1"], "Nguyễn Văn An (id {an}) đã ở Chi đoàn Khu phố 1", id="same-branch"),
])
def test_admin_transfer_refusals_change_nothing(cli: str, capsys: pytest.CaptureFixture[str], argv: list[str],
                                                out: str) -> None:
    an = _id(cli, "Nguyễn Văn An")
    code = main(["admin", "transfer", *(a.format(an=an) for a in argv)])
    assert capsys.readouterr().out.startswith(out.format(an=an))
    assert code == (0 if "đã ở" in out else 2)
    assert _sql(cli, "SELECT count(*) FROM transfer") == [(0,)]
    assert _sql(cli, "SELECT count(*) FROM audit") == [(0,)]


def test_admin_leave(cli: str, capsys: pytest.CaptureFixture[str]) -> None:
    an = _id(cli, "Nguyễn Văn An")
    assert main(["admin", "leave", str(an), "--reason", "matured", "--on", "2026-06-30"]) == 0
    assert capsys.readouterr().out == (
        f"Đã ghi: Nguyễn Văn An (id {an}) — Trưởng thành Đoàn, từ ngày 30/06/2026; không còn trong danh sách {KP1}.\n")
    assert _sql(cli, f"SELECT status, left_reason FROM member WHERE id = {an}") == [("left", "matured")]
    assert [str(d)[:10] for (d,) in _sql(cli, f"SELECT left_on FROM member WHERE id = {an}")] == ["2026-06-30"]
    # Gone from the roster: neither a second leave nor a transfer applies to them now.
    assert main(["admin", "leave", str(an), "--reason", "left_union"]) == 2
    assert main(["admin", "transfer", str(an), "--to", "CD-KP2"]) == 2
    assert capsys.readouterr().out == 2 * (
        f"Nguyễn Văn An (id {an}) không còn trong danh sách đoàn viên của chi đoàn nào (tình trạng: đã rời danh "
        "sách), nên không làm được.\n")
    assert _sql(cli, f"SELECT left_reason FROM member WHERE id = {an}") == [("matured",)]


def test_admin_leave_refuses_a_future_day_and_a_bad_reason(cli: str, capsys: pytest.CaptureFixture[str]) -> None:
    an = _id(cli, "Nguyễn Văn An")
    assert main(["admin", "leave", str(an), "--reason", "left_union", "--on", "2999-01-01"]) == 2
    assert "2999" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["admin", "leave", str(an), "--reason", "missing"])
    with pytest.raises(SystemExit):
        main(["admin", "leave", str(an), "--reason", "matured", "--on", "30/06/2026"])
    assert _sql(cli, f"SELECT status FROM member WHERE id = {an}") == [("active",)]
