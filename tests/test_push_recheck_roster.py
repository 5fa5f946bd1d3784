"""The pushes of the roster's dialogs are checked again when their turn comes, like the evaluation's: queued in
the quiet hours for the morning, each is dropped if what it says stopped being true overnight — a newcomer the
secretary already confirmed, a transfer withdrawn, a record made on a member's behalf and then deleted."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import App
from storage.models import OutboxStatus
from tests.conftest import Clock
from tests.evaluation_support import connect, outbox_rows
from tests.joining import join_listed, join_unlisted
from tests.test_push_recheck import drain
from tests.test_register_on_behalf import _member_id, _record_for, _secretary
from tests.test_transfer import AN, _org, _request
from tests.transcript import Chat

NIGHT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 22:00 in Ho Chi Minh City: pushes wait for 7:00
MORNING = datetime(2026, 11, 25, 0, 5, tzinfo=UTC)
DROPPED = OutboxStatus.DROPPED


async def states(app: App) -> dict[tuple[str, str], tuple[str, str | None]]:
    """Return (status, last_error) of every push, by (chat, kind)."""
    return {(row.chat_id, row.payload["kind"]): (row.status, row.last_error) for row in await outbox_rows(app)}


async def test_the_secretary_is_not_asked_in_the_morning_about_someone_confirmed_overnight(
        demo: App, chat: Chat, clock: Clock) -> None:
    clock.now = NIGHT
    await join_listed(chat, "bt", "DEMO-DOANVIEN2", "Phan Minh An", "2002")
    await join_unlisted(chat, "moi", "DEMO-DOANVIEN2", "Trương Thị Mới", "2003")
    await chat.say("bt", "/chidoan")
    await chat.press("bt", "Trương Thị Mới (2003)")
    await chat.press("bt", "Xác nhận là đoàn viên")

    phone, tally = await drain(demo, clock, MORNING)

    assert (await states(demo))[("bt", "join.push_pending")] == (
        DROPPED, "the secretary has already confirmed or rejected the person")
    assert phone.to("bt") == [] and len(phone.to("moi")) == 1 and tally["dropped"] == 1


async def test_a_transfer_withdrawn_overnight_is_not_announced_in_the_morning(
        demo: App, chat: Chat, clock: Clock) -> None:
    clock.now = NIGHT
    await _org(demo, clock())
    await _request(chat)
    await chat.say("bithu", "/chuyen")
    await chat.press("bithu", f"{AN} · đang chuyển")
    await chat.press("bithu", "Hủy đề nghị chuyển")

    await drain(demo, clock, MORNING)

    found = await states(demo)
    reason = "the transfer was withdrawn or decided"
    assert found[("bithu2", "transfer.push_incoming")] == (DROPPED, reason)
    assert found[("an", "transfer.push_member_requested")] == (DROPPED, reason)
    assert found[("bithu2", "transfer.push_cancelled")][0] == OutboxStatus.SENT


async def test_a_record_made_on_a_members_behalf_and_deleted_overnight_is_not_announced(
        demo: App, chat: Chat, clock: Clock) -> None:
    await _secretary(demo, clock)
    await connect(demo, "an", unit_code="CD-KP1", member_id=await _member_id(demo, "Nguyễn Văn An"), now=clock())
    clock.now = NIGHT
    await _record_for(chat, "Nguyễn Văn An (1996)")
    await chat.say("ha", "/xoa")
    await chat.press("ha", "Trần Thị Bích (2006)")
    assert await chat.press("ha", "Xóa hẳn") == ["Đã xóa thông tin của Trần Thị Bích."]

    phone, _ = await drain(demo, clock, MORNING)

    assert (await states(demo))[("an", "youth.push_recorded_for_you")] == (
        DROPPED, "the record was deleted or is no longer the member's")
    assert phone.to("an") == []


async def test_a_record_made_on_a_members_behalf_still_there_is_announced(
        demo: App, chat: Chat, clock: Clock) -> None:
    await _secretary(demo, clock)
    await connect(demo, "an", unit_code="CD-KP1", member_id=await _member_id(demo, "Nguyễn Văn An"), now=clock())
    clock.now = NIGHT
    await _record_for(chat, "Nguyễn Văn An (1996)")

    phone, _ = await drain(demo, clock, MORNING)

    assert phone.to("an")[0].startswith("Bí thư Phạm Thu Hà đã ghi nhận thay bạn")
