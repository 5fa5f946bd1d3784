"""Reports for officers: /baocao (/report) with drill-down, /xephang (/ranking), /chamnop (/overdue), and
/chitieu (/targets) to set the targets of child units.

Scope is decided here from the roles the engine loaded for this turn, never from what was typed or pressed:
an officer (or admin) sees their unit's subtree, a secretary their branch. A unit outside that scope gets the
same answer as a unit that does not exist.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

from conversations.engine import (
    Answer,
    Command,
    Context,
    DialogData,
    Midway,
    OneShotFlow,
    StaleData,
    State,
    StepFlow,
    Turn,
)
from conversations.i18n import period_label
from conversations.messages import Attachment, Choice, Reply
from conversations.reports import render_chart, render_summary, render_workbook
from conversations.reports.summary import rate
from conversations.text import nfc
from conversations.validate import Invalid
from storage import audit
from storage.calendar import EvaluationCalendar, Period
from storage.evaluations import late_branch_count, late_branches
from storage.integrity import flag_counts_by_unit
from storage.models import RoleName, TargetMetric, Unit
from storage.reports import (
    REPORT_ROLES,
    Report,
    child_units,
    may_view,
    report_for,
    viewable_root,
)
from storage.targets import TARGET_MAX, set_target, targets_for
from storage.units import unit_by_code, unit_by_id

__all__ = ["OverdueFlow", "RankingFlow", "ReportFlow", "TargetsFlow", "parse_report_args", "report_commands"]

TARGET_ROLES = frozenset({RoleName.OFFICER, RoleName.ADMIN})
FLAG_ROLES = frozenset({RoleName.OFFICER, RoleName.ADMIN, RoleName.INSPECTOR})
MAX_DRILL = 12
MAX_RANKING = 40
MAX_LATE = 30
MAX_TARGET_UNITS = 20
PNG, XLSX = "image/png", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_commands(calendar: EvaluationCalendar) -> list[Command]:
    """Return the report commands for the command table."""
    return [
        Command(("baocao", "report"), ReportFlow(calendar), "report.help_report", roles=REPORT_ROLES),
        Command(("xephang", "ranking"), RankingFlow(calendar), "report.help_ranking", roles=REPORT_ROLES),
        Command(("chamnop", "overdue"), OverdueFlow(calendar), "report.help_overdue", roles=REPORT_ROLES),
        Command(("chitieu", "targets"), TargetsFlow(), "report.help_targets", roles=TARGET_ROLES,
                midway=Midway.REPLACE),
    ]


def parse_report_args(text: str) -> tuple[str | None, Period | None]:
    """Read "[unit code] [period]" in any order, e.g. "QD-HB 2026-H1"; raise `Invalid` otherwise (a word
    starting with a year must be a period, so "2026-H3" is refused rather than looked up as a code)."""
    code: str | None = None
    period: Period | None = None
    words = nfc(text).split()
    if len(words) > 2:
        raise Invalid("report.bad_args")
    for word in words:
        try:
            found = Period.parse(word)
        except ValueError:
            found = None
        if found is not None and period is None:
            period = found
        elif found is None and code is None and _looks_like_code(word) and not word[:4].isdigit():
            code = word.upper()
        else:
            raise Invalid("report.bad_args")
    return code, period


def _looks_like_code(word: str) -> bool:
    return 0 < len(word) <= 32 and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in word)


async def _resolve(ctx: Context, args: str, *, roles: frozenset[str] = REPORT_ROLES
                   ) -> tuple[Unit, Period | None] | Reply:
    """Return the unit asked for (default: the caller's highest) and the period typed, or the refusal."""
    try:
        code, period = parse_report_args(args)
    except Invalid as error:
        return ctx.reply(error.key)
    held = [(role, unit) for role, unit in ctx.roles if role in roles]
    if code is None:
        unit = viewable_root(held)
        return (unit, period) if unit is not None else ctx.reply("engine.not_allowed")
    unit = await unit_by_code(ctx.session, code=code)
    if unit is None or not unit.active or not may_view(held, unit):
        return ctx.reply("report.unit_not_found", code=code)
    return unit, period


@dataclass(slots=True)
class DrillData(DialogData):
    """What a report's drill-down keeps: the period shown, and the unit it was shown for."""

    period: str
    unit_id: int | None


class ReportFlow(StepFlow):
    """/baocao [unit] [period]: the summary, the chart and the workbook; then a choice of child to drill into."""

    name = "report"
    _STEP = "drill"

    def __init__(self, calendar: EvaluationCalendar) -> None:
        self.calendar = calendar

    def accepts_text(self, step: str) -> bool:
        return False

    async def start(self, ctx: Context, args: str) -> Turn:
        found = await _resolve(ctx, args)
        if isinstance(found, Reply):
            return Turn([found])
        unit, period = found
        return await self._report(ctx, unit, period or Period.half_of(ctx.today))

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        payload = str(answer.choice)
        if payload == "done":
            return Turn([ctx.reply("report.drill_done")])
        unit = await unit_by_id(ctx.session, unit_id=int(payload.removeprefix("u")))
        if unit is None or not unit.active or not may_view(ctx.roles, unit):
            return Turn([ctx.reply("report.unit_gone")])
        return await self._report(ctx, unit, Period.parse(DrillData.from_json(state.data).period))

    async def _report(self, ctx: Context, unit: Unit, period: Period) -> Turn:
        report = await report_for(ctx.session, unit=unit, period=period, calendar=self.calendar, tz=ctx.tz)
        chart, workbook = await asyncio.gather(
            asyncio.to_thread(render_chart, ctx.t, report),
            asyncio.to_thread(render_workbook, ctx.t, report, today=ctx.today),
        )
        stem = f"baocao-{unit.code}-{period.code}"
        replies = [
            ctx.reply("report.working", unit=unit.name, period=period_label(ctx.t, period)),
            Reply(render_summary(ctx.t, report)),
            Reply(ctx.t("report.chart_caption"), attachment=Attachment(f"{stem}.png", chart, PNG)),
            Reply(ctx.t("report.xlsx_caption"), attachment=Attachment(f"{stem}.xlsx", workbook, XLSX)),
        ]
        replies += await _flag_counts(ctx, unit)
        choices = await self._drill_choices(ctx, report)
        if not choices:
            return Turn(replies)
        replies.append(ctx.reply("report.drill_ask", choices=choices))
        return Turn(replies, self.at(self._STEP, DrillData(period.code, unit.id)))

    async def _drill_choices(self, ctx: Context, report: Report) -> list[Choice]:
        """Offer the best child units, and the unit above when the caller may see it."""
        choices = [Choice(child.name, f"u{child.unit_id}") for child in report.children[:MAX_DRILL]]
        parent_id = report.unit.parent_id
        parent = await unit_by_id(ctx.session, unit_id=parent_id) if parent_id is not None else None
        if parent is not None and may_view(ctx.roles, parent):
            choices.append(ctx.choice("report.drill_up", f"u{parent.id}", unit=parent.name))
        if choices:
            choices.append(ctx.choice("report.drill_finish", "done"))
        return choices


async def _flag_counts(ctx: Context, unit: Unit) -> list[Reply]:
    """Return, for an officer or admin over `unit`, the integrity flags under it per unit (open and reviewed,
    counts only); nothing when there are none or the caller is a secretary."""
    if not any(role in FLAG_ROLES and unit.path.startswith(held.path) for role, held in ctx.roles):
        return []
    counts = await flag_counts_by_unit(ctx.session, paths=[unit.path])
    if not counts:
        return []
    lines = [ctx.t("inspect.report_line", unit=name, open=ctx.t.number(opened), checked=ctx.t.number(done))
             for name, opened, done in counts]
    return [ctx.reply("inspect.report_head", lines="\n".join(lines))]


class RankingFlow(OneShotFlow):
    """/xephang [unit] [period]: the child units ranked by 1+1 fulfilment."""

    name = "ranking"

    def __init__(self, calendar: EvaluationCalendar) -> None:
        self.calendar = calendar

    async def start(self, ctx: Context, args: str) -> Turn:
        found = await _resolve(ctx, args)
        if isinstance(found, Reply):
            return Turn([found])
        unit, period = found
        period = period or Period.half_of(ctx.today)
        report = await report_for(ctx.session, unit=unit, period=period, calendar=self.calendar, tz=ctx.tz)
        if not report.children:
            return Turn([ctx.reply("report.ranking_none", unit=unit.name)])
        t = ctx.t
        lines = [t("report.ranking_head", unit=unit.name, period=period_label(t, period))]
        for place, child in enumerate(report.children[:MAX_RANKING], 1):
            lines.append(t("report.ranking_line", place=place, unit=child.name, rate=rate(t, child.fulfilment_rate),
                           fulfilled=t.number(child.fulfilled), members=t.number(child.members),
                           admitted=t.number(child.admitted)))
        if len(report.children) > MAX_RANKING:
            lines.append(t("report.ranking_more", count=t.number(len(report.children) - MAX_RANKING)))
        return Turn([Reply("\n".join(lines))])


class OverdueFlow(OneShotFlow):
    """/chamnop [unit] [half-year]: the branches whose evaluation is missing or came after the deadline."""

    name = "overdue"

    def __init__(self, calendar: EvaluationCalendar) -> None:
        self.calendar = calendar

    async def start(self, ctx: Context, args: str) -> Turn:
        found = await _resolve(ctx, args)
        if isinstance(found, Reply):
            return Turn([found])
        unit, period = found
        today = ctx.today
        if period is None:
            period = self.calendar.last_overdue(today)
        if period.half is None:
            return Turn([ctx.reply("report.overdue_half_only")])
        return Turn([await self._list(ctx, unit, period, today)])

    async def _list(self, ctx: Context, unit: Unit, period: Period, today: date) -> Reply:
        t, deadline = ctx.t, self.calendar.deadline(period)
        values: dict[str, Any] = {"unit": unit.name, "period": period_label(t, period),
                                  "deadline": t.date(deadline)}
        args: dict[str, Any] = {"period": period.code, "deadline_end": self.calendar.deadline_end(period, ctx.tz),
                                "root_path": unit.path}
        count = await late_branch_count(ctx.session, **args)
        if count == 0:
            return ctx.reply("report.overdue_none" if deadline < today else "report.pending_none", **values)
        rows = await late_branches(ctx.session, limit=MAX_LATE, **args)
        head = "report.overdue_head" if deadline < today else "report.pending_head"
        lines = [t.count(head, count, **values)]
        for row in rows:
            if row.submitted_at is None:
                lines.append(t("report.overdue_missing", unit=row.name, parent=row.parent_name))
            else:
                day = row.submitted_at.astimezone(ctx.tz).date()
                lines.append(t("report.overdue_late", unit=row.name, parent=row.parent_name, day=t.date(day)))
        if count > len(rows):
            lines.append(t.count("report.overdue_more", count - len(rows)))
        return Reply("\n".join(lines))


class TargetStep(enum.StrEnum):
    UNIT = "unit"
    METRIC = "metric"
    VALUE = "value"


@dataclass(slots=True)
class TargetsData(DialogData):
    """What /chitieu keeps: the year and the unit asked about, then the unit picked and the metric to set."""

    year: int
    root: int | None
    unit_id: int | None = None
    unit: str | None = None
    metric: TargetMetric | None = None


class TargetsFlow(StepFlow):
    """/chitieu [unit] [year]: see the targets of the child units for a year, and set one."""

    name = "targets"

    def accepts_text(self, step: str) -> bool:
        return step == TargetStep.VALUE

    async def start(self, ctx: Context, args: str) -> Turn:
        words = nfc(args).split()
        year = next((int(w) for w in words if _is_year(w)), ctx.today_year)
        rest = " ".join(w for w in words if not _is_year(w))
        if not 2000 <= year <= 2100:
            return Turn([ctx.reply("report.bad_args")])
        found = await _resolve(ctx, rest, roles=TARGET_ROLES)
        if isinstance(found, Reply):
            return Turn([found])
        unit = found[0]
        children = list(await child_units(ctx.session, root=unit))
        if not children:
            return Turn([ctx.reply("report.targets_no_children", unit=unit.name)])
        targets = await targets_for(ctx.session, unit_ids=[c.id for c in children if c.id], year=year)
        t = ctx.t
        lines = [t("report.targets_head", unit=unit.name, year=year)]
        for child in children:
            own = targets.get(child.id or 0, {})
            parts = [t("report.targets_part", metric=t(f"report.metric.{m}"), value=t.number(own[m]))
                     for m in TargetMetric if m in own]
            lines.append(t("report.targets_line", unit=child.name,
                           values="; ".join(parts) if parts else t("report.targets_unset")))
        choices = [Choice(child.name, f"u{child.id}") for child in children[:MAX_TARGET_UNITS]]
        choices.append(ctx.choice("report.drill_finish", "done"))
        replies = [Reply("\n".join(lines)), ctx.reply("report.targets_pick_unit", choices=choices)]
        return Turn(replies, self.at(TargetStep.UNIT, TargetsData(year, unit.id)))

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        data = TargetsData.from_json(state.data)
        match TargetStep(state.step):
            case TargetStep.UNIT:
                if answer.choice == "done":
                    return Turn([ctx.reply("report.drill_done")])
                unit = await self._settable(ctx, int(str(answer.choice).removeprefix("u")))
                if unit is None:
                    return Turn([ctx.reply("report.unit_gone")])
                choices = [ctx.choice(f"report.metric.{m}", m.value) for m in TargetMetric]
                data.unit_id, data.unit = unit.id, unit.name
                return Turn([ctx.reply("report.targets_pick_metric", unit=unit.name, year=data.year,
                                       choices=choices)], self.at(TargetStep.METRIC, data))
            case TargetStep.METRIC:
                data.metric = TargetMetric(str(answer.choice))
                return Turn([self._ask_value(ctx, data)], self.at(TargetStep.VALUE, data))
            case TargetStep.VALUE:
                return await self._save(ctx, data, answer.text or "")

    def _ask_value(self, ctx: Context, data: TargetsData) -> Reply:
        return ctx.reply("report.targets_ask_value", metric=ctx.t(f"report.metric.{data.metric}"),
                         unit=data.unit, year=data.year)

    async def _settable(self, ctx: Context, unit_id: int) -> Unit | None:
        """Return the unit if the caller is officer or admin of a unit strictly above it, else None."""
        unit = await unit_by_id(ctx.session, unit_id=unit_id)
        if unit is None or not unit.active:
            return None
        above = any(role in TARGET_ROLES and held.id != unit.id and unit.path.startswith(held.path)
                    for role, held in ctx.roles)
        return unit if above else None

    async def _save(self, ctx: Context, data: TargetsData, text: str) -> Turn:
        metric = data.metric
        if data.unit_id is None or metric is None:
            raise StaleData("a target value asked before its unit and metric")
        try:
            value = parse_target(text)
        except Invalid as error:
            return Turn([ctx.reply(error.key, limit=ctx.t.number(TARGET_MAX)), self._ask_value(ctx, data)],
                        self.at(TargetStep.VALUE, data))
        unit = await self._settable(ctx, data.unit_id)
        if unit is None or unit.id is None or ctx.member is None or ctx.member.id is None:
            return Turn([ctx.reply("report.unit_gone")])
        await set_target(ctx.session, unit_id=unit.id, year=data.year, metric=metric, value=value,
                         set_by=ctx.member.id, at=ctx.now)
        await audit.record(ctx.session, actor_member_id=ctx.member.id, action="target.set",
                           target=f"unit:{unit.id}:{data.year}:{metric.value}", at=ctx.now)
        return Turn([ctx.reply("report.targets_saved", unit=unit.name, year=data.year,
                               metric=ctx.t(f"report.metric.{metric.value}"), value=ctx.t.number(value))])


def _is_year(word: str) -> bool:
    """Tell whether `word` is four ASCII digits ("²⁰²⁶" passes `str.isdigit()` but is no year to `int()`)."""
    return len(word) == 4 and word.isascii() and word.isdigit()


def parse_target(text: str) -> int:
    """Read a whole number such as "120", "1.200" or "1 200" (0 to TARGET_MAX); raise `Invalid` otherwise."""
    digits = "".join(nfc(text).replace(".", "").replace(",", "").split())
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 9:
        raise Invalid("report.targets_bad_value")
    value = int(digits)
    if value > TARGET_MAX:
        raise Invalid("report.targets_bad_value")
    return value
