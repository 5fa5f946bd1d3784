"""The data subject's rights, operated by the people who have the chat: /dulieu hands over everything held on a
young person (a message and a JSON file), /rutdongy records a withdrawn consent and anonymises them, /toi shows a
member their own data and lets them leave with it erased, a nightly job anonymises records nobody wrote for
the retention period, and `bot11 admin audit` lists every such request. Reports of any period stay the same."""

from __future__ import annotations

import argparse
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from bot.app import App
from bot.audit_cli import add_audit_parser, list_audit
from scheduled.runner import ScheduledJob, maintenance_jobs
from scheduled.service import job_runner
from storage.calendar import EvaluationCalendar, Period
from storage.models import Unit
from storage.reports import report_for
from storage.transfers import create_transfer, incoming_transfers
from tests.authz_support import forge
from tests.conftest import Clock
from tests.joining import join_listed
from tests.test_youth_support import REGISTER_STEPS, count, join, rows, scalar, vi
from tests.transcript import Chat

PERIODS = ("2026-H1", "2026-H2", "2026", "2029-H2", "2029")
BICH = "Trần Thị Bích (2006)"


async def figures(app: App, unit_code: str = "TD-AL") -> list[Any]:
    """Return the report figures of `unit_code`'s subtree for every period of `PERIODS`."""
    out = []
    async with app.sessions() as session:
        unit = (await session.exec(select(Unit).where(col(Unit.code) == unit_code))).one()
        for code in PERIODS:
            report = await report_for(session, unit=unit, period=Period.parse(code), calendar=EvaluationCalendar(),
                                      tz=app.tz)
            out.append((report.total, report.own, report.children, report.groups, report.sensitive))
    return out


async def register_minority(chat: Chat, user: str) -> None:
    """Register Bích as of the Tày people and Buddhist (counted as minority and religious), then save."""
    steps = [*REGISTER_STEPS]
    steps[8], steps[9] = "Tày", "Phật giáo"
    for line in [*steps, "Đúng, lưu lại"]:
        await chat.say(user, line)


async def activity(chat: Chat, user: str, what: str = "Chủ nhật xanh") -> None:
    for line in ("/capnhat", "1", "Đã tham gia một hoạt động", what, "hôm qua"):
        await chat.say(user, line)


def attachment(chat: Chat, user: str) -> tuple[str, dict[str, Any]]:
    (file,) = [reply.attachment for reply in chat.last[user] if reply.attachment is not None]
    assert file.mime_type == "application/json"
    return file.filename, json.loads(file.content)


# --- /dulieu


