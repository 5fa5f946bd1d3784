"""/gioithieu (/introduce): register a young person the member introduced.

Consent comes first, so that nothing about a young person is typed in, let alone stored, before the
member confirms they agreed. Then one question per field, a check for the same person already registered
in the Đoàn cơ sở, and a summary to save, correct a field, or cancel.

A young person under 16 (this year − birth year < 16: someone who turns 16 this year agrees for themselves)
needs a parent's or guardian's consent: once the birth year says so, the member is asked who agreed (kept in
`youth.consent_by`), "nobody yet" ends the dialog with nothing saved, and ethnicity and religion are never
asked of them (nor kept, should the birth year be corrected down after they were answered).

A branch secretary is first asked who introduced the young person: themselves, or a member of their branch
picked from the roster ("ghi nhận thay đoàn viên"), for members who do not use the bot. Then the record is that
member's (their 1+1 is fulfilled by it, in their branch), the secretary is kept as the one who wrote it, and the
member, if they use the bot, is told.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from conversations.engine import Answer, Context, DialogData, StaleData, State, StepFlow, Turn
from conversations.flows.roster_pick import pick_member, roster_turn, secretary_branch_ids
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
    summary_lines,
    under_consent_age,
)
from conversations.messages import Reply
from conversations.pushes import push_for
from conversations.text import fold
from conversations.validate import Invalid
from storage import audit
from storage.calendar import EvaluationCalendar
from storage.integrity import SameAnswer
from storage.models import Member, YouthStatus
from storage.outbox import Push
from storage.privacy import ConsentBy
from storage.youth import add_youth, introduced_count, member_chats, roster_member

__all__ = ["YouthRegisterFlow", "year_bounds"]

_FIELDS = tuple(Field)


class Step(enum.StrEnum):
    WHO = "who"
    ROSTER = "roster"
    CONSENT = "consent"
    GUARDIAN = "guardian"
    SAME_PERSON = "same_person"
    CONFIRM = "confirm"
    PICK_FIELD = "pick_field"


class Pick(enum.StrEnum):
    YES = "yes"
    NO = "no"
    SAVE = "save"
    EDIT = "edit"
    CANCEL = "cancel"
    MINE = "mine"
    FOR_MEMBER = "for_member"
    NOBODY = "nobody"


@dataclass(slots=True)
class RegisterData(DialogData):
    """What /gioithieu keeps: consent, the answers so far (named as `Field`), whether the summary was shown
    (`review`: after a field, go back to it), and a possible match — its id, the field it was found after, and
    the name and year for which the member said it is someone else. When a secretary records on behalf of a
    member: that member (`introducer`, checked against the roster again before saving), their name as shown
    and their branch when picked (`unit_id`, where the same person is looked for). For someone under 16: who
    agreed for them (`consent_by`, a `ConsentBy`)."""

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
    introducer: int | None = None
    introducer_name: str | None = None
    unit_id: int | None = None
    consent_by: str | None = None

    def answers(self) -> dict[str, Any]:
        """Return the answers keyed by `Field`."""
        return {field: getattr(self, field) for field in Field}

    def answer(self, field: Field, value: Any) -> None:
        """Keep the parsed answer to `field` (each `Field` names an attribute)."""
        setattr(self, field, value)

    def child_rules(self, under_16: bool) -> None:
        """Apply the rules for a child once the birth year is known: no sensitive answer is kept for someone
        under 16; someone 16 or older agreed themselves."""
        if under_16:
            self.ethnicity = self.religion = None
        else:
            self.consent_by = None

    def dup_key(self) -> str:
        """Return the folded name and year a "same person?" answer was given for."""
        if self.name is None or self.birth_year is None:
            raise StaleData("a match checked before the name and year")
        return f"{fold(self.name)}|{self.birth_year}"

    def for_member(self, member: Member) -> None:
        """Record on behalf of `member` (read from the roster just now)."""
        self.introducer, self.introducer_name, self.unit_id = member.id, member.full_name, member.unit_id


def year_bounds(ctx: Context) -> tuple[datetime, datetime]:
    """Return the start of this calendar year and of the next, in the bot's time zone."""
    start = ctx.now.astimezone(ctx.tz).replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return start, start.replace(year=start.year + 1)


