"""/capnhat (/update): record what happened with one of my young people — an activity attended, joining
Hội, admission to Đoàn, stopping, or a note on their needs and wishes. The status follows the events."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from conversations.engine import Answer, Context, DialogData, StaleData, State, StepFlow, Turn
from conversations.flows.youth_fields import SKIP, invalid_reply, local_day
from conversations.flows.youth_pick import pick_from_page, picker_turn, scope_of
from conversations.messages import Reply
from conversations.validate import Invalid, parse_date, parse_text
from storage import audit
from storage.models import ParticipationKind, Youth
from storage.youth import allowed_events, record_event, youth_in_scope

__all__ = ["YouthUpdateFlow"]

ACTIVITY_MAX, DECISION_MAX, NOTE_MAX = 200, 40, 1000
TODAY = "today"
_PROMPT = "youth.update_pick"


class Step(enum.StrEnum):
    PICK = "pick"
    ACTION = "action"
    ACTIVITY = "activity"
    DATE = "date"
    DECISION = "decision"
    TEXT = "text"


@dataclass(slots=True)
class UpdateData(DialogData):
    """What /capnhat keeps: the young person picked, the kind of event, then its details as they come."""

    youth_id: int | None
    kind: ParticipationKind | None = None
    activity: str | None = None
    on_date: date | None = None
    decision_no: str | None = None
    note: str | None = None

    def event(self) -> ParticipationKind:
        """Return the kind of event, which every step after the first has."""
        if self.kind is None:
            raise StaleData("an event's details asked before its kind")
        return self.kind


class YouthUpdateFlow(StepFlow):
    name = "youth_update"

    async def start(self, ctx: Context, args: str) -> Turn:
        return await picker_turn(ctx, self.at(Step.PICK), 0, prompt=_PROMPT)

    def accepts_text(self, step: str) -> bool:
        return step in (Step.ACTIVITY, Step.DATE, Step.DECISION, Step.TEXT)

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        step = Step(state.step)
        if step is Step.PICK:
            picked = await pick_from_page(ctx, state, answer, prompt=_PROMPT)
            return picked if isinstance(picked, Turn) else self._ask_action(ctx, picked)
        data = UpdateData.from_json(state.data)
        match step:
            case Step.ACTION:
                data.kind = ParticipationKind(str(answer.choice))
                return self._ask_details(ctx, data)
            case Step.ACTIVITY:
                try:
                    data.activity = parse_text(answer.text or "", limit=ACTIVITY_MAX)
                except Invalid as problem:
                    return Turn([invalid_reply(ctx, problem)], self.at(Step.ACTIVITY, data))
                return self._ask_date(ctx, data)
            case Step.DATE:
                return await self._date(ctx, data, answer)
            case Step.DECISION:
                return await self._decision(ctx, data, answer)
            case Step.TEXT:
                try:
                    note = parse_text(answer.text or "", limit=NOTE_MAX)
                except Invalid as problem:
                    return Turn([invalid_reply(ctx, problem)], self.at(Step.TEXT, data))
                data.note, data.on_date = note, ctx.today
                return await self._save(ctx, data)
        raise AssertionError(step)


    def _ask_action(self, ctx: Context, youth: Youth) -> Turn:
        choices = [ctx.choice(f"youth.event.{kind}", kind) for kind in allowed_events(youth.status)]
        text = ctx.reply("youth.update_what", name=youth.full_name, status=ctx.t(f"youth.status.{youth.status}"),
                         choices=choices)
        return Turn([text], self.at(Step.ACTION, UpdateData(youth.id)))

    def _ask_details(self, ctx: Context, data: UpdateData) -> Turn:
        match data.event():
            case ParticipationKind.ACTIVITY:
                return Turn([ctx.reply("youth.ask_activity")], self.at(Step.ACTIVITY, data))
            case ParticipationKind.STOPPED:
                return Turn([ctx.reply("youth.ask_stop_reason")], self.at(Step.TEXT, data))
            case ParticipationKind.NOTE:
                return Turn([ctx.reply("youth.ask_note")], self.at(Step.TEXT, data))
        return self._ask_date(ctx, data)

    def _ask_date(self, ctx: Context, data: UpdateData, problem: Invalid | None = None) -> Turn:
        choices = (ctx.choice("youth.pick_today", TODAY),)
        text = invalid_reply(ctx, problem).text if problem else ctx.t(f"youth.ask_date.{data.event()}")
        return Turn([Reply(text, choices)], self.at(Step.DATE, data))

    async def _date(self, ctx: Context, data: UpdateData, answer: Answer) -> Turn:
        youth = await _youth(ctx, data, for_update=False)
        if youth is None:
            return Turn([ctx.reply("youth.not_found")])
        today = ctx.today
        try:
            day = today if answer.choice == TODAY else parse_date(
                answer.text or "", today=today, earliest=local_day(ctx, youth.introduced_at))
        except Invalid as problem:
            return self._ask_date(ctx, data, problem)
        data.on_date = day
        if data.event() == ParticipationKind.ADMITTED:
            choices = [ctx.choice("youth.skip_decision", SKIP)]
            return Turn([ctx.reply("youth.ask_decision", choices=choices)], self.at(Step.DECISION, data))
        return await self._save(ctx, data)

    async def _decision(self, ctx: Context, data: UpdateData, answer: Answer) -> Turn:
        if answer.choice != SKIP:
            try:
                data.decision_no = parse_text(answer.text or "", limit=DECISION_MAX)
            except Invalid as problem:
                choices = (ctx.choice("youth.skip_decision", SKIP),)
                return Turn([Reply(invalid_reply(ctx, problem).text, choices)], self.at(Step.DECISION, data))
        return await self._save(ctx, data)

    async def _save(self, ctx: Context, data: UpdateData) -> Turn:
        assert ctx.member is not None and ctx.member.id is not None
        kind, on_date = data.event(), data.on_date
        if on_date is None:
            raise StaleData("an event saved without its date")
        youth = await _youth(ctx, data, for_update=True)
        if youth is None:
            return Turn([ctx.reply("youth.not_found")])
        status = await record_event(
            ctx.session, youth=youth, kind=kind, on_date=on_date, recorded_by=ctx.member.id, at=ctx.now,
            activity=data.activity, decision_no=data.decision_no, note=data.note)
        if status is None:
            return Turn([ctx.reply("youth.event_not_allowed", name=youth.full_name,
                                   status=ctx.t(f"youth.status.{youth.status}"))])
        await audit.record(ctx.session, actor_member_id=ctx.member.id, action=f"youth.{kind}",
                           target=f"youth:{youth.id}", at=ctx.now)
        return Turn([ctx.reply("youth.event_saved", event=ctx.t(f"youth.event.{kind}"),
                               name=youth.full_name, date=ctx.t.date(on_date),
                               status=ctx.t(f"youth.status.{status}"))])


async def _youth(ctx: Context, data: UpdateData, *, for_update: bool) -> Youth | None:
    """Return the young person picked, if still in the caller's scope."""
    if data.youth_id is None:
        return None
    return await youth_in_scope(ctx.session, youth_id=data.youth_id, scope=scope_of(ctx), for_update=for_update)