async def test_export_message_and_json_field_by_field(demo: App, chat: Chat, clock: Clock) -> None:
    await join(chat, "an")
    await join(chat, "ha", "DEMO-BITHU", "Phạm Thu Hà")
    await register_minority(chat, "an")
    registered = clock.now
    clock.advance(days=2)
    await activity(chat, "an")
    clock.advance(hours=1)
    for line in ("/capnhat", "1", "Đã vào Hội", "hôm nay"):
        await chat.say("ha", line)
    youth_id = await scalar(demo, "SELECT id FROM youth")
    assert await chat.say("ha", "/dulieu") == [vi(demo, "privacy.export_pick", total="1")]
    message, caption = await chat.press("ha", BICH)
    assert message.startswith("Dữ liệu Bot 1+1 đang lưu về Trần Thị Bích:\n• Họ và tên: Trần Thị Bích\n")
    assert "• Dân tộc (nhạy cảm): Tày" in message and "• Tôn giáo (nhạy cảm): Phật giáo" in message
    assert "• Người giới thiệu: Nguyễn Văn An, ghi nhận ngày 24/11/2026" in message
    assert "– 25/11/2026: Đã tham gia một hoạt động (ghi nhận: Nguyễn Văn An)" in message
    assert "– 26/11/2026: Đã vào Hội (ghi nhận: Phạm Thu Hà)" in message
    assert caption == vi(demo, "privacy.export_file")
    filename, held = attachment(chat, "ha")
    assert filename == f"du-lieu-thanh-nien-{youth_id}.json"
    events = held.pop("participation")
    history = [(line["action"], line["by"], datetime.fromisoformat(line["at"])) for line in held.pop("history")]
    assert history == [("youth.registered", "Nguyễn Văn An", registered),
                       ("youth.activity", "Nguyễn Văn An", registered + timedelta(days=2)),
                       ("youth.joined_hoi", "Phạm Thu Hà", clock.now)]
    times = {key: datetime.fromisoformat(held.pop(key)) for key in
             ("introduced_at", "consent_at", "status_at", "updated_at")}
    assert times == {"introduced_at": registered, "consent_at": registered, "status_at": clock.now,
                     "updated_at": clock.now}
    assert held == {
        "id": youth_id, "full_name": "Trần Thị Bích", "birth_year": 2006, "gender": "female",
        "phone": "0912345678", "group": "student", "introduced_to": "hoi", "ethnicity": "tay",
        "religion": "buddhism", "notes": None, "status": "joined_hoi",
        "branch": {"code": "CD-KP1", "name": "Chi đoàn Khu phố 1"}, "introduced_by": "Nguyễn Văn An",
        "recorded_by": None, "consent_by": None,
    }
    for event in events:
        event.pop("recorded_at")
    assert events == [
        {"kind": "activity", "on_date": "2026-11-25", "activity": "Chủ nhật xanh", "decision_no": None,
         "note": None, "recorded_by": "Nguyễn Văn An"},
        {"kind": "joined_hoi", "on_date": "2026-11-26", "activity": None, "decision_no": None, "note": None,
         "recorded_by": "Phạm Thu Hà"},
    ]
    assert await rows(demo, "SELECT a.action, a.target, u.code FROM audit a JOIN unit u ON u.id = a.unit_id "
                            "WHERE a.action LIKE 'privacy.%'") == [("privacy.exported", f"youth:{youth_id}",
                                                                     "CD-KP1")]


