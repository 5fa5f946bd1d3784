"""/danhgia (/evaluate): the branch's semiannual evaluation, filled in chat by its secretary.

Per-member 1+1 results come from the data (confirmed, or corrected with a reason); young people worth
proposing for admission; the area survey; lessons learned, difficulties, proposals for commendation; a summary;
submit. Every answer is saved to the draft at once, so the secretary can stop and resume later (/danhgia
again), and edit after submitting until the deadline. A branch that missed the deadline can still submit (late)
until the next window opens. Upper levels are told, through the outbox, when a branch first submits.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from conversations.engine import Answer, Context, DialogData, StaleData, State, StepFlow, Turn
from conversations.i18n import period_label
from conversations.messages import Reply
from conversations.pushes import push_for
from conversations.roles import secretary_branch
from conversations.text import nfc
from conversations.validate import Invalid, parse_count, parse_text
from storage import audit
from storage.branch import member_progress
from storage.calendar import EvaluationCalendar, Period
from storage.evaluations import (
    admission_candidates,
    correct_line,
    evaluation_for,
    lines_of,
    officers_on,
    open_evaluation,
    refresh_lines,
    save_survey,
    set_admission_proposals,
    set_text,
    submit_evaluation,
    survey_for,
)
from storage.models import Evaluation
from storage.outbox import Push
from storage.units import ancestor_ids

__all__ = ["EvaluateFlow"]

TEXT_MAX = 4000
REASON_MAX = 500
GROUPS_NOTE_MAX = 1000
POPULATION_MAX = 1_000_000
GROUPS_MAX = 10_000
SHOWN_MAX = 300


class Step(enum.StrEnum):
    LINES = "lines"
    PICK_MEMBER = "pick_member"
    NEW_RESULT = "new_result"
    REASON = "reason"
    ADMISSION = "admission"
    POPULATION = "population"
    GROUPS = "groups"
    GROUPS_NOTE = "groups_note"
    LESSONS = "lessons"
    DIFFICULTIES = "difficulties"
    PROPOSALS = "proposals"
    SUMMARY = "summary"


class Pick(enum.StrEnum):
    CONFIRM = "confirm"
    CORRECT = "correct"
    FULFILLED = "fulfilled"
    NOT_FULFILLED = "not_fulfilled"
    SKIP = "skip"
    SUBMIT = "submit"
    EDIT_LINES = "edit_lines"
    EDIT_SURVEY = "edit_survey"
    EDIT_LESSONS = "edit_lessons"
    EDIT_DIFFICULTIES = "edit_difficulties"
    EDIT_PROPOSALS = "edit_proposals"
    LATER = "later"


_TEXT_STEPS = {Step.LESSONS: "lessons", Step.DIFFICULTIES: "difficulties", Step.PROPOSALS: "proposals"}
_CHOICE_ONLY = {Step.LINES, Step.NEW_RESULT, Step.SUMMARY}


@dataclass(slots=True)
class EvaluationData(DialogData):
    """What /danhgia keeps between steps: the branch, the period and the draft; the line being corrected and
    its new result; the survey's numbers until its note is answered; and `back`, set when a part is edited
    from the summary, so that the summary comes next instead of the following part."""

    unit_id: int
    unit: str
    period: str
    evaluation_id: int
    line_id: int | None = None
    fulfilled: bool | None = None
    population: int | None = None
    groups: int | None = None
    back: bool = False

    def take_back(self) -> bool:
        """Return whether this part was edited from the summary, and forget it."""
        back, self.back = self.back, False
        return back


class EvaluateFlow(StepFlow):
    name = "evaluate"

    def __init__(self, calendar: EvaluationCalendar | None = None) -> None:
        self.calendar = calendar or EvaluationCalendar()

    def accepts_text(self, step: str) -> bool:
        return step not in _CHOICE_ONLY

    async def start(self, ctx: Context, args: str) -> Turn:
        found = secretary_branch(ctx, args)
        if isinstance(found, str):
            return Turn([ctx.reply(found)])
        unit_id, unit_name = found
        today = ctx.today
        period, late = self.calendar.period_to_evaluate(today)
        existing = await evaluation_for(ctx.session, period=period.code, unit_id=unit_id)
        if late and existing is not None and existing.submitted_at is not None:
            upcoming = period.next()
            return Turn([ctx.reply("evaluation.closed", period=period_label(ctx.t, period),
                                   opens=ctx.t.date(self.calendar.window_opens(upcoming)))])
        evaluation = await open_evaluation(ctx.session, period=period.code, unit_id=unit_id, now=ctx.now)
        assert evaluation.id is not None  # open_evaluation returns a stored row
        data = EvaluationData(unit_id, unit_name, period.code, evaluation.id)
        await self._refresh(ctx, data)
        intro = ctx.reply("evaluation.intro_late" if late else "evaluation.intro", unit=unit_name,
                          period=period_label(ctx.t, period),
                          deadline=ctx.t.date(self.calendar.deadline(period)))
        survey = await survey_for(ctx.session, period=period.code, unit_id=unit_id)
        if survey is None:
            turn = await self._lines(ctx, data)
        elif not evaluation.lessons:
            turn = self._ask_text(ctx, data, Step.LESSONS)
        else:
            turn = await self._summary(ctx, data)
        turn.replies.insert(0, intro)
        return turn

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        data, text, choice = EvaluationData.from_json(state.data), nfc(answer.text or ""), answer.choice
        step = Step(state.step)
        if step in _TEXT_STEPS:
            return await self._text(ctx, data, step, text, choice)
        match step:
            case Step.LINES:
                if choice == Pick.CORRECT:
                    return Turn([ctx.reply("evaluation.ask_member")], self.at(Step.PICK_MEMBER, data))
                return await self._after_lines(ctx, data)
            case Step.PICK_MEMBER:
                return await self._pick_member(ctx, data, text)
            case Step.NEW_RESULT:
                data.fulfilled = choice == Pick.FULFILLED
                return Turn([ctx.reply("evaluation.ask_reason", limit=REASON_MAX)], self.at(Step.REASON, data))
            case Step.REASON:
                return await self._reason(ctx, data, text)
            case Step.ADMISSION:
                return await self._admission(ctx, data, text)
            case Step.POPULATION:
                return self._number(ctx, data, text, "population", POPULATION_MAX, Step.GROUPS)
            case Step.GROUPS:
                return self._number(ctx, data, text, "groups", GROUPS_MAX, Step.GROUPS_NOTE)
            case Step.GROUPS_NOTE:
                return await self._groups_note(ctx, data, text, choice)
            case Step.SUMMARY:
                return await self._summary_pick(ctx, data, Pick(str(choice)))
        raise AssertionError(step)


    async def _refresh(self, ctx: Context, data: EvaluationData) -> None:
        """Bring the per-member lines up to the data: introductions from 1 January to the period's end."""
        period = Period.parse(data.period)
        start, _ = Period(period.year).bounds(ctx.tz)
        _, end = period.bounds(ctx.tz)
        progress = await member_progress(ctx.session, unit_id=data.unit_id, start=start, end=end)
        await refresh_lines(ctx.session, evaluation_id=data.evaluation_id, progress=progress)

    # --- per-member results

    async def _lines(self, ctx: Context, data: EvaluationData) -> Turn:
        lines = await lines_of(ctx.session, evaluation_id=data.evaluation_id)
        rows = [self._line_text(ctx, number, line) for number, line in enumerate(lines, 1)]
        done = sum(line.fulfilled for line in lines)
        choices = [ctx.choice("evaluation.pick_confirm", Pick.CONFIRM),
                   ctx.choice("evaluation.pick_correct", Pick.CORRECT)]
        reply = ctx.reply("evaluation.lines", done=done, total=len(lines), lines="\n".join(rows) or "—",
                          choices=choices)
        return Turn([reply], self.at(Step.LINES, data))

    @staticmethod
    def _line_text(ctx: Context, number: int, line: Any) -> str:
        result = ctx.t("evaluation.result_fulfilled" if line.fulfilled else "evaluation.result_not_fulfilled")
        text = ctx.t("evaluation.line", number=number, name=line.full_name, count=line.introduced, result=result)
        if line.corrected:
            text += ctx.t("evaluation.line_corrected", reason=line.reason or "")
        return text

    async def _pick_member(self, ctx: Context, data: EvaluationData, text: str) -> Turn:
        lines = await lines_of(ctx.session, evaluation_id=data.evaluation_id)
        number = parse_count(text, limit=len(lines))
        if not number:
            return Turn([ctx.reply("evaluation.bad_member", count=len(lines))], self.at(Step.PICK_MEMBER, data))
        line = lines[number - 1]
        data.line_id = line.line_id
        choices = [ctx.choice("evaluation.pick_fulfilled", Pick.FULFILLED),
                   ctx.choice("evaluation.pick_not_fulfilled", Pick.NOT_FULFILLED)]
        reply = ctx.reply("evaluation.ask_result", name=line.full_name, count=line.introduced, choices=choices)
        return Turn([reply], self.at(Step.NEW_RESULT, data))

    async def _reason(self, ctx: Context, data: EvaluationData, text: str) -> Turn:
        try:
            reason = parse_text(text, limit=REASON_MAX)
        except Invalid as error:
            replies = [] if error.key == "validate.text_empty" else [_refusal(ctx, error)]
            replies.append(ctx.reply("evaluation.ask_reason", limit=REASON_MAX))
            return Turn(replies, self.at(Step.REASON, data))
        line_id, fulfilled = data.line_id, data.fulfilled
        if line_id is None or fulfilled is None:
            raise StaleData("a reason asked before the line and its new result")
        await correct_line(ctx.session, evaluation_id=data.evaluation_id, line_id=line_id, fulfilled=fulfilled,
                           reason=reason)
        data.line_id = data.fulfilled = None
        turn = await self._lines(ctx, data)
        turn.replies.insert(0, ctx.reply("evaluation.corrected"))
        return turn

    async def _after_lines(self, ctx: Context, data: EvaluationData) -> Turn:
        if data.take_back():
            return await self._summary(ctx, data)
        candidates = await admission_candidates(ctx.session, unit_id=data.unit_id)
        if not candidates:
            turn = self._ask_population(ctx, data)
            turn.replies.insert(0, ctx.reply("evaluation.no_candidates"))
            return turn
        rows = [ctx.t("evaluation.candidate", number=n, name=c.full_name, status=ctx.t(f"evaluation.status_{c.status}"))
                for n, c in enumerate(candidates, 1)]
        reply = ctx.reply("evaluation.ask_admission", candidates="\n".join(rows))
        return Turn([reply], self.at(Step.ADMISSION, data))

    async def _admission(self, ctx: Context, data: EvaluationData, text: str) -> Turn:
        """Numbers typed as "1, 3" (no buttons here: on text channels they would clash with the numbers);
        "0" proposes nobody."""
        candidates = await admission_candidates(ctx.session, unit_id=data.unit_id)
        chosen: dict[int, int] = {}
        if text != "0":
            parts = [parse_count(part, limit=len(candidates))
                     for part in text.replace(";", ",").replace(" ", ",").split(",") if part]
            if not parts or not all(parts):
                reply = ctx.reply("evaluation.bad_admission", count=len(candidates))
                return Turn([reply], self.at(Step.ADMISSION, data))
            for number in parts:
                candidate = candidates[(number or 0) - 1]
                chosen[candidate.introduced_by] = candidate.youth_id
        await set_admission_proposals(ctx.session, evaluation_id=data.evaluation_id, proposals=chosen)
        return self._ask_population(ctx, data)

    # --- the area survey

    def _ask_population(self, ctx: Context, data: EvaluationData) -> Turn:
        return Turn([ctx.reply("evaluation.ask_population")], self.at(Step.POPULATION, data))

    def _number(self, ctx: Context, data: EvaluationData, text: str, field: str, limit: int, then: Step) -> Turn:
        value = parse_count(text, limit=limit)
        if value is None:
            key = "evaluation.bad_number"
            return Turn([ctx.reply(key, limit=ctx.t.number(limit))],
                        self.at(Step.POPULATION if field == "population" else Step.GROUPS, data))
        if field == "population":
            data.population = value
        else:
            data.groups = value
        if then is Step.GROUPS:
            return Turn([ctx.reply("evaluation.ask_groups")], self.at(Step.GROUPS, data))
        reply = ctx.reply("evaluation.ask_groups_note", choices=[ctx.choice("evaluation.pick_skip", Pick.SKIP)])
        return Turn([reply], self.at(Step.GROUPS_NOTE, data))

    async def _groups_note(self, ctx: Context, data: EvaluationData, text: str, choice: str | None) -> Turn:
        try:
            note = None if choice == Pick.SKIP else parse_text(text, limit=GROUPS_NOTE_MAX)
        except Invalid as error:
            skip = ctx.choice("evaluation.pick_skip", Pick.SKIP)
            return Turn([Reply(_refusal(ctx, error).text, (skip,))], self.at(Step.GROUPS_NOTE, data))
        assert ctx.member is not None and ctx.member.id is not None
        population, groups = data.population, data.groups
        if population is None or groups is None:
            raise StaleData("the survey's note asked before its numbers")
        await save_survey(ctx.session, period=data.period, unit_id=data.unit_id, youth_population=population,
                          groups=groups, groups_note=note, recorded_by=ctx.member.id, now=ctx.now)
        data.population = data.groups = None
        if data.take_back():
            return await self._summary(ctx, data)
        return self._ask_text(ctx, data, Step.LESSONS)

    # --- lessons, difficulties, proposals for commendation

    def _ask_text(self, ctx: Context, data: EvaluationData, step: Step) -> Turn:
        choices = [] if step is Step.LESSONS else [ctx.choice("evaluation.pick_skip", Pick.SKIP)]
        return Turn([ctx.reply(f"evaluation.ask_{_TEXT_STEPS[step]}", choices=choices)], self.at(step, data))

    async def _text(self, ctx: Context, data: EvaluationData, step: Step, text: str, choice: str | None) -> Turn:
        field = _TEXT_STEPS[step]
        skipped = choice == Pick.SKIP and step is not Step.LESSONS
        try:
            value = "" if skipped else parse_text(text, limit=TEXT_MAX)
        except Invalid as error:
            turn = self._ask_text(ctx, data, step)
            if error.key != "validate.text_empty":
                turn.replies.insert(0, _refusal(ctx, error))
            return turn
        await set_text(ctx.session, evaluation_id=data.evaluation_id, field=field, text=value, now=ctx.now)
        following = {Step.LESSONS: Step.DIFFICULTIES, Step.DIFFICULTIES: Step.PROPOSALS}.get(step)
        if following is None or data.take_back():
            return await self._summary(ctx, data)
        return self._ask_text(ctx, data, following)

    # --- summary and submission

    async def _summary(self, ctx: Context, data: EvaluationData, *, prefix: list[Reply] | None = None) -> Turn:
        evaluation = await evaluation_for(ctx.session, period=data.period, unit_id=data.unit_id)
        assert evaluation is not None
        reply = await self._summary_text(ctx, data, evaluation)
        choices = [ctx.choice("evaluation.pick_submit", Pick.SUBMIT)] + [
            ctx.choice(f"evaluation.pick_{pick}", pick)
            for pick in (Pick.EDIT_LINES, Pick.EDIT_SURVEY, Pick.EDIT_LESSONS, Pick.EDIT_DIFFICULTIES,
                         Pick.EDIT_PROPOSALS, Pick.LATER)
        ]
        return Turn([*(prefix or []), Reply(reply, tuple(choices))], self.at(Step.SUMMARY, data))

    async def _summary_text(self, ctx: Context, data: EvaluationData, evaluation: Evaluation) -> str:
        lines = await lines_of(ctx.session, evaluation_id=data.evaluation_id)
        survey = await survey_for(ctx.session, period=data.period, unit_id=data.unit_id)
        done = sum(line.fulfilled for line in lines)
        proposed = sum(line.proposed_youth_id is not None for line in lines)
        missing = ctx.t("evaluation.missing")
        survey_text = missing if survey is None else ctx.t(
            "evaluation.survey_text", population=ctx.t.number(survey.youth_population),
            groups=ctx.t.number(survey.groups), note=survey.groups_note or "—")
        period = Period.parse(data.period)
        status = (ctx.t("evaluation.status_submitted", at=ctx.t.date(evaluation.submitted_at.astimezone(ctx.tz)
                                                                   .date()))
                  if evaluation.submitted_at else ctx.t("evaluation.status_draft"))
        return ctx.t(
            "evaluation.summary", unit=data.unit, period=period_label(ctx.t, period),
            done=done, total=len(lines), percent=ctx.t.percent(done / len(lines) if lines else 0),
            corrected=sum(line.corrected for line in lines), proposed=proposed, survey=survey_text,
            lessons=_shown(evaluation.lessons, missing), difficulties=_shown(evaluation.difficulties, "—"),
            proposals=_shown(evaluation.proposals, "—"),
            deadline=ctx.t.date(self.calendar.deadline(period)), status=status,
        )

    async def _summary_pick(self, ctx: Context, data: EvaluationData, pick: Pick) -> Turn:
        data.back = True
        match pick:
            case Pick.SUBMIT:
                data.back = False
                return await self._submit(ctx, data)
            case Pick.EDIT_LINES:
                return await self._lines(ctx, data)
            case Pick.EDIT_SURVEY:
                return self._ask_population(ctx, data)
            case Pick.EDIT_LESSONS:
                return self._ask_text(ctx, data, Step.LESSONS)
            case Pick.EDIT_DIFFICULTIES:
                return self._ask_text(ctx, data, Step.DIFFICULTIES)
            case Pick.EDIT_PROPOSALS:
                return self._ask_text(ctx, data, Step.PROPOSALS)
        return Turn([ctx.reply("evaluation.saved_for_later")])

    async def _submit(self, ctx: Context, data: EvaluationData) -> Turn:
        evaluation = await evaluation_for(ctx.session, period=data.period, unit_id=data.unit_id)
        survey = await survey_for(ctx.session, period=data.period, unit_id=data.unit_id)
        assert evaluation is not None and ctx.member is not None and ctx.member.id is not None
        if survey is None or not evaluation.lessons:
            return await self._summary(ctx, data, prefix=[ctx.reply("evaluation.incomplete")])
        period = Period.parse(data.period)
        deadline = self.calendar.deadline(period)
        first = await submit_evaluation(ctx.session, evaluation_id=data.evaluation_id, member_id=ctx.member.id,
                                        now=ctx.now)
        await audit.record(ctx.session, actor_member_id=ctx.member.id, action="evaluation.submitted",
                           target=f"evaluation:{data.evaluation_id}", at=ctx.now)
        on_time = ctx.today <= deadline
        notices = await self._tell_upper_levels(ctx, data, on_time) if first else []
        key = "evaluation.submitted" if first else "evaluation.resubmitted"
        return Turn([ctx.reply(key, unit=data.unit, period=period_label(ctx.t, period),
                                deadline=ctx.t.date(deadline))], effects=notices)

    async def _tell_upper_levels(self, ctx: Context, data: EvaluationData, on_time: bool) -> list[Push]:
        """Return the notices of a first submission to the officers of every unit above the branch."""
        unit = next(u for _, u in ctx.roles if u.id == data.unit_id)
        above = ancestor_ids(unit.path)[:-1]
        officers = await officers_on(ctx.session, unit_ids=above)
        text_key = "evaluation.push_submitted" if on_time else "evaluation.push_submitted_late"
        return [
            push_for(recipient, key=f"eval.{data.period}.submitted.u{data.unit_id}", catalogs=ctx.catalogs,
                     calendar=self.calendar, tz=ctx.tz, now=ctx.now, text_key=text_key, branch=data.unit,
                     period=Period.parse(data.period))
            for _, recipient in officers
        ]


def _shown(text: str | None, empty: str) -> str:
    if not text:
        return empty
    return text if len(text) <= SHOWN_MAX else text[:SHOWN_MAX].rstrip() + "…"


def _refusal(ctx: Context, error: Invalid) -> Reply:
    """Explain why a typed text was refused, with the evaluation's own wording for "too long"."""
    if error.key == "validate.text_too_long":
        return ctx.reply("evaluation.text_too_long", limit=ctx.t.number(int(str(error.values["limit"]))))
    return ctx.reply(error.key, **error.values)
