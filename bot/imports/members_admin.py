"""`bot11 admin transfer MEMBER --to BRANCH` and `bot11 admin leave MEMBER --reason matured|left_union [--on DAY]`:
the operator's own tools for a member, from a shell, with no secretary asked.

MEMBER is a member number (`Mã đoàn viên` of the roster) or, when no member has that number, the member's id in
the bot. A transfer moves the member at once and is recorded as an accepted transfer with nobody as requester
or decider; leaving takes the member off the roster (status left, with why and since when). Either way a transfer
of theirs still pending is withdrawn first, the young people they introduced stay where they were registered,
and the audit log notes the change with no actor. Each command is one transaction: all of it or nothing.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import Any, TextIO

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from conversations.i18n import LOCALES, Translator
from storage import audit
from storage.models import LeftReason, Member, TransferStatus
from storage.transfers import (
    ON_ROSTER,
    cancel_transfer,
    create_transfer,
    decide_transfer,
    mark_left,
    member_by_number,
    member_for_update,
    move_member,
    pending_transfer_of,
    takes_members,
)
from storage.units import unit_by_code, unit_by_id

__all__ = ["add_member_parsers", "leave_member", "transfer_member"]

# The reasons an operator gives; the two others are set by a roster import and by a secretary's rejection.
_REASONS = (LeftReason.MATURED.value, LeftReason.LEFT_UNION.value)
_MAX_ID = 2**31 - 1  # ids are 32-bit integer columns: a longer number is no id


def add_member_parsers(admin: Any) -> None:
    """Add `transfer` and `leave` to the `admin` subparsers."""
    transfer = admin.add_parser("transfer", help="move a member to another branch at once")
    transfer.add_argument("member", help="member number (Mã đoàn viên), or the member's id in the bot")
    transfer.add_argument("--to", required=True, help="code of the receiving branch, e.g. CD-KP2")
    transfer.add_argument("--locale", choices=LOCALES, help="language of the messages (default: the bot's)")
    leave = admin.add_parser("leave", help="take a member off the roster: matured or left the Union")
    leave.add_argument("member", help="member number (Mã đoàn viên), or the member's id in the bot")
    leave.add_argument("--reason", required=True, choices=_REASONS)
    leave.add_argument("--on", type=date.fromisoformat, help="since when, YYYY-MM-DD (default: today)")
    leave.add_argument("--locale", choices=LOCALES, help="language of the messages (default: the bot's)")


async def transfer_member(app: App, args: argparse.Namespace, out: TextIO) -> int:
    """Move the member to the branch `args.to`; return 0 (also when already there), or 2 when refused."""
    t = app.catalogs.get(args.locale)
    now = app.clock()
    async with app.sessions() as session, session.begin():
        member = await _on_roster(session, t, args.member, out)
        if member is None:
            return 2
        assert member.id is not None
        code = args.to.strip().upper()
        target = await unit_by_code(session, code=code[:32])
        if target is None or target.id is None or not await takes_members(session, unit=target):
            out.write(t("transfer.admin_no_branch", code=code) + "\n")
            return 2
        if target.id == member.unit_id:
            out.write(t("transfer.admin_same_branch", name=member.full_name, id=member.id, unit=target.name) + "\n")
            return 0
        source = await unit_by_id(session, unit_id=member.unit_id)
        assert source is not None
        await _withdraw_pending(session, t, member.id, now=now, out=out)
        transfer = await create_transfer(session, member_id=member.id, from_unit_id=member.unit_id,
                                         to_unit_id=target.id, requested_by=None, now=now)
        assert transfer.id is not None
        await decide_transfer(session, transfer_id=transfer.id, status=TransferStatus.ACCEPTED, decided_by=None,
                              now=now)
        await move_member(session, member_id=member.id, unit_id=target.id)
        await audit.record(session, actor_member_id=None, action="member.transferred",
                           target=f"transfer:{transfer.id}", at=now)
    out.write(t("transfer.admin_moved", name=member.full_name, id=member.id, from_unit=source.name,
                to_unit=target.name) + "\n")
    return 0


async def leave_member(app: App, args: argparse.Namespace, out: TextIO) -> int:
    """Take the member off the roster for `args.reason` since `args.on` (today by default); return 0, or 2 when
    refused."""
    t = app.catalogs.get(args.locale)
    now = app.clock()
    today = now.astimezone(app.tz).date()
    on: date = args.on or today
    if on > today:
        out.write(t("transfer.admin_future", on=t.date(on)) + "\n")
        return 2
    async with app.sessions() as session, session.begin():
        member = await _on_roster(session, t, args.member, out)
        if member is None:
            return 2
        assert member.id is not None
        unit = await unit_by_id(session, unit_id=member.unit_id)
        assert unit is not None
        await _withdraw_pending(session, t, member.id, now=now, out=out)
        await mark_left(session, member_id=member.id, reason=LeftReason(args.reason), on=on)
        await audit.record(session, actor_member_id=None, action="member.left", target=f"member:{member.id}", at=now)
    out.write(t("transfer.admin_left", name=member.full_name, id=member.id, reason=t(f"transfer.reason_{args.reason}"),
                on=t.date(on), unit=unit.name) + "\n")
    return 0


async def _on_roster(session: AsyncSession, t: Translator, wanted: str, out: TextIO) -> Member | None:
    """Return the member named by number or id, locked, if they are on a branch's roster; else say why not."""
    wanted = wanted.strip()
    numbered = await member_by_number(session, member_no=wanted[:20]) if wanted else None
    member_id = numbered.id if numbered is not None else None
    if member_id is None and wanted.isascii() and wanted.isdigit() and int(wanted) <= _MAX_ID:
        member_id = int(wanted)
    member = await member_for_update(session, member_id=member_id) if member_id is not None else None
    if member is None:
        out.write(t("transfer.admin_no_member", member=wanted) + "\n")
        return None
    if member.status not in ON_ROSTER:  # left, or an officer's record at an upper unit
        out.write(t("transfer.admin_not_on_roster", name=member.full_name, id=member.id,
                    status=t(f"transfer.status_{member.status}")) + "\n")
        return None
    return member


async def _withdraw_pending(
    session: AsyncSession, t: Translator, member_id: int, *, now: datetime, out: TextIO
) -> None:
    """Withdraw the member's pending transfer, if any, and say so: the operator's decision replaces it."""
    pending = await pending_transfer_of(session, member_id=member_id)
    if pending is None or pending.id is None:
        return
    await cancel_transfer(session, transfer_id=pending.id, cancelled_by=None, now=now)
    await audit.record(session, actor_member_id=None, action="member.transfer_cancelled",
                       target=f"transfer:{pending.id}", at=now)
    target = await unit_by_id(session, unit_id=pending.to_unit_id)
    out.write(t("transfer.admin_withdrawn", unit=target.name if target else pending.to_unit_id) + "\n")
