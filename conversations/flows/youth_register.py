"""/gioithieu (/introduce): register a young person the member introduced.

Consent comes first, so that nothing about a young person is typed in, let alone stored, before the
member confirms they agreed. Then one question per field, a check for the same person already registered
in the Đoàn cơ sở, and a summary to save, correct a field, or cancel.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from conversations.engine import Answer, Context, DialogData, StaleData, State, StepFlow, Turn
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


@dataclass(slots=True)
class RegisterData(DialogData):
    """What /gioithieu keeps: consent, the answers so far (named as `Field`), whether the summary was shown
    (`review`: after a field, go back to it), and a possible match — its id, the field it was found after, and
    the name and year for which the member said it is someone else."""

    consent: bool
    name: str | None = None
    birth_year: int | None = None
    gender: str | None = None
    phone: str | None = None
    group: str | None = None
    introduced_to: str | None = None
    ethnicity: str | None = None
    religion: str | None = None
    review: bool = False
    dup_other: int | None = None
    after: Field | None = None
    dup_answered: str | None = None

    def answers(self) -> dict[str, Any]:
        """Return the answers keyed by `Field`."""
        return {field: getattr(self, field) for field in Field}

    def answer(self, field: Field, value: Any) -> None:
        """Keep the parsed answer to `field` (each `Field` names an attribute)."""
        setattr(self, field, value)

    def dup_key(self) -> str:
        """Return the folded name and year a "same person?" answer was given for."""
        if self.name is None or self.birth_year is None:
            raise StaleData("a match checked before the name and year")
        return f"{fold(self.name)}|{self.birth_year}"


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
        if state.step == Step.CONSENT:
            if answer.choice != Pick.YES:
                return Turn([ctx.reply("youth.no_consent")])
            return self._ask(ctx, Field.NAME, RegisterData(consent=True))
        data = RegisterData.from_json(state.data)
        if state.step in set(Field):
            return await self._field(ctx, Field(state.step), data, answer)
        match Step(state.step):
            case Step.SAME_PERSON:
                return await self._same_person(ctx, data, answer.choice == Pick.YES)
            case Step.CONFIRM:
                return await self._confirm(ctx, data, Pick(str(answer.choice)))
            case Step.PICK_FIELD:
                data.review = True
                return self._ask(ctx, Field(str(answer.choice)), data)
        raise AssertionError(state.step)


    def _ask(self, ctx: Context, field: Field, data: RegisterData, problem: Invalid | None = None) -> Turn:
        return Turn([ask_field(ctx, field, self._options, problem=problem)], self.at(field, data))

    async def _field(self, ctx: Context, field: Field, data: RegisterData, answer: Answer) -> Turn:
        assert ctx.member is not None
        try:
            value = parse_field(ctx, field, answer, self._options)
        except Invalid as problem:
            return self._ask(ctx, field, data, problem)
        if field == Field.PHONE and value:
            refused = await phone_refusal(ctx, value, unit_id=ctx.member.unit_id)
            if refused is not None:
                return self._ask(ctx, field, data, refused)
        data.answer(field, value)
        name, year = data.name, data.birth_year
        if field in (Field.NAME, Field.BIRTH_YEAR) and name is not None and year is not None:
            other = await same_person(ctx, name, year, unit_id=ctx.member.unit_id)
            if other is None:
                data.dup_other = None
            elif data.dup_key() != data.dup_answered:
                data.dup_other, data.after = other, field
                choices = [ctx.choice("youth.same_yes", Pick.YES), ctx.choice("youth.same_no", Pick.NO)]
                question = ctx.reply("youth.ask_same_person", name=name, year=year, choices=choices)
                return Turn([question], self.at(Step.SAME_PERSON, data))
        return self._advance(ctx, field, data)

    def _advance(self, ctx: Context, field: Field, data: RegisterData) -> Turn:
        position = _FIELDS.index(field)
        if data.review or position == len(_FIELDS) - 1:
            return self._summary(ctx, data)
        return self._ask(ctx, _FIELDS[position + 1], data)

    async def _same_person(self, ctx: Context, data: RegisterData, same: bool) -> Turn:
        assert ctx.member is not None
        other, after = data.dup_other, data.after
        if other is None or after is None:
            raise StaleData("asked whether the same person without a match")
        if same:
            await flag_same_person(ctx, SameAnswer.SAME, unit_id=ctx.member.unit_id, other=other)
            return Turn([ctx.reply("youth.same_person_stop")])
        data.dup_answered, data.after = data.dup_key(), None
        return self._advance(ctx, after, data)

    def _summary(self, ctx: Context, data: RegisterData) -> Turn:
        choices = [ctx.choice("youth.pick_save", Pick.SAVE), ctx.choice("youth.pick_edit", Pick.EDIT),
                   ctx.choice("youth.pick_cancel", Pick.CANCEL)]
        text = ctx.reply("youth.summary", lines=summary_lines(ctx, data.answers(), self._options), choices=choices)
        return Turn([text], self.at(Step.CONFIRM, data))

    async def _confirm(self, ctx: Context, data: RegisterData, pick: Pick) -> Turn:
        match pick:
            case Pick.CANCEL:
                return Turn([ctx.reply("cancel.done")])
            case Pick.EDIT:
                choices = [ctx.choice(f"youth.label.{field}", field) for field in Field]
                return Turn([ctx.reply("youth.ask_which_field", choices=choices)], self.at(Step.PICK_FIELD, data))
        return await self._save(ctx, data)

    async def _save(self, ctx: Context, data: RegisterData) -> Turn:
        member = ctx.member
        assert member is not None and member.id is not None
        values = column_values(data.answers())
        values.update(introduced_by=member.id, unit_id=member.unit_id, introduced_at=ctx.now, consent_at=ctx.now,
                      status=YouthStatus.INTRODUCED, status_at=ctx.now)
        youth_id = await add_youth(ctx.session, values=values)
        if youth_id is None:
            # Another member registered this phone between our check and now; theirs stands.
            if data.phone is not None:
                await phone_is_taken(ctx, data.phone, unit_id=member.unit_id)
            data.phone, data.review = None, True
            return self._ask(ctx, Field.PHONE, data, Invalid("youth.phone_taken_now"))
        if data.dup_other is not None and data.dup_answered == data.dup_key():
            await flag_same_person(ctx, SameAnswer.DIFFERENT, unit_id=member.unit_id, other=data.dup_other,
                                   youth_id=youth_id)
        await audit.record(ctx.session, actor_member_id=member.id, action="youth.registered",
                           target=f"youth:{youth_id}", at=ctx.now)
        since, until = year_bounds(ctx)
        count = await introduced_count(ctx.session, member_id=member.id, since=since, until=until)
        done = ctx.reply("youth.registered", name=data.name, count=ctx.t.number(count),
                         year=since.year)
        return Turn([done])
