"""/chidoan (/branch): a branch's progress this year — who has introduced someone and who has not, young people
by status, and what the evaluation still needs. A secretary sees their own branch; an officer may name any
branch of their subtree by code (`/chidoan CD-KP2`)."""

from __future__ import annotations

from conversations.engine import Context, OneShotFlow, Turn
from conversations.i18n import period_label
from conversations.messages import Reply
from conversations.roles import secretary_branch
from conversations.text import nfc
from storage.branch import member_progress, youth_by_status
from storage.calendar import EvaluationCalendar, Period
from storage.evaluations import evaluation_for, survey_for
from storage.members import roles_over_unit
from storage.models import RoleName, UnitKind, YouthStatus
from storage.units import unit_by_code

__all__ = ["BranchFlow"]

NAMES_SHOWN = 40
_VIEWERS = {RoleName.SECRETARY, RoleName.OFFICER, RoleName.ADMIN}


class BranchFlow(OneShotFlow):
    name = "branch"

    def __init__(self, calendar: EvaluationCalendar | None = None) -> None:
        self.calendar = calendar or EvaluationCalendar()

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
        return Turn([Reply(text)])

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


def _names(ctx: Context, names: list[str]) -> str:
    if not names:
        return "—"
    shown = ", ".join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        shown += ctx.t("branch.and_more", count=len(names) - NAMES_SHOWN)
    return shown