class YouthRegisterFlow(StepFlow):
    name = "youth_register"

    def __init__(self, groups: Sequence[str], calendar: EvaluationCalendar | None = None) -> None:
        self._options = YouthOptions.load(groups)
        self.calendar = calendar or EvaluationCalendar()

    async def start(self, ctx: Context, args: str) -> Turn:
        if secretary_branch_ids(ctx):
            return self._ask_who(ctx, "youth.ask_who")
        return self._ask_consent(ctx, RegisterData(consent=False))

    def accepts_text(self, step: str) -> bool:
        if step == Step.ROSTER:
            return True  # the start of a name, to find a member on a long roster
        return step in set(Field) and field_accepts_text(Field(step))

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        if state.step == Step.WHO:
            return await self._who(ctx, Pick(str(answer.choice)))
        # A dialog saved at the consent question before the secretary's question existed kept no data.
        data = RegisterData.from_json(state.data) if state.data else RegisterData(consent=False)
        if state.step in set(Field):
            return await self._field(ctx, Field(state.step), data, answer)
        match Step(state.step):
            case Step.ROSTER:
                return await self._roster(ctx, data, answer)
            case Step.CONSENT:
                if answer.choice != Pick.YES:
                    return Turn([ctx.reply("youth.no_consent")])
                data.consent = True
                return self._ask(ctx, Field.NAME, data)
            case Step.GUARDIAN:
                return self._guardian(ctx, data, answer)
            case Step.SAME_PERSON:
                return await self._same_person(ctx, data, answer.choice == Pick.YES)
            case Step.CONFIRM:
                return await self._confirm(ctx, data, Pick(str(answer.choice)))
            case Step.PICK_FIELD:
                field = Field(str(answer.choice))
                if field in SENSITIVE and under_consent_age(ctx, data.birth_year):
                    return Turn([ctx.reply("engine.choose_one")], keep_state=True)
                data.review = True
                return self._ask(ctx, field, data)
        raise AssertionError(state.step)

    def _ask_who(self, ctx: Context, key: str) -> Turn:
        choices = [ctx.choice("youth.who_mine", Pick.MINE), ctx.choice("youth.who_member", Pick.FOR_MEMBER)]
        return Turn([ctx.reply(key, choices=choices)], self.at(Step.WHO))

    def _ask_consent(self, ctx: Context, data: RegisterData) -> Turn:
        choices = [ctx.choice("youth.consent_yes", Pick.YES), ctx.choice("youth.consent_no", Pick.NO)]
        if data.introducer_name is None:
            question = ctx.reply("youth.ask_consent", choices=choices)
        else:
            question = ctx.reply("youth.ask_consent_for", member=data.introducer_name, choices=choices)
        return Turn([question], self.at(Step.CONSENT, data))

    async def _who(self, ctx: Context, pick: Pick) -> Turn:
        if pick == Pick.MINE:
            return self._ask_consent(ctx, RegisterData(consent=False))
        roster = await roster_turn(ctx, self.at(Step.ROSTER, RegisterData(consent=False)), 0)
        return roster or self._ask_who(ctx, "youth.roster_empty")

    async def _roster(self, ctx: Context, data: RegisterData, answer: Answer) -> Turn:
        picked = await pick_member(ctx, self.at(Step.ROSTER, data), answer)
        if isinstance(picked, Turn):
            return picked
        data.for_member(picked)
        return self._summary(ctx, data) if data.review else self._ask_consent(ctx, data)

    def _unit_id(self, ctx: Context, data: RegisterData) -> int:
        """Return the branch the young person is registered in: the introducer's."""
        assert ctx.member is not None
        return data.unit_id if data.introducer is not None and data.unit_id is not None else ctx.member.unit_id

    def _ask(self, ctx: Context, field: Field, data: RegisterData, problem: Invalid | None = None) -> Turn:
        return Turn([ask_field(ctx, field, self._options, problem=problem)], self.at(field, data))

    async def _field(self, ctx: Context, field: Field, data: RegisterData, answer: Answer) -> Turn:
        try:
            value = parse_field(ctx, field, answer, self._options)
        except Invalid as problem:
            return self._ask(ctx, field, data, problem)
        if field == Field.PHONE and value:
            refused = await phone_refusal(ctx, value, unit_id=self._unit_id(ctx, data))
            if refused is not None:
                return self._ask(ctx, field, data, refused)
        data.answer(field, value)
        if field == Field.BIRTH_YEAR:
            data.child_rules(under_consent_age(ctx, value))
        name, year = data.name, data.birth_year
        if field in (Field.NAME, Field.BIRTH_YEAR) and name is not None and year is not None:
            other = await same_person(ctx, name, year, unit_id=self._unit_id(ctx, data))
            if other is None:
                data.dup_other = None
            elif data.dup_key() != data.dup_answered:
                data.dup_other, data.after = other, field
                choices = [ctx.choice("youth.same_yes", Pick.YES), ctx.choice("youth.same_no", Pick.NO)]
                question = ctx.reply("youth.ask_same_person", name=name, year=year, choices=choices)
                return Turn([question], self.at(Step.SAME_PERSON, data))
        return self._advance(ctx, field, data)

    def _advance(self, ctx: Context, field: Field, data: RegisterData) -> Turn:
        under_16 = under_consent_age(ctx, data.birth_year)
        if under_16 and data.consent_by is None:
            return self._ask_guardian(ctx, data)
        position = _FIELDS.index(field)
        following = [later for later in _FIELDS[position + 1:] if not (under_16 and later in SENSITIVE)]
        if data.review or not following:
            return self._summary(ctx, data)
        return self._ask(ctx, following[0], data)

    def _ask_guardian(self, ctx: Context, data: RegisterData) -> Turn:
        choices = [ctx.choice(f"youth.guardian_{who}", who) for who in ConsentBy]
        choices.append(ctx.choice("youth.guardian_nobody", Pick.NOBODY))
        question = ctx.reply("youth.ask_guardian", year=data.birth_year, choices=choices)
        return Turn([question], self.at(Step.GUARDIAN, data))

    def _guardian(self, ctx: Context, data: RegisterData, answer: Answer) -> Turn:
        if answer.choice == Pick.NOBODY:
            return Turn([ctx.reply("youth.guardian_refused")])
        if answer.choice not in set(ConsentBy) or not under_consent_age(ctx, data.birth_year):
            return Turn([ctx.reply("engine.choose_one")], keep_state=True)
        data.consent_by = str(answer.choice)
        return self._advance(ctx, Field.BIRTH_YEAR, data)

    async def _same_person(self, ctx: Context, data: RegisterData, same: bool) -> Turn:
        other, after = data.dup_other, data.after
        if other is None or after is None:
            raise StaleData("asked whether the same person without a match")
        if same:
            await flag_same_person(ctx, SameAnswer.SAME, unit_id=self._unit_id(ctx, data), other=other)
            return Turn([ctx.reply("youth.same_person_stop")])
        data.dup_answered, data.after = data.dup_key(), None
        return self._advance(ctx, after, data)

    def _summary(self, ctx: Context, data: RegisterData) -> Turn:
        choices = [ctx.choice("youth.pick_save", Pick.SAVE), ctx.choice("youth.pick_edit", Pick.EDIT),
                   ctx.choice("youth.pick_cancel", Pick.CANCEL)]
        lines = summary_lines(ctx, data.answers(), self._options,
                              omit_sensitive=under_consent_age(ctx, data.birth_year))
        if data.consent_by is not None:
            lines += "\n" + ctx.t("youth.summary_line", label=ctx.t("youth.label_consent_by"),
                                  value=ctx.t(f"youth.guardian_{data.consent_by}"))
        if data.introducer_name is not None:
            assert ctx.member is not None
            who = [ctx.t("youth.summary_line", label=ctx.t(label), value=name)
                   for label, name in (("youth.label_introducer", data.introducer_name),
                                       ("youth.label_recorded_by", ctx.member.full_name))]
            lines = "\n".join([*who, lines])
        text = ctx.reply("youth.summary", lines=lines, choices=choices)
        return Turn([text], self.at(Step.CONFIRM, data))

    async def _confirm(self, ctx: Context, data: RegisterData, pick: Pick) -> Turn:
        match pick:
            case Pick.CANCEL:
                return Turn([ctx.reply("cancel.done")])
            case Pick.EDIT:
                under_16 = under_consent_age(ctx, data.birth_year)
                choices = [ctx.choice(f"youth.label.{field}", field) for field in Field
                           if not (under_16 and field in SENSITIVE)]
                return Turn([ctx.reply("youth.ask_which_field", choices=choices)], self.at(Step.PICK_FIELD, data))
        if under_consent_age(ctx, data.birth_year) and data.consent_by is None:
            return self._ask_guardian(ctx, data)  # the year turned someone under 16 since the question
        return await self._save(ctx, data)

    async def _introducer(self, ctx: Context, data: RegisterData) -> Member | None:
        """Return who introduced the young person: the speaker, or the member picked, read from the speaker's
        branch roster again (they may have left it, or the speaker their role, since the pick); None if gone."""
        assert ctx.member is not None
        if data.introducer is None:
            return ctx.member
        found = await roster_member(ctx.session, member_id=data.introducer, unit_ids=secretary_branch_ids(ctx))
        return found if found is not None and found.id != ctx.member.id else None

    async def _save(self, ctx: Context, data: RegisterData) -> Turn:
        member = ctx.member
        introducer = await self._introducer(ctx, data)
        if introducer is None:
            data.review = True
            roster = await roster_turn(ctx, self.at(Step.ROSTER, data), 0, lead=ctx.t("youth.roster_gone_save"))
            return roster or Turn([ctx.reply("youth.roster_empty_now")])
        assert member is not None and member.id is not None and introducer.id is not None
        on_behalf = data.introducer is not None
        data.child_rules(under_consent_age(ctx, data.birth_year))
        values = column_values(data.answers())
        values.update(introduced_by=introducer.id, unit_id=introducer.unit_id, introduced_at=ctx.now,
                      consent_at=ctx.now, consent_by=data.consent_by, status=YouthStatus.INTRODUCED,
                      status_at=ctx.now, updated_at=ctx.now, recorded_by=member.id if on_behalf else None)
        youth_id = await add_youth(ctx.session, values=values)
        if youth_id is None:
            # Another member registered this phone between our check and now; theirs stands.
            if data.phone is not None:
                await phone_is_taken(ctx, data.phone, unit_id=introducer.unit_id)
            data.phone, data.review = None, True
            return self._ask(ctx, Field.PHONE, data, Invalid("youth.phone_taken_now"))
        if data.dup_other is not None and data.dup_answered == data.dup_key():
            await flag_same_person(ctx, SameAnswer.DIFFERENT, unit_id=introducer.unit_id, other=data.dup_other,
                                   youth_id=youth_id)
        await audit.record(ctx.session, actor_member_id=member.id,
                           action="youth.registered_on_behalf" if on_behalf else "youth.registered",
                           target=f"youth:{youth_id}", at=ctx.now, unit_id=introducer.unit_id)
        since, until = year_bounds(ctx)
        introduced = await introduced_count(ctx.session, member_id=introducer.id, since=since, until=until)
        count = ctx.t.number(introduced)
        if not on_behalf:
            return Turn([ctx.reply("youth.registered", name=data.name, count=count, year=since.year)])
        pushes = await self._tell(ctx, introducer.id, youth_id, count=introduced, year=since.year)
        done = ctx.t("youth.registered_for", name=data.name, member=introducer.full_name, count=count,
                     year=since.year)
        told = ctx.t("youth.member_told" if pushes else "youth.member_not_on_bot", member=introducer.full_name)
        return Turn([Reply(f"{done}\n{told}")], effects=pushes)

    async def _tell(self, ctx: Context, member_id: int, youth_id: int, *, count: int, year: int) -> list[Push]:
        """Return the pushes telling the member, on each chat of theirs the bot can reach, that the secretary
        recorded an introduction for them (none for a member who does not use the bot).

        The young person is not named: an outbox row outlives a deletion of their record, and their personal data
        is kept only in their own rows (/cuatoi shows the member who it is).
        """
        assert ctx.member is not None
        return [push_for(chat, key=f"youth.recorded_for.y{youth_id}", catalogs=ctx.catalogs, calendar=self.calendar,
                         tz=ctx.tz, now=ctx.now, text_key="youth.push_recorded_for_you",
                         about={"youth_id": youth_id}, secretary=ctx.member.full_name, count=count, year=year)
                for chat in await member_chats(ctx.session, member_id=member_id)]
