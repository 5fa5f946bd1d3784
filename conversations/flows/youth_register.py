"""/gioithieu (/introduce): register a young person the member introduced.

Consent comes first, so that nothing about a young person is typed in, let alone stored, before the
member confirms they agreed. Then one question per field, a check for the same person already registered
in the Đoàn cơ sở, and a summary to save, correct a field, or cancel.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from conversations.engine import Answer, Context, State, StepFlow, Turn
from conversations.flows.youth_fields import (
    Field,
    YouthOptions,
    ask_field,
    column_values,
    field_accepts_text,
    flag_same_person,
    parse_field,
    phone_is_taken,
    phone_refusal,
    same_person,
    summary_lines,
)
from conversations.text import fold
from conversations.validate import Invalid
from storage import audit
from storage.integrity import SameAnswer
from storage.models import YouthStatus
from storage.youth import add_youth, introduced_count

__all__ = ["YouthRegisterFlow", "year_bounds"]

_FIELDS = tuple(Field)


class Step(enum.StrEnum):
    CONSENT = "consent"
    SAME_PERSON = "same_person"
    CONFIRM = "confirm"
    PICK_FIELD = "pick_field"


class Pick(enum.StrEnum):
    YES = "yes"
    NO = "no"
    SAVE = "save"
    EDIT = "edit"
    CANCEL = "cancel"


def year_bounds(ctx: Context) -> tuple[datetime, datetime]:
    """Return the start of this calendar year and of the next, in the bot's time zone."""
    start = ctx.now.astimezone(ctx.tz).replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return start, start.replace(year=start.year + 1)


class YouthRegisterFlow(StepFlow):
    name = "youth_register"

    def __init__(self, groups: Sequence[str]) -> None:
        self._options = YouthOptions.load(groups)

    async def start(self, ctx: Context, args: str) -> Turn:
        choices = [ctx.choice("youth.consent_yes", Pick.YES), ctx.choice("youth.consent_no", Pick.NO)]
        return Turn([ctx.reply("youth.ask_consent", choices=choices)], self.at(Step.CONSENT))

    def accepts_text(self, step: str) -> bool:
        return step in set(Field) and field_accepts_text(Field(step))

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        data = state.data
        if state.step in set(Field):
            return await self._field(ctx, Field(state.step), data, answer)
        match Step(state.step):
            case Step.CONSENT:
                if answer.choice != Pick.YES:
                    return Turn([ctx.reply("youth.no_consent")])
                return self._ask(ctx, Field.NAME, {"consent": True})
            case Step.SAME_PERSON:
                return await self._same_person(ctx, data, answer.choice == Pick.YES)
            case Step.CONFIRM:
                return await self._confirm(ctx, data, Pick(str(answer.choice)))
            case Step.PICK_FIELD:
                return self._ask(ctx, Field(str(answer.choice)), {**data, "review": True})


    def _ask(self, ctx: Context, field: Field, data: dict[str, Any], problem: Invalid | None = None) -> Turn:
        return Turn([ask_field(ctx, field, self._options, problem=problem)], self.at(field, data))

    async def _field(self, ctx: Context, field: Field, data: dict[str, Any], answer: Answer) -> Turn:
        assert ctx.member is not None
        try:
            value = parse_field(ctx, field, answer, self._options)
        except Invalid as problem:
            return self._ask(ctx, field, data, problem)
        if field == Field.PHONE and value:
            refused = await phone_refusal(ctx, value, unit_id=ctx.member.unit_id)
            if refused is not None:
                return self._ask(ctx, field, data, refused)
        data[field] = value
        if field in (Field.NAME, Field.BIRTH_YEAR) and Field.BIRTH_YEAR in data:
            other = await same_person(ctx, data[Field.NAME], data[Field.BIRTH_YEAR], unit_id=ctx.member.unit_id)
            if other is None:
                data.pop("dup_other", None)
            elif _dup_key(data) != data.get("dup_answered"):
                data.update(dup_other=other, after=field)
                choices = [ctx.choice("youth.same_yes", Pick.YES), ctx.choice("youth.same_no", Pick.NO)]
                question = ctx.reply("youth.ask_same_person", name=data[Field.NAME], year=data[Field.BIRTH_YEAR],
                                     choices=choices)
                return Turn([question], self.at(Step.SAME_PERSON, data))
        return self._advance(ctx, field, data)

    def _advance(self, ctx: Context, field: Field, data: dict[str, Any]) -> Turn:
        position = _FIELDS.index(field)
        if data.get("review") or position == len(_FIELDS) - 1:
            return self._summary(ctx, data)
        return self._ask(ctx, _FIELDS[position + 1], data)

    async def _same_person(self, ctx: Context, data: dict[str, Any], same: bool) -> Turn:
        assert ctx.member is not None
        if same:
            await flag_same_person(ctx, SameAnswer.SAME, unit_id=ctx.member.unit_id, other=data["dup_other"])
            return Turn([ctx.reply("youth.same_person_stop")])
        data["dup_answered"] = _dup_key(data)
        return self._advance(ctx, Field(data.pop("after")), data)

    def _summary(self, ctx: Context, data: dict[str, Any]) -> Turn:
        choices = [ctx.choice("youth.pick_save", Pick.SAVE), ctx.choice("youth.pick_edit", Pick.EDIT),
                   ctx.choice("youth.pick_cancel", Pick.CANCEL)]
        text = ctx.reply("youth.summary", lines=summary_lines(ctx, data, self._options), choices=choices)
        return Turn([text], self.at(Step.CONFIRM, data))

    async def _confirm(self, ctx: Context, data: dict[str, Any], pick: Pick) -> Turn:
        match pick:
            case Pick.CANCEL:
                return Turn([ctx.reply("cancel.done")])
            case Pick.EDIT:
                choices = [ctx.choice(f"youth.label.{field}", field) for field in Field]
                return Turn([ctx.reply("youth.ask_which_field", choices=choices)], self.at(Step.PICK_FIELD, data))
        return await self._save(ctx, data)

    async def _save(self, ctx: Context, data: dict[str, Any]) -> Turn:
        member = ctx.member
        assert member is not None and member.id is not None
        values = column_values(data)
        values.update(introduced_by=member.id, unit_id=member.unit_id, introduced_at=ctx.now, consent_at=ctx.now,
                      status=YouthStatus.INTRODUCED, status_at=ctx.now)
        youth_id = await add_youth(ctx.session, values=values)
        if youth_id is None:
            # Another member registered this phone between our check and now; theirs stands.
            await phone_is_taken(ctx, data[Field.PHONE], unit_id=member.unit_id)
            data.update({Field.PHONE: None, "review": True})
            return self._ask(ctx, Field.PHONE, data, Invalid("youth.phone_taken_now"))
        if "dup_other" in data and data.get("dup_answered") == _dup_key(data):
            await flag_same_person(ctx, SameAnswer.DIFFERENT, unit_id=member.unit_id, other=data["dup_other"],
                                   youth_id=youth_id)
        await audit.record(ctx.session, actor_member_id=member.id, action="youth.registered",
                           target=f"youth:{youth_id}", at=ctx.now)
        since, until = year_bounds(ctx)
        count = await introduced_count(ctx.session, member_id=member.id, since=since, until=until)
        done = ctx.reply("youth.registered", name=data[Field.NAME], count=ctx.t.number(count),
                         year=since.year)
        return Turn([done])


def _dup_key(data: dict[str, Any]) -> str:
    return f"{fold(data[Field.NAME])}|{data[Field.BIRTH_YEAR]}"
