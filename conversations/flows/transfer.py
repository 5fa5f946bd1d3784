"""/chuyen (/transfer): a branch secretary's transfers (chuyển sinh hoạt Đoàn) and members leaving the Union.

The secretary first sees the transfers into their branch that wait for them (accept or refuse each), then picks
a member of their branch and what happens to them: a transfer to another branch typed by its code (pending until
that branch's secretary accepts; meanwhile the member stays, and counts, where they are), trưởng thành Đoàn or
ra khỏi Đoàn (off the roster from today), each after a summary to confirm. A member whose transfer is pending
can have it cancelled instead.

Every step acts for the branch the speaker is secretary of now (their roles, loaded by the engine) and checks the
member or the transfer against that branch again before writing, so a stale or forged choice changes nothing.
The other people concerned hear of a request or a decision through pushes (`Turn.effects`).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from conversations.engine import Answer, Context, DialogData, State, StepFlow, Turn
from conversations.flows.youth_pick import PAGE_SIZE, page_choices, picker_payload
from conversations.messages import Choice, Reply
from conversations.pushes import push_for
from conversations.roles import secretary_branch
from conversations.text import nfc
from storage import audit
from storage.branch import Recipient, secretary_chats
from storage.calendar import EvaluationCalendar
from storage.models import LeftReason, Member, MemberStatus, RoleName, Transfer, TransferStatus, Unit, UnitKind
from storage.outbox import Push
from storage.transfers import (
    ON_ROSTER,
    RosterEntry,
    cancel_transfer,
    create_transfer,
    decide_transfer,
    incoming_transfers,
    mark_left,
    member_for_update,
    move_member,
    pending_transfer_of,
    roster_count,
    roster_member,
    roster_page,
    takes_members,
    transfer_by_id,
)
from storage.units import unit_by_code, unit_by_id
from storage.youth import member_chats

__all__ = ["INCOMING_SHOWN", "TransferFlow"]

INCOMING_SHOWN = 4  # two buttons each: with the way on to the members, nine buttons at most
_CODE = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,31}")  # the unit codes the unit-tree import accepts


class Step(enum.StrEnum):
    INCOMING = "incoming"
    PICK = "pick"
    ACTION = "action"
    MOVING = "moving"
    CODE = "code"
    CONFIRM = "confirm"


class Action(enum.StrEnum):
    MOVE = "move"
    MATURED = LeftReason.MATURED.value
    LEFT_UNION = LeftReason.LEFT_UNION.value


class Pick(enum.StrEnum):
    YES = "yes"
    NO = "no"
    MEMBERS = "members"
    WITHDRAW = "withdraw"
    KEEP = "keep"


@dataclass(slots=True)
class TransferData(DialogData):
    """What /chuyen keeps: the branch acted for; then the member picked, what happens to them, the receiving
    branch of a move, or the pending transfer shown for a member already moving."""

    unit_id: int
    member_id: int | None = None
    action: Action | None = None
    to_unit_id: int | None = None
    transfer_id: int | None = None


class TransferFlow(StepFlow):
    name = "transfer"

    def __init__(self, calendar: EvaluationCalendar | None = None) -> None:
        self.calendar = calendar or EvaluationCalendar()

    async def start(self, ctx: Context, args: str) -> Turn:
        found = secretary_branch(ctx, args)
        if isinstance(found, str):
            return Turn([ctx.reply(found)])
        unit = _acting_for(ctx, found[0])
        assert unit is not None  # secretary_branch read it from the same roles
        return await self._incoming(ctx, unit) or await self._picker(ctx, unit, 0)

    def accepts_text(self, step: str) -> bool:
        return step == Step.CODE

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        data = TransferData.from_json(state.data)
        unit = _acting_for(ctx, data.unit_id)
        if unit is None:  # no longer its secretary since the dialog began
            return Turn([ctx.reply("evaluation.not_your_branch")])
        match Step(state.step):
            case Step.INCOMING:
                return await self._decide(ctx, unit, answer)
            case Step.PICK:
                return await self._picked(ctx, unit, answer)
            case Step.ACTION:
                return await self._action(ctx, unit, data, Action(str(answer.choice)))
            case Step.MOVING:
                if answer.choice != Pick.WITHDRAW:
                    return Turn([ctx.reply("transfer.kept")])
                return await self._withdraw(ctx, unit, data)
            case Step.CODE:
                return await self._code(ctx, unit, data, answer.text or "")
            case Step.CONFIRM:
                if answer.choice != Pick.YES:
                    return Turn([ctx.reply("transfer.dropped")])
                return await (self._request(ctx, unit, data) if data.action == Action.MOVE
                              else self._leave(ctx, unit, data))

    # --- Transfers into the branch.

    async def _incoming(self, ctx: Context, unit: Unit) -> Turn | None:
        """Show the transfers waiting for this branch, each with accept and refuse; None when there are none."""
        assert unit.id is not None
        rows = await incoming_transfers(ctx.session, unit_id=unit.id, limit=INCOMING_SHOWN + 1)
        if not rows:
            return None
        shown = rows[:INCOMING_SHOWN]
        lines = "\n".join(ctx.t("transfer.incoming_line", name=r.full_name, year=r.birth_year, unit=r.from_unit,
                                on=ctx.t.date(r.requested_at.astimezone(ctx.tz).date())) for r in shown)
        choices: list[Choice] = []
        for r in shown:
            choices += [ctx.choice("transfer.accept_label", f"a{r.transfer_id}", name=r.full_name, year=r.birth_year),
                        ctx.choice("transfer.refuse_label", f"r{r.transfer_id}", name=r.full_name, year=r.birth_year)]
        choices.append(ctx.choice("transfer.to_members", Pick.MEMBERS))
        if len(rows) > INCOMING_SHOWN:
            lines += "\n" + ctx.t("transfer.incoming_more")
        question = ctx.reply("transfer.incoming", unit=unit.name, lines=lines, choices=choices)
        return Turn([question], self.at(Step.INCOMING, TransferData(unit.id)))

    async def _decide(self, ctx: Context, unit: Unit, answer: Answer) -> Turn:
        if answer.choice == Pick.MEMBERS:
            return await self._picker(ctx, unit, 0)
        picked = picker_payload(answer.choice, "ar")
        assert picked is not None  # the engine lets through only the payloads it offered
        kind, transfer_id = picked
        transfer = await transfer_by_id(ctx.session, transfer_id=transfer_id)
        if transfer is None or transfer.to_unit_id != unit.id:
            return Turn([ctx.reply("transfer.decision_gone")])
        member = await member_for_update(ctx.session, member_id=transfer.member_id)
        if member is None or member.unit_id != transfer.from_unit_id or member.status not in ON_ROSTER:
            return Turn([ctx.reply("transfer.decision_gone")])
        status = TransferStatus.ACCEPTED if kind == "a" else TransferStatus.REFUSED
        assert ctx.member is not None
        if not await decide_transfer(ctx.session, transfer_id=transfer_id, status=status, decided_by=ctx.member.id,
                                     now=ctx.now):
            return Turn([ctx.reply("transfer.decision_gone")])  # cancelled or decided since it was shown
        source = await unit_by_id(ctx.session, unit_id=transfer.from_unit_id)
        assert source is not None and member.id is not None and unit.id is not None
        if status == TransferStatus.ACCEPTED:
            await move_member(ctx.session, member_id=member.id, unit_id=unit.id)
        await audit.record(ctx.session, actor_member_id=ctx.member.id, action=f"member.transfer_{status}",
                           target=f"transfer:{transfer_id}", at=ctx.now)
        names = {"name": member.full_name, "year": member.birth_year, "from_unit": source.name, "to_unit": unit.name}
        pushes = await self._tell(ctx, await secretary_chats(ctx.session, unit_id=transfer.from_unit_id), transfer,
                                  f"transfer.push_{status}", names)
        if status == TransferStatus.ACCEPTED:
            pushes += await self._tell(ctx, await member_chats(ctx.session, member_id=member.id), transfer,
                                       "transfer.push_member_accepted", names)
        done = ctx.reply(f"transfer.{status}", name=member.full_name, year=member.birth_year, unit=unit.name,
                         from_unit=source.name)
        following = await self._incoming(ctx, unit)
        if following is None:
            return Turn([done], effects=pushes)
        return Turn([done, *following.replies], following.next, effects=pushes)

    # --- A member of the branch: pick, then what happens to them.

    async def _picker(self, ctx: Context, unit: Unit, page: int) -> Turn:
        """Offer one page of the branch's roster, the secretary left out; end the dialog if it is empty."""
        assert ctx.member is not None and unit.id is not None
        me = ctx.member.id
        total = await roster_count(ctx.session, unit_id=unit.id, except_member_id=me)
        if total == 0:
            return Turn([ctx.reply("transfer.no_members", unit=unit.name)])
        pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
        page = min(max(page, 0), pages - 1)
        rows = await roster_page(ctx.session, unit_id=unit.id, offset=page * PAGE_SIZE, limit=PAGE_SIZE,
                                 except_member_id=me)
        choices = [Choice(_label(ctx, row), f"m{row.member_id}") for row in rows] + page_choices(ctx, page, pages)
        paging = "\n" + ctx.t("youth.page_of", page=page + 1, pages=pages) if pages > 1 else ""
        question = ctx.reply("transfer.pick", unit=unit.name, total=ctx.t.number(total), paging=paging,
                             choices=choices)
        return Turn([question], self.at(Step.PICK, TransferData(unit.id)))

    async def _picked(self, ctx: Context, unit: Unit, answer: Answer) -> Turn:
        picked = picker_payload(answer.choice, "mp")
        assert picked is not None  # the engine lets through only the payloads it offered
        kind, number = picked
        if kind == "p":
            return await self._picker(ctx, unit, number)
        member = await _member(ctx, unit, number)
        if member is None:
            return Turn([ctx.reply("transfer.member_gone")])
        assert member.id is not None and unit.id is not None
        transfer = await pending_transfer_of(ctx.session, member_id=member.id)
        if transfer is not None:
            target = await unit_by_id(ctx.session, unit_id=transfer.to_unit_id)
            choices = [ctx.choice("transfer.withdraw_label", Pick.WITHDRAW),
                       ctx.choice("transfer.keep_label", Pick.KEEP)]
            question = ctx.reply("transfer.moving", name=member.full_name, year=member.birth_year,
                                 unit=target.name if target else "", choices=choices,
                                 on=ctx.t.date(transfer.requested_at.astimezone(ctx.tz).date()))
            return Turn([question], self.at(Step.MOVING, TransferData(unit.id, member.id, transfer_id=transfer.id)))
        choices = [ctx.choice(f"transfer.action_{action}", action) for action in Action]
        question = ctx.reply("transfer.what", name=member.full_name, year=member.birth_year, choices=choices)
        return Turn([question], self.at(Step.ACTION, TransferData(unit.id, member.id)))

    async def _action(self, ctx: Context, unit: Unit, data: TransferData, action: Action) -> Turn:
        member = await _member(ctx, unit, data.member_id)
        if member is None:
            return Turn([ctx.reply("transfer.member_gone")])
        data.action = action
        if action == Action.MOVE:
            return Turn([ctx.reply("transfer.ask_code", name=member.full_name)], self.at(Step.CODE, data))
        return self._confirm(ctx, data, "transfer.confirm_leave", name=member.full_name, year=member.birth_year,
                             unit=unit.name, reason=ctx.t(f"transfer.reason_{action}"), on=ctx.t.date(ctx.today))

    async def _code(self, ctx: Context, unit: Unit, data: TransferData, text: str) -> Turn:
        """Read the receiving branch's code; anything but an active branch other than this one is asked again."""
        code = nfc(text).upper()
        if not _CODE.fullmatch(code):
            return Turn([ctx.reply("transfer.code_malformed")], self.at(Step.CODE, data))
        target = await unit_by_code(ctx.session, code=code)
        refusal = await _refusal(ctx, unit, target, code)
        if refusal is not None:
            return Turn([refusal], self.at(Step.CODE, data))
        assert target is not None
        member = await _member(ctx, unit, data.member_id)
        if member is None:
            return Turn([ctx.reply("transfer.member_gone")])
        data.to_unit_id = target.id
        return self._confirm(ctx, data, "transfer.confirm_move", name=member.full_name, year=member.birth_year,
                             from_unit=unit.name, to_unit=target.name, code=target.code)

    def _confirm(self, ctx: Context, data: TransferData, key: str, **values: object) -> Turn:
        """Show the summary `key` with the buttons that carry out `data.action` or drop it."""
        choices = (ctx.choice(f"transfer.yes_{data.action}", Pick.YES), ctx.choice("transfer.no", Pick.NO))
        return Turn([ctx.reply(key, choices=choices, **values)], self.at(Step.CONFIRM, data))

    # --- The writes, each after checking again what the dialog was shown.

    async def _request(self, ctx: Context, unit: Unit, data: TransferData) -> Turn:
        member = await _member(ctx, unit, data.member_id, lock=True)
        if member is None:
            return Turn([ctx.reply("transfer.member_gone")])
        assert member.id is not None and unit.id is not None and ctx.member is not None
        if await pending_transfer_of(ctx.session, member_id=member.id) is not None:
            return Turn([ctx.reply("transfer.already_pending", name=member.full_name)])
        target = await unit_by_id(ctx.session, unit_id=data.to_unit_id or 0)
        if target is None or target.id is None or await _refusal(ctx, unit, target, target.code) is not None:
            return Turn([ctx.reply("transfer.target_gone")])
        transfer = await create_transfer(ctx.session, member_id=member.id, from_unit_id=unit.id,
                                         to_unit_id=target.id, requested_by=ctx.member.id, now=ctx.now)
        await audit.record(ctx.session, actor_member_id=ctx.member.id, action="member.transfer_requested",
                           target=f"transfer:{transfer.id}", at=ctx.now)
        names = {"name": member.full_name, "year": member.birth_year, "from_unit": unit.name, "to_unit": target.name}
        secretaries = await secretary_chats(ctx.session, unit_id=target.id)
        pushes = [*await self._tell(ctx, secretaries, transfer, "transfer.push_incoming", names),
                  *await self._tell(ctx, await member_chats(ctx.session, member_id=member.id), transfer,
                                    "transfer.push_member_requested", names)]
        key = "transfer.requested" if secretaries else "transfer.requested_unseen"
        return Turn([ctx.reply(key, name=member.full_name, unit=target.name)], effects=pushes)

    async def _leave(self, ctx: Context, unit: Unit, data: TransferData) -> Turn:
        member = await _member(ctx, unit, data.member_id, lock=True)
        if member is None or data.action is None:
            return Turn([ctx.reply("transfer.member_gone")])
        assert member.id is not None and ctx.member is not None
        if await pending_transfer_of(ctx.session, member_id=member.id) is not None:
            return Turn([ctx.reply("transfer.already_pending", name=member.full_name)])
        name = member.full_name
        await mark_left(ctx.session, member_id=member.id, reason=LeftReason(data.action), on=ctx.today)
        await audit.record(ctx.session, actor_member_id=ctx.member.id, action="member.left",
                           target=f"member:{member.id}", at=ctx.now)
        return Turn([ctx.reply("transfer.left", name=name, unit=unit.name,
                               reason=ctx.t(f"transfer.reason_{data.action}"), on=ctx.t.date(ctx.today))])

    async def _withdraw(self, ctx: Context, unit: Unit, data: TransferData) -> Turn:
        member = await _member(ctx, unit, data.member_id, lock=True)
        transfer = await transfer_by_id(ctx.session, transfer_id=data.transfer_id or 0)
        if member is None or transfer is None or transfer.member_id != member.id or transfer.from_unit_id != unit.id:
            return Turn([ctx.reply("transfer.nothing_pending")])
        assert ctx.member is not None and transfer.id is not None
        if not await cancel_transfer(ctx.session, transfer_id=transfer.id, cancelled_by=ctx.member.id, now=ctx.now):
            return Turn([ctx.reply("transfer.nothing_pending")])  # decided since it was shown
        await audit.record(ctx.session, actor_member_id=ctx.member.id, action="member.transfer_cancelled",
                           target=f"transfer:{transfer.id}", at=ctx.now)
        target = await unit_by_id(ctx.session, unit_id=transfer.to_unit_id)
        assert target is not None and member.id is not None
        names = {"name": member.full_name, "year": member.birth_year, "from_unit": unit.name, "to_unit": target.name}
        pushes = [*await self._tell(ctx, await secretary_chats(ctx.session, unit_id=transfer.to_unit_id), transfer,
                                    "transfer.push_cancelled", names),
                  *await self._tell(ctx, await member_chats(ctx.session, member_id=member.id), transfer,
                                    "transfer.push_member_cancelled", names)]
        return Turn([ctx.reply("transfer.withdrawn", name=member.full_name, unit=target.name)], effects=pushes)

    async def _tell(self, ctx: Context, recipients: Sequence[Recipient], transfer: Transfer, text_key: str,
                    names: dict[str, object]) -> list[Push]:
        """Build the push `text_key` about `transfer` for each of `recipients`."""
        event = text_key.removeprefix("transfer.push_")
        return [push_for(r, key=f"transfer.{transfer.id}.{event}", catalogs=ctx.catalogs, calendar=self.calendar,
                         tz=ctx.tz, now=ctx.now, text_key=text_key, about={"transfer_id": transfer.id}, **names)
                for r in recipients]


