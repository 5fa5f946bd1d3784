"""/capnhat (/update): record what happened with one of my young people — an activity attended, joining
Hội, admission to Đoàn, stopping, or a note on their needs and wishes. The status follows the events."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from conversations.engine import Answer, Context, State, StepFlow, Turn
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


class YouthUpdateFlow(StepFlow):
    name = "youth_update"

    async def start(self, ctx: Context, args: str) -> Turn:
        return await picker_turn(ctx, self.at(Step.PICK), 0, prompt=_PROMPT)

    def accepts_text(self, step: str) -> bool:
        return step in (Step.ACTIVITY, Step.DATE, Step.DECISION, Step.TEXT)

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        data = state.data
        match Step(state.step):
            case Step.PICK:
                picked = await pick_from_page(ctx, state, answer, prompt=_PROMPT)
                return picked if isinstance(picked, Turn) else self._ask_action(ctx, picked)
            case Step.ACTION:
                return self._ask_details(ctx, {**data, "kind": answer.choice})
            case Step.ACTIVITY:
                try:
                    data["activity"] = parse_text(answer.text or "", limit=ACTIVITY_MAX)
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
                return await self._save(ctx, {**data, "note": note, "on_date": ctx.today.isoformat()})


    def _ask_action(self, ctx: Context, youth: Youth) -> Turn:
        choices = [ctx.choice(f"youth.event.{kind}", kind) for kind in allowed_events(youth.status)]
        text = ctx.reply("youth.update_what", name=youth.full_name, status=ctx.t(f"youth.status.{youth.status}"),
                         choices=choices)
        return Turn([text], self.at(Step.ACTION, {"youth_id": youth.id}))

    def _ask_details(self, ctx: Context, data: dict[str, Any]) -> Turn:
        match ParticipationKind(data["kind"]):
            case ParticipationKind.ACTIVITY:
                return Turn([ctx.reply("youth.ask_activity")], self.at(Step.ACTIVITY, data))
            case ParticipationKind.STOPPED:
                return Turn([ctx.reply("youth.ask_stop_reason")], self.at(Step.TEXT, data))
            case ParticipationKind.NOTE:
                return Turn([ctx.reply("youth.ask_note")], self.at(Step.TEXT, data))
        return self._ask_date(ctx, data)

    def _ask_date(self, ctx: Context, data: dict[str, Any], problem: Invalid | None = None) -> Turn:
        choices = (ctx.choice("youth.pick_today", TODAY),)
        text = invalid_reply(ctx, problem).text if problem else ctx.t(f"youth.ask_date.{data['kind']}")
        return Turn([Reply(text, choices)], self.at(Step.DATE, data))

    async def _date(self, ctx: Context, data: dict[str, Any], answer: Answer) -> Turn:
        youth = await youth_in_scope(ctx.session, youth_id=data["youth_id"], scope=scope_of(ctx))
        if youth is None:
            return Turn([ctx.reply("youth.not_found")])
        today = ctx.today
        try:
            day = today if answer.choice == TODAY else parse_date(
                answer.text or "", today=today, earliest=local_day(ctx, youth.introduced_at))
        except Invalid as problem:
            return self._ask_date(ctx, data, problem)
        data["on_date"] = day.isoformat()
        if data["kind"] == ParticipationKind.ADMITTED:
            choices = [ctx.choice("youth.skip_decision", SKIP)]
            return Turn([ctx.reply("youth.ask_decision", choices=choices)], self.at(Step.DECISION, data))
        return await self._save(ctx, data)

    async def _decision(self, ctx: Context, data: dict[str, Any], answer: Answer) -> Turn:
        if answer.choice != SKIP:
            try:
                data["decision_no"] = parse_text(answer.text or "", limit=DECISION_MAX)
            except Invalid as problem:
                choices = (ctx.choice("youth.skip_decision", SKIP),)
                return Turn([Reply(invalid_reply(ctx, problem).text, choices)], self.at(Step.DECISION, data))
        return await self._save(ctx, data)

    async def _save(self, ctx: Context, data: dict[str, Any]) -> Turn:
        assert ctx.member is not None and ctx.member.id is not None
        youth = await youth_in_scope(ctx.session, youth_id=data["youth_id"], scope=scope_of(ctx), for_update=True)
        if youth is None:
            return Turn([ctx.reply("youth.not_found")])
        on_date = date.fromisoformat(data["on_date"])
        status = await record_event(
            ctx.session, youth=youth, kind=data["kind"], on_date=on_date, recorded_by=ctx.member.id, at=ctx.now,
            activity=data.get("activity"), decision_no=data.get("decision_no"), note=data.get("note"))
        if status is None:
            return Turn([ctx.reply("youth.event_not_allowed", name=youth.full_name,
                                   status=ctx.t(f"youth.status.{youth.status}"))])
        await audit.record(ctx.session, actor_member_id=ctx.member.id, action=f"youth.{data['kind']}",
                           target=f"youth:{youth.id}", at=ctx.now)
        return Turn([ctx.reply("youth.event_saved", event=ctx.t(f"youth.event.{data['kind']}"),
                               name=youth.full_name, date=ctx.t.date(on_date),
                               status=ctx.t(f"youth.status.{status}"))])