async def test_export_in_english(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await register_minority(chat, "an")
    await chat.say("an", "/ngonngu en")
    assert await chat.say("an", "/data") == ["Whose data do you want to export? (1 on your list)"]
    message, _ = await chat.say("an", "1")
    assert message.startswith("What Bot 1+1 holds on Trần Thị Bích:\n• Full name: Trần Thị Bích\n")
    assert "Participation:\n(none yet)" in message


@pytest.mark.parametrize(("user", "code", "name"), [
    pytest.param("binh", "DEMO-DOANVIEN2", "Võ Minh Bình", id="member-of-another-branch"),
    pytest.param("cuong", "DEMO-DOANVIEN", "Lê Văn Cường", id="unrelated-member-same-branch"),
    pytest.param("quan", "DEMO-QUANDOAN", "Trần Văn Quân", id="officer-above"),
])
async def test_outsiders_get_what_an_unknown_person_gets(demo: App, chat: Chat, user: str, code: str,
                                                         name: str) -> None:
    await join(chat, "an")
    await register_minority(chat, "an")
    bich = await scalar(demo, "SELECT id FROM youth")
    await join(chat, user, code, name)
    for line in [*REGISTER_STEPS[:2], "Võ Thị Cúc", "2005", "Nữ", "Bỏ qua", *REGISTER_STEPS[6:], "Đúng, lưu lại"]:
        await chat.say(user, line)
    for command in ("/dulieu", "/rutdongy"):
        shown = await chat.say(user, command)
        assert chat.choices(user) == ["Võ Thị Cúc (2005)"], shown
        unknown = await forge(chat, user, "y999999")
        assert await forge(chat, user, f"y{bich}") == unknown
        assert await forge(chat, user, f"y{bich}x") == unknown
        await chat.say(user, "/huy")
    assert await count(demo, "audit", "action LIKE 'privacy.%'") == 0
    assert await rows(demo, "SELECT full_name, anonymised_at FROM youth WHERE id = :i", i=bich) == [
        ("Trần Thị Bích", None)]


# --- /rutdongy


async def test_withdrawn_consent_erases_all_but_the_counts(demo: App, chat: Chat, clock: Clock) -> None:
    await join(chat, "an")
    await join(chat, "ha", "DEMO-BITHU", "Phạm Thu Hà")
    await register_minority(chat, "an")
    clock.advance(days=2)
    await activity(chat, "an")
    for line in ("/capnhat", "1", "Ghi nhu cầu, nguyện vọng", "Muốn học tin học"):
        await chat.say("an", line)
    await join(chat, "binh", "DEMO-DOANVIEN2", "Võ Minh Bình")
    for line in [*REGISTER_STEPS[:2], "Võ Thị Cúc", "2005", "Nữ", "Bỏ qua", *REGISTER_STEPS[6:], "Đúng, lưu lại"]:
        await chat.say("binh", line)
    youth_id = await scalar(demo, "SELECT id FROM youth WHERE full_name = 'Trần Thị Bích'")
    await demo_notes(demo, youth_id)
    before = await figures(demo)
    clock.advance(days=40)
    assert await chat.say("ha", "/rutdongy") == [vi(demo, "privacy.withdraw_pick", total="1")]
    assert await chat.press("ha", BICH) == [
        vi(demo, "privacy.withdraw_confirm", name="Trần Thị Bích", year=2006)]
    assert await chat.press("ha", "Đúng, xóa thông tin cá nhân") == [
        vi(demo, "privacy.withdrawn", name="Trần Thị Bích")]
    assert await figures(demo) == before
    assert await rows(demo, "SELECT full_name, name_key, phone, notes, ethnicity, religion, birth_year, gender, "
                            "group_code, status FROM youth WHERE id = :i", i=youth_id) == [
        ("", "", None, None, None, None, 2006, "female", "student", "participating")]
    assert await rows(demo, "SELECT kind, activity, decision_no, note FROM participation ORDER BY id") == [
        ("activity", None, None, None), ("note", None, None, None)]
    assert await scalar(demo, "SELECT full_name FROM youth WHERE id <> :i", i=youth_id) == "Võ Thị Cúc"
    assert await rows(demo, "SELECT a.action, a.target, u.code, m.full_name FROM audit a JOIN unit u ON "
                            "u.id = a.unit_id JOIN member m ON m.id = a.actor_member_id WHERE a.action LIKE "
                            "'privacy.%'") == [("privacy.consent_withdrawn", f"youth:{youth_id}", "CD-KP1",
                                                "Phạm Thu Hà")]
    assert await chat.say("an", "/dulieu") == [vi(demo, "youth.none_yet")]
    assert await chat.say("an", "/cuatoi") != []


async def demo_notes(app: App, youth_id: int) -> None:
    """Give the record notes (written by no dialog yet, kept by the table) so that erasing them is seen."""
    async with app.db.begin() as connection:
        await connection.execute(text("UPDATE youth SET notes = 'gia đình khó khăn' WHERE id = :i"), {"i": youth_id})


async def test_withdrawal_can_be_declined(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await register_minority(chat, "an")
    for line in ("/rutdongy", "1"):
        await chat.say("an", line)
    assert await chat.press("an", "Không, giữ nguyên") == [vi(demo, "cancel.done")]
    assert await scalar(demo, "SELECT full_name FROM youth") == "Trần Thị Bích"
    assert await count(demo, "audit", "action LIKE 'privacy.%'") == 0


# --- /toi


async def test_me_exports_then_leaves_and_erases(demo: App, chat: Chat, clock: Clock) -> None:
    await join_listed(chat, "an")
    await join(chat, "ha", "DEMO-BITHU", "Phạm Thu Hà")
    await register_minority(chat, "an")
    member_id = await scalar(demo, "SELECT member_id FROM chat_identity WHERE external_id = 'an'")
    member = (await rows(demo, "SELECT full_name, birth_year, phone, member_no FROM member WHERE id = :i",
                         i=member_id))[0]
    message, _ = await chat.say("an", "/toi")
    assert message.startswith(f"Dữ liệu Bot 1+1 đang lưu về bạn:\n• Họ và tên: {member[0]}\n• Năm sinh: 1996\n")
    assert "• Chi đoàn: Chi đoàn Khu phố 1" in message and "• Thanh niên bạn đã giới thiệu: 1" in message
    filename, held = attachment(chat, "an")
    assert filename == f"du-lieu-cua-toi-{member_id}.json"
    assert (held["id"], held["full_name"], held["birth_year"], held["phone"], held["member_no"]) == (
        member_id, *member)
    assert held["branch"] == {"code": "CD-KP1", "name": "Chi đoàn Khu phố 1"}
    roles = await rows(demo, "SELECT r.role, u.code FROM role r JOIN unit u ON u.id = r.unit_id "
                             "WHERE r.member_id = :i", i=member_id)
    assert [(role["role"], role["unit"]) for role in held["roles"]] == roles
    assert held["chats"] == [{"channel": "test", "locale": None}]
    assert [(y["full_name"], y["birth_year"], y["status"]) for y in held["introduced"]] == [
        ("Trần Thị Bích", 2006, "introduced")]
    before = await figures(demo)
    await chat.press("an", "Rời Đoàn và xóa dữ liệu của tôi")
    assert await chat.press("an", "Đúng, xóa dữ liệu của tôi") == [vi(demo, "privacy.me_erased")]
    assert await rows(demo, "SELECT full_name, name_key, phone, birth_date, member_no, status, birth_year FROM "
                            "member WHERE id = :i", i=member_id) == [("", "", None, None, None, "left", 1996)]
    assert await scalar(demo, "SELECT erased_at FROM member WHERE id = :i", i=member_id) is not None
    assert await count(demo, "role", "member_id = :i", i=member_id) == 0
    assert await count(demo, "chat_identity", "member_id = :i", i=member_id) == 0
    after = await figures(demo)
    for (total_before, *_), (total_after, *_) in zip(before, after, strict=True):
        assert total_after.introduced == total_before.introduced
        assert total_after.minority == total_before.minority
        assert total_after.members == total_before.members - (1 if total_before.members else 0)
    assert await count(demo, "youth", "introduced_by = :i", i=member_id) == 1
    assert [line[:2] for line in await rows(
        demo, "SELECT action, target FROM audit WHERE action LIKE 'privacy.%' ORDER BY id")] == [
        ("privacy.self_exported", f"member:{member_id}"), ("privacy.member_erased", f"member:{member_id}")]
    assert await chat.say("an", "/toi") != [message]
    await chat.say("ha", "/dulieu")
    shown, _ = await chat.press("ha", BICH)
    assert "• Người giới thiệu: (đoàn viên đã rời Đoàn, dữ liệu đã xóa), ghi nhận ngày 24/11/2026" in shown
    assert attachment(chat, "ha")[1]["introduced_by"] is None


async def test_erasure_withdraws_a_transfer_waiting_for_the_receiving_branch(demo: App, chat: Chat,
                                                                             clock: Clock) -> None:
    await join_listed(chat, "an")
    member_id = await scalar(demo, "SELECT member_id FROM chat_identity WHERE external_id = 'an'")
    async with demo.sessions() as session, session.begin():
        units = {u.code: u.id for u in (await session.exec(select(Unit))).all()}
        await create_transfer(session, member_id=member_id, from_unit_id=units["CD-KP1"],
                              to_unit_id=units["CD-KP2"], requested_by=member_id, now=clock())
    await chat.say("an", "/toi")
    await chat.press("an", "Rời Đoàn và xóa dữ liệu của tôi")
    assert await chat.press("an", "Đúng, xóa dữ liệu của tôi") == [vi(demo, "privacy.me_erased")]
    assert await rows(demo, "SELECT status FROM transfer WHERE member_id = :i", i=member_id) == [("cancelled",)]
    async with demo.sessions() as session, session.begin():
        assert await incoming_transfers(session, unit_id=units["CD-KP2"], limit=10) == []


async def test_me_declined_changes_nothing(demo: App, chat: Chat) -> None:
    await join_listed(chat, "an")
    await chat.say("an", "/me")
    await chat.press("an", "Rời Đoàn và xóa dữ liệu của tôi")
    assert await chat.press("an", "Không, giữ nguyên") == [vi(demo, "cancel.done")]
    assert await count(demo, "member", "erased_at IS NOT NULL") == 0
    assert await count(demo, "chat_identity", "member_id IS NOT NULL") == 1


# --- Retention


@pytest.mark.parametrize(("after", "anonymised"), [
    pytest.param(timedelta(days=-1), 0, id="a-day-before-3-years"),
    pytest.param(timedelta(days=1), 1, id="3-years-and-a-day"),
])
async def test_retention_anonymises_after_the_period(demo: App, chat: Chat, clock: Clock, after: timedelta,
                                                     anonymised: int) -> None:
    await join(chat, "an")
    await register_minority(chat, "an")
    clock.advance(days=10)
    await activity(chat, "an")
    last_write = clock.now
    before = await figures(demo)
    clock.now = last_write.replace(year=last_write.year + 3) + after
    (retention,) = [job for job in maintenance_jobs() if job.name == "retention"]
    runner = job_runner(demo)
    assert await runner.run(retention) == {"due": anonymised, "anonymised": anonymised}
    assert await scalar(demo, "SELECT full_name FROM youth") == ("" if anonymised else "Trần Thị Bích")
    assert await figures(demo) == before
    once = await rows(demo, "SELECT * FROM youth")
    clock.advance(days=1)
    assert await runner.run(retention) == {"due": 0, "anonymised": 0}
    assert await rows(demo, "SELECT * FROM youth") == once
    assert await count(demo, "audit", "action = 'privacy.retention_anonymised'") == anonymised


async def test_retention_period_is_configurable(demo: App, chat: Chat, clock: Clock) -> None:
    await join(chat, "an")
    await register_minority(chat, "an")
    clock.advance(days=366)
    (retention,) = [job for job in maintenance_jobs(retention_years=1) if job.name == "retention"]
    assert await job_runner(demo).run(retention) == {"due": 1, "anonymised": 1}
    (default,) = [job for job in maintenance_jobs() if job.name == "retention"]
    assert isinstance(default, ScheduledJob) and demo.retention_years == 3


# --- bot11 admin audit


async def admin_audit(app: App, *argv: str) -> list[str]:
    parser = argparse.ArgumentParser()
    add_audit_parser(parser.add_subparsers(dest="task"))
    out = io.StringIO()
    assert await list_audit(app, parser.parse_args(["audit", *argv]), out) == 0
    return out.getvalue().splitlines()


async def test_admin_audit_lists_by_subtree_and_since(demo: App, chat: Chat, clock: Clock) -> None:
    await join(chat, "an")
    await register_minority(chat, "an")
    await join(chat, "binh", "DEMO-DOANVIEN2", "Võ Minh Bình")
    clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    for line in [*REGISTER_STEPS[:2], "Võ Thị Cúc", "2005", "Nữ", "Bỏ qua", *REGISTER_STEPS[6:], "Đúng, lưu lại"]:
        await chat.say("binh", line)
    await chat.say("binh", "/dulieu")
    await chat.say("binh", "1")
    bich = await scalar(demo, "SELECT id FROM youth WHERE full_name = 'Trần Thị Bích'")
    cuc = await scalar(demo, "SELECT id FROM youth WHERE full_name = 'Võ Thị Cúc'")
    binh = await scalar(demo, "SELECT member_id FROM chat_identity WHERE external_id = 'binh'")
    kp1 = await admin_audit(demo, "--unit", "cd-kp1")
    assert [line.split()[2:5] for line in kp1] == [["CD-KP1", "youth.registered", f"youth:{bich}"]]
    assert kp1[0].startswith("2026-11-24 10:00")
    kp2 = [line.split()[2:] for line in await admin_audit(demo, "--unit", "CD-KP2")]
    assert kp2 == [["CD-KP2", "youth.registered", f"youth:{cuc}", f"member:{binh}"],
                   ["CD-KP2", "privacy.exported", f"youth:{cuc}", f"member:{binh}"]]
    ward = await admin_audit(demo, "--unit", "CS-PBA")
    assert len(ward) == 3
    assert [line.split()[3] for line in await admin_audit(demo, "--unit", "CS-PBA", "--since", "2026-12-01")] == [
        "youth.registered", "privacy.exported"]
    assert await admin_audit(demo, "--unit", "HD-TS") == []
    assert len(await admin_audit(demo)) >= 3


async def test_admin_audit_unknown_unit(demo: App) -> None:
    parser = argparse.ArgumentParser()
    add_audit_parser(parser.add_subparsers(dest="task"))
    out = io.StringIO()
    assert await list_audit(demo, parser.parse_args(["audit", "--unit", "XX-NOPE"]), out) == 2
    assert "no unit with code 'XX-NOPE'" in out.getvalue()