def _acting_for(ctx: Context, unit_id: int) -> Unit | None:
    """Return the branch `unit_id` if the speaker is its secretary now (from the roles loaded this turn)."""
    return next((unit for role, unit in ctx.roles
                 if role == RoleName.SECRETARY and unit.kind == UnitKind.BRANCH and unit.id == unit_id), None)


async def _member(ctx: Context, unit: Unit, member_id: int | None, *, lock: bool = False) -> Member | None:
    """Return the member picked if they are still on the branch's roster and are not the speaker."""
    assert ctx.member is not None and unit.id is not None
    if member_id is None or member_id == ctx.member.id:
        return None
    return await roster_member(ctx.session, member_id=member_id, unit_id=unit.id, for_update=lock)


async def _refusal(ctx: Context, unit: Unit, target: Unit | None, code: str) -> Reply | None:
    """Say why `target` (typed as `code`) cannot receive a member of `unit`, or None when it can."""
    if target is None or target.id is None:
        return ctx.reply("transfer.code_unknown", code=code)
    if target.id == unit.id:
        return ctx.reply("transfer.code_own", code=code)
    if not target.active:
        return ctx.reply("transfer.code_inactive", code=code, unit=target.name)
    if not await takes_members(ctx.session, unit=target):
        return ctx.reply("transfer.code_not_branch", code=code, unit=target.name)
    return None


def _label(ctx: Context, row: RosterEntry) -> str:
    """Name and birth year, marked while a transfer is pending or the member awaits confirmation."""
    if row.moving:
        return ctx.t("transfer.member_moving", name=row.full_name, year=row.birth_year)
    if row.status == MemberStatus.PENDING:
        return ctx.t("transfer.member_unconfirmed", name=row.full_name, year=row.birth_year)
    return ctx.t("transfer.member", name=row.full_name, year=row.birth_year)
