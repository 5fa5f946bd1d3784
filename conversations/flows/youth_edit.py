"""/sua (/edit) corrects one field of a young person; /xoa (/delete) removes them and their events.

Both start from the paged picker of the caller's scope and check that scope again before writing. A delete
leaves only the audit line (who, what, which record id, when), never the person's data.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from conversations.engine import Answer, Context, DialogData, StaleData, State, StepFlow, Turn
from conversations.flows.youth_fields import (
    SENSITIVE,
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
    sees_sensitive,
    summary_lines,
    under_consent_age,
    youth_values,
)
from conversations.flows.youth_pick import pick_from_page, picker_turn, scope_of
from conversations.validate import Invalid
from storage import audit
from storage.integrity import SameAnswer
from storage.models import Youth
from storage.youth import change_youth, delete_youth, youth_in_scope

__all__ = ["YouthDeleteFlow", "YouthEditFlow"]


class Step(enum.StrEnum):
    PICK = "pick"
    PICK_FIELD = "pick_field"
    SAME_PERSON = "same_person"
    CONFIRM = "confirm"


class Pick(enum.StrEnum):
    YES = "yes"
    NO = "no"


@dataclass(slots=True)
class EditData(DialogData):
    """What /sua keeps: the young person picked; while asking whether a match is the same person, the field
    being changed, its new value and the id of the match."""

    youth_id: int | None
    field: Field | None = None
    value: str | int | None = None
    other: int | None = None


@dataclass(slots=True)
class DeleteData(DialogData):
    """What /xoa keeps: the young person picked."""

    youth_id: int


class YouthEditFlow(StepFlow):
    name = "youth_edit"
    _PROMPT = "youth.edit_pick"

    def __init__(self, groups: Sequence[str]) -> None:
        self._options = YouthOptions.load(groups)

    async def start(self, ctx: Context, args: str) -> Turn:
        return await picker_turn(ctx, self.at(Step.PICK), 0, prompt=self._PROMPT)

    def accepts_text(self, step: str) -> bool:
        return step in set(Field) and field_accepts_text(Field(step))

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        if state.step == Step.PICK:
            picked = await pick_from_page(ctx, state, answer, prompt=self._PROMPT)
            return picked if isinstance(picked, Turn) else self._ask_which(ctx, picked)
        data = EditData.from_json(state.data)
        if state.step in set(Field):
            return await self._field(ctx, Field(state.step), data, answer)
        match Step(state.step):
            case Step.PICK_FIELD:
                return self._ask(ctx, Field(str(answer.choice)), data)
            case Step.SAME_PERSON:
                return await self._same_person(ctx, data, answer.choice == Pick.YES)
        return Turn([], keep_state=True)


    def _ask(self, ctx: Context, field: Field, data: EditData, problem: Invalid | None = None) -> Turn:
        return Turn([ask_field(ctx, field, self._options, problem=problem)], self.at(field, data))

    def _ask_which(self, ctx: Context, youth: Youth) -> Turn:
        hide = not sees_sensitive(ctx, youth) or _child(ctx, youth)
        choices = [ctx.choice(f"youth.label.{field}", field) for field in Field
                   if not (hide and field in SENSITIVE)]
        lines = summary_lines(ctx, youth_values(youth), self._options, hide_sensitive=hide)
        text = ctx.reply("youth.edit_which", lines=lines, choices=choices)
        return Turn([text], self.at(Step.PICK_FIELD, EditData(youth.id)))

    async def _field(self, ctx: Context, field: Field, data: EditData, answer: Answer) -> Turn:
        youth = await _youth(ctx, data.youth_id)
        if youth is None:
            return Turn([ctx.reply("youth.not_found")])
        try:
            value = parse_field(ctx, field, answer, self._options)
        except Invalid as problem:
            return self._ask(ctx, field, data, problem)
        if field == Field.BIRTH_YEAR and under_consent_age(ctx, value) and youth.consent_by is None:
            # The person agreed themselves; a child's record needs a parent's or guardian's agreement, which
            # only a new registration asks for.
            return Turn([ctx.reply("youth.edit_child_needs_guardian", year=value)])
        if field == Field.PHONE and value:
            refused = await phone_refusal(ctx, value, unit_id=youth.unit_id, youth_id=youth.id)
            if refused is not None:
                return self._ask(ctx, field, data, refused)
        if field in (Field.NAME, Field.BIRTH_YEAR):
            values = {**youth_values(youth), field: value}
            other = await same_person(ctx, values[Field.NAME], values[Field.BIRTH_YEAR], unit_id=youth.unit_id,
                                      youth_id=youth.id)
            if other is not None:
                data.field, data.value, data.other = field, value, other
                choices = [ctx.choice("youth.same_yes", Pick.YES), ctx.choice("youth.same_no", Pick.NO)]
                question = ctx.reply("youth.ask_same_person", name=values[Field.NAME],
                                     year=values[Field.BIRTH_YEAR], choices=choices)
                return Turn([question], self.at(Step.SAME_PERSON, data))
        return await self._apply(ctx, youth, field, value)

    async def _same_person(self, ctx: Context, data: EditData, same: bool) -> Turn:
        field, other = data.field, data.other
        if field is None or other is None:
            raise StaleData("asked whether the same person without the change and the match")
        youth = await _youth(ctx, data.youth_id)
        if youth is None:
            return Turn([ctx.reply("youth.not_found")])
        answer = SameAnswer.SAME if same else SameAnswer.DIFFERENT
        await flag_same_person(ctx, answer, unit_id=youth.unit_id, other=other, youth_id=youth.id)
        if same:
            return Turn([ctx.reply("youth.edit_same_stop")])
        return await self._apply(ctx, youth, field, data.value)

    async def _apply(self, ctx: Context, youth: Youth, field: Field, value: Any) -> Turn:
        assert ctx.member is not None and youth.id is not None
        if not await change_youth(ctx.session, youth_id=youth.id, values=column_values({field: value}),
                                  at=ctx.now):
            await phone_is_taken(ctx, value, unit_id=youth.unit_id, youth_id=youth.id)
            return self._ask(ctx, field, EditData(youth.id), Invalid("youth.phone_taken_now"))
        await audit.record(ctx.session, actor_member_id=ctx.member.id, action="youth.edited",
                           target=f"youth:{youth.id}", at=ctx.now)
        fresh = await youth_in_scope(ctx.session, youth_id=youth.id, scope=scope_of(ctx))
        assert fresh is not None
        lines = summary_lines(ctx, youth_values(fresh), self._options, hide_sensitive=not sees_sensitive(ctx, fresh))
        return Turn([ctx.reply("youth.edited", lines=lines)])


class YouthDeleteFlow(StepFlow):
    name = "youth_delete"
    _PROMPT = "youth.delete_pick"

    async def start(self, ctx: Context, args: str) -> Turn:
        return await picker_turn(ctx, self.at(Step.PICK), 0, prompt=self._PROMPT)

    def accepts_text(self, step: str) -> bool:
        return False

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        if state.step == Step.PICK:
            picked = await pick_from_page(ctx, state, answer, prompt=self._PROMPT)
            if isinstance(picked, Turn):
                return picked
            choices = [ctx.choice("youth.delete_yes", Pick.YES), ctx.choice("youth.delete_no", Pick.NO)]
            question = ctx.reply("youth.delete_confirm", name=picked.full_name, year=picked.birth_year,
                                 choices=choices)
            assert picked.id is not None
            return Turn([question], self.at(Step.CONFIRM, DeleteData(picked.id)))
        if answer.choice != Pick.YES:
            return Turn([ctx.reply("cancel.done")])
        return await self._delete(ctx, DeleteData.from_json(state.data).youth_id)

    async def _delete(self, ctx: Context, youth_id: int) -> Turn:
        assert ctx.member is not None
        youth = await youth_in_scope(ctx.session, youth_id=youth_id, scope=scope_of(ctx), for_update=True)
        if youth is None:
            return Turn([ctx.reply("youth.not_found")])
        name = youth.full_name
        await delete_youth(ctx.session, youth_id=youth_id)
        await audit.record(ctx.session, actor_member_id=ctx.member.id, action="youth.deleted",
                           target=f"youth:{youth_id}", at=ctx.now)
        return Turn([ctx.reply("youth.deleted", name=name)])


def _child(ctx: Context, youth: Youth) -> bool:
    """Tell whether `youth` is a child's record: ethnicity and religion are neither asked nor kept for them."""
    return youth.consent_by is not None or under_consent_age(ctx, youth.birth_year)


async def _youth(ctx: Context, youth_id: int | None) -> Youth | None:
    """Return the young person picked, locked for the change, if still in the caller's scope."""
    if youth_id is None:
        return None
    return await youth_in_scope(ctx.session, youth_id=youth_id, scope=scope_of(ctx), for_update=True)
