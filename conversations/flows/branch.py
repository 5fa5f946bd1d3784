"""/chidoan (/branch): a branch's progress this year — who has introduced someone and who has not, young people
by status, and what the evaluation still needs. A secretary sees their own branch; an officer may name any
branch of their subtree by code (`/chidoan CD-KP2`).

Below the progress come the people who joined "chưa có trong danh sách" and wait: the branch's secretary picks
one and confirms them (on the roster, counted from then on) or rejects them (they leave the branch and are
strangers to the bot again, told so by a push). Who may decide is read from the speaker's roles at every step.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from conversations.engine import Answer, Context, DialogData, StaleData, State, StepFlow, Turn
from conversations.i18n import period_label
from conversations.messages import Reply
from conversations.pushes import push_for
from conversations.roles import secretary_branch
from conversations.text import nfc
from storage import audit
from storage.branch import (
    PendingMember,
    Recipient,
    member_progress,
    pending_count,
    pending_member,
    pending_members,
    youth_by_status,
)
from storage.calendar import EvaluationCalendar, Period
from storage.dialog_state import clear_conversation
from storage.evaluations import evaluation_for, survey_for
from storage.identities import identities_of, unlink_member
from storage.members import confirm_pending, reject_pending, revoke_roles, roles_over_unit
from storage.models import RoleName, UnitKind, YouthStatus
from storage.outbox import Push
from storage.units import unit_by_code

__all__ = ["BranchFlow"]

NAMES_SHOWN = 40
PENDING_SHOWN = 10  # buttons under one message; the next ones show once these are decided
_VIEWERS = {RoleName.SECRETARY, RoleName.OFFICER, RoleName.ADMIN}


class Step(enum.StrEnum):
    PICK = "pick"  # which waiting person
    DECIDE = "decide"  # confirm or reject them


class Pick(enum.StrEnum):
    CONFIRM = "confirm"
    REJECT = "reject"
    BACK = "back"


@dataclass(slots=True)
class BranchData(DialogData):
    """What /chidoan keeps while the secretary decides: the branch, and the person picked."""

    unit_id: int
    unit: str
    member_id: int | None = None


class BranchFlow(StepFlow):
    name = "branch"

    def __init__(self, calendar: EvaluationCalendar | None = None) -> None:
        self.calendar = calendar or EvaluationCalendar()

    def accepts_text(self, step: str) -> bool:
        return False

    async def start(self, ctx: Context, args: str) -> Turn:
        found = await self._branch(ctx, args)
        if isinstance(found, str):
            return Turn([ctx.reply(found)])
        unit_id, unit_name = found
        year = ctx.today_year
        start, end = Period(year).bounds(ctx.tz)
        progress = await member_progress(ctx.session, unit_id=unit_id, start=start, end=end)
        done = [m for m in progress if m.introduced]
        not_yet = [m for m in progress if not m.introduced]
        statuses = await youth_by_status(ctx.session, unit_id=unit_id)
        text = ctx.t(
            "branch.progress", unit=unit_name, year=year, done=len(done), total=len(progress),
            percent=ctx.t.percent(len(done) / len(progress) if progress else 0),
            done_names=_names(ctx, [f"{m.full_name} ({m.introduced})" for m in done]),
            missing=len(not_yet), missing_names=_names(ctx, [m.full_name for m in not_yet]),
            youth=" · ".join(f"{ctx.t(f'evaluation.status_{s}')} {ctx.t.number(statuses.get(s, 0))}"
                             for s in YouthStatus),
            evaluation=await self._evaluation_status(ctx, unit_id),
        )
        return await self._waiting(ctx, BranchData(unit_id, unit_name), before=[Reply(text)])

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        data = BranchData.from_json(state.data)
        if not _decides(ctx, data.unit_id):  # the role was taken away since the list was shown
            return Turn([ctx.reply("evaluation.not_your_branch")])
        choice = str(answer.choice)
        if state.step == Step.PICK:
            data.member_id = _picked(choice)
            return await self._show(ctx, data)
        if data.member_id is None:
            raise StaleData("a decision without the person it is about")
        match Pick(choice):
            case Pick.CONFIRM:
                return await self._confirm(ctx, data, data.member_id)
            case Pick.REJECT:
                return await self._reject(ctx, data, data.member_id)
        return await self._waiting(ctx, data)

    async def _waiting(self, ctx: Context, data: BranchData, *, before: list[Reply] | None = None) -> Turn:
        """Add the people waiting to be confirmed to `before`; the branch's secretary gets a button for each."""
        shown = list(before or [])
        count = await pending_count(ctx.session, unit_id=data.unit_id)
        if not count:
            return Turn(shown or [ctx.reply("branch.pending_none")])
        people = await pending_members(ctx.session, unit_id=data.unit_id, limit=PENDING_SHOWN)
        lines = [ctx.t.count("branch.pending_head", count)]
        lines += [f"{number}. {_person(ctx, person)}" for number, person in enumerate(people, 1)]
        if count > len(people):
            lines.append(ctx.t.count("branch.pending_more", count - len(people)))
        if not _decides(ctx, data.unit_id):
            lines.append(ctx.t("branch.pending_for_secretary"))
            return Turn([*shown, Reply("\n".join(lines))])
        data.member_id = None
        speaker = ctx.member.id if ctx.member is not None else None
        choices = [ctx.choice("branch.pick_person", f"m{p.member_id}", name=p.full_name, year=p.birth_year)
                   for p in people if p.member_id != speaker]  # nobody decides on their own record
        if not choices:
            return Turn([*shown, Reply("\n".join(lines))])
        lines.append(ctx.t("branch.pending_pick"))
        return Turn([*shown, Reply("\n".join(lines), tuple(choices))], self.at(Step.PICK, data))

    async def _show(self, ctx: Context, data: BranchData) -> Turn:
        assert data.member_id is not None
        person = await pending_member(ctx.session, member_id=data.member_id, unit_id=data.unit_id)
        if person is None:
            return await self._waiting(ctx, data, before=[ctx.reply("branch.pending_gone")])
        choices = [ctx.choice("branch.pick_confirm", Pick.CONFIRM), ctx.choice("branch.pick_reject", Pick.REJECT),
                   ctx.choice("branch.pick_back", Pick.BACK)]
        question = ctx.reply("branch.pending_detail", person=_person(ctx, person), name=person.full_name,
                             unit=data.unit, choices=choices)
        return Turn([question], self.at(Step.DECIDE, data))

    async def _confirm(self, ctx: Context, data: BranchData, member_id: int) -> Turn:
        person = await pending_member(ctx.session, member_id=member_id, unit_id=data.unit_id)
        if person is None or not await confirm_pending(ctx.session, member_id=member_id, unit_id=data.unit_id):
            return await self._waiting(ctx, data, before=[ctx.reply("branch.pending_gone")])
        await self._record(ctx, "member.confirmed", member_id)
        pushes = await self._tell(ctx, data, member_id, "branch.push_confirmed")
        done = ctx.reply("branch.confirmed", name=person.full_name, unit=data.unit)
        turn = await self._waiting(ctx, data, before=[done])
        turn.effects = pushes
        return turn

    async def _reject(self, ctx: Context, data: BranchData, member_id: int) -> Turn:
        person = await pending_member(ctx.session, member_id=member_id, unit_id=data.unit_id)
        if person is None or not await reject_pending(ctx.session, member_id=member_id, unit_id=data.unit_id,
                                                      on=ctx.today):
            return await self._waiting(ctx, data, before=[ctx.reply("branch.pending_gone")])
        pushes = await self._tell(ctx, data, member_id, "branch.push_rejected")
        # A stranger again: any dialog they were in (say, introducing someone) ends with their membership.
        for identity in await identities_of(ctx.session, member_id=member_id):
            await clear_conversation(ctx.session, channel=identity.channel, external_id=identity.external_id)
        await unlink_member(ctx.session, member_id=member_id)
        await revoke_roles(ctx.session, member_id=member_id)
        await self._record(ctx, "member.rejected", member_id)
        done = ctx.reply("branch.rejected", name=person.full_name, unit=data.unit)
        turn = await self._waiting(ctx, data, before=[done])
        turn.effects = pushes
        return turn

    async def _tell(self, ctx: Context, data: BranchData, member_id: int, text_key: str) -> list[Push]:
        """Return the push `text_key` to each reachable chat of `member_id`."""
        return [
            push_for(Recipient(member_id, identity.channel, identity.chat_id, identity.locale, data.unit_id),
                     key=f"{text_key}.m{member_id}", catalogs=ctx.catalogs, calendar=self.calendar, tz=ctx.tz,
                     now=ctx.now, text_key=text_key, about={"unit_id": data.unit_id}, unit=data.unit)
            for identity in await identities_of(ctx.session, member_id=member_id) if identity.reachable
        ]

    async def _record(self, ctx: Context, action: str, member_id: int) -> None:
        assert ctx.member is not None
        await audit.record(ctx.session, actor_member_id=ctx.member.id, action=action, target=f"member:{member_id}",
                           at=ctx.now)

    async def _branch(self, ctx: Context, args: str) -> tuple[int, str] | str:
        code = nfc(args).upper()
        if not code or ctx.member is None or ctx.member.id is None:
            return secretary_branch(ctx, "")
        unit = await unit_by_code(ctx.session, code=code[:32])
        if unit is None or unit.id is None or unit.kind != UnitKind.BRANCH:
            return "branch.unknown_code"
        if not await roles_over_unit(ctx.session, member_id=ctx.member.id, unit=unit) & _VIEWERS:
            return "branch.unknown_code"  # as for a code that does not exist: nothing says what lies out of scope
        return unit.id, unit.name

    async def _evaluation_status(self, ctx: Context, unit_id: int) -> str:
        today = ctx.today
        period, late = self.calendar.period_to_evaluate(today)
        deadline = ctx.t.date(self.calendar.deadline(period))
        evaluation = await evaluation_for(ctx.session, period=period.code, unit_id=unit_id)
        if evaluation is not None and evaluation.submitted_at is not None:
            if late:
                upcoming = period.next()
                return ctx.t("branch.evaluation_next", period=period_label(ctx.t, upcoming),
                             opens=ctx.t.date(self.calendar.window_opens(upcoming)))
            return ctx.t("branch.evaluation_submitted", period=period_label(ctx.t, period),
                         at=ctx.t.date(evaluation.submitted_at.astimezone(ctx.tz).date()))
        survey = await survey_for(ctx.session, period=period.code, unit_id=unit_id)
        missing = [ctx.t(key) for key, absent in (("branch.missing_survey", survey is None),
                                                   ("branch.missing_lessons", not (evaluation and evaluation.lessons)))
                   if absent]
        key = "branch.evaluation_late" if late else "branch.evaluation_open"
        return ctx.t(key, period=period_label(ctx.t, period), deadline=deadline,
                     opens=ctx.t.date(self.calendar.window_opens(period)),
                     missing=", ".join(missing) or ctx.t("branch.missing_nothing"))


def _decides(ctx: Context, unit_id: int) -> bool:
    """Tell whether the speaker is the secretary of branch `unit_id` (their roles as loaded for this turn)."""
    return any(role == RoleName.SECRETARY and unit.id == unit_id for role, unit in ctx.roles)


def _picked(payload: str) -> int:
    """Return the member id of a person's button ("m42"); the engine let through only a payload it offered."""
    if not (payload.startswith("m") and payload[1:].isascii() and payload[1:].isdigit()):
        raise StaleData(f"{payload!r} names no person")
    return int(payload[1:])


def _person(ctx: Context, person: PendingMember) -> str:
    """Return one waiting person as the secretary reads them: name, birth year, phone, the day they joined."""
    return ctx.t("branch.pending_person", name=person.full_name, year=person.birth_year,
                 phone=person.phone or ctx.t("branch.no_phone"),
                 joined=ctx.t.date(person.joined_at.astimezone(ctx.tz).date()))


def _names(ctx: Context, names: list[str]) -> str:
    if not names:
        return "—"
    shown = ", ".join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        shown += ctx.t("branch.and_more", count=len(names) - NAMES_SHOWN)
    return shown
