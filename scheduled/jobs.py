"""Reconcile jobs. Each run works out from the calendar and the database what is due *today* and enqueues it
under a dedupe key; it remembers nothing itself. A run after downtime catches up (what is still due is still
found), and two runs at once or the same run twice insert nothing twice (the key is unique).

Keys (one message per recipient chat, `:channel:chat` appended):
    eval.<period>.s<step>.u<branch>      step 0 = the prompt, step n = the reminder n intervals after it
    eval.<period>.late.u<unit>           escalation to the officers above the late branches
    nudge.<yyyy-mm>                      the monthly nudge to a member without an introduction this year
    annual.<year>.s<step>.u<unit>        reminder to Đoàn cơ sở officers before the annual report (15/10)

Each push also says what it is about (`about` in its payload: the branch, the period, the listed branches...),
so that the sender can check it is still true before it goes out (`scheduled.pushes.recheck`): a reminder
queued before the branch submitted is dropped, not sent.

`housekeeping` enqueues nothing: it forgets processed update ids and abandoned dialogs once they are old.
`retention` enqueues nothing either: it anonymises the young people whose record nobody wrote for the retention
period (their rows stay for the reports; storage.privacy). `fold_rollups`, every two seconds, counts the new rows
in the report rollups and folds their pending rows (storage/rollups.py); `vacuum_rollups` vacuums the pending
tables when they have grown, which only happens where PostgreSQL's autovacuum is off or behind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.i18n import Catalogs
from conversations.pushes import branch_list, push_for
from storage import audit
from storage.branch import Recipient, members_to_nudge
from storage.calendar import EvaluationCalendar, Period
from storage.dialog_state import forget_conversations_expired_before
from storage.evaluations import LateBranch, branch_secretaries, late_branches, officers_on
from storage.integrity import (
    scan_branch_jumps,
    scan_bursts,
    scan_evaluation_claims,
    scan_over_age,
    scan_phone_runs,
)
from storage.models import UnitKind
from storage.outbox import Push, enqueue_many, enqueued_at
from storage.privacy import anonymise_youth, retention_cutoff, youth_due_for_anonymising
from storage.rollups import fold_pending, vacuum_pending
from storage.units import ancestor_ids
from storage.updates import forget_updates_before

__all__ = [
    "Job",
    "JobContext",
    "annual_reminders",
    "escalations",
    "evaluation_prompts",
    "fold_rollups",
    "housekeeping",
    "integrity_scan",
    "monthly_nudges",
    "retention",
    "vacuum_rollups",
]

# Far longer than any platform redelivers an update, and than anyone would come back to a dropped dialog.
KEEP_UPDATE_IDS = timedelta(days=7)
KEEP_EXPIRED_DIALOGS = timedelta(days=1)
# Young people's records anonymised per retention run: a first run over years of records spreads over nights.
RETENTION_BATCH = 5000
# How far back each integrity scan looks: a run after a week of downtime still finds what it missed.
SCAN_BACK = timedelta(days=8)


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a job run may use: its own transaction, the run's instant, the calendar and the texts."""

    session: AsyncSession
    now: datetime
    calendar: EvaluationCalendar
    tz: ZoneInfo
    catalogs: Catalogs

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def push(self, recipient: Recipient, key: str, text_key: str, *, about: dict[str, Any], **values: object) -> Push:
        return push_for(recipient, key=key, catalogs=self.catalogs, calendar=self.calendar, tz=self.tz,
                        now=self.now, text_key=text_key, about=about, **values)

    async def enqueue(self, pushes: list[Push]) -> dict[str, int]:
        inserted = await enqueue_many(self.session, pushes=pushes, now=self.now)
        return {"due": len(pushes), "enqueued": inserted}


Job = Callable[[JobContext], Awaitable[dict[str, int]]]


async def evaluation_prompts(ctx: JobContext) -> dict[str, int]:
    """Prompt the secretaries of branches that have not submitted, then remind them every few days.

    The prompt goes out when the window opens, or at the first run after it (downtime); reminder n is due n
    intervals after that secretary's prompt, so reminders keep their spacing after a late prompt.
    """
    period = ctx.calendar.evaluation_period(ctx.today)
    if period is None:
        return {"due": 0, "enqueued": 0}
    deadline = ctx.calendar.deadline(period)
    values = {"period": period, "deadline": deadline, "days_left": (deadline - ctx.today).days}
    pending = await branch_secretaries(ctx.session, period=period.code)
    prompts = [ctx.push(r, f"eval.{period}.s0.u{branch}", "evaluation.push_prompt",
                        about={"unit_id": branch, "period": period.code}, branch=name, **values)
               for branch, name, r in pending]
    prompted = await enqueued_at(ctx.session, keys=[p.dedupe_key for p in prompts])
    pushes = []
    for prompt, (branch, name, recipient) in zip(prompts, pending, strict=True):
        at = prompted.get(prompt.dedupe_key)
        step = 0 if at is None else (ctx.today - at.astimezone(ctx.tz).date()).days // ctx.calendar.reminder_every_days
        if at is None:
            pushes.append(prompt)
        elif step > 0:
            pushes.append(ctx.push(recipient, f"eval.{period}.s{step}.u{branch}", "evaluation.push_reminder",
                                   about={"unit_id": branch, "period": period.code}, branch=name, **values))
    return await ctx.enqueue(pushes)


async def escalations(ctx: JobContext) -> dict[str, int]:
    """Tell the officers above each late branch (the nearest unit up that has officers) which branches are late."""
    period = ctx.calendar.escalation_period(ctx.today)
    if period is None:
        return {"due": 0, "enqueued": 0, "late": 0}
    deadline = ctx.calendar.deadline(period)
    late = await late_branches(ctx.session, period=period.code, deadline_end=ctx.calendar.deadline_end(period, ctx.tz))
    above = {unit for branch in late for unit in ancestor_ids(branch.path)[:-1]}
    officers: dict[int, list[Recipient]] = defaultdict(list)
    for unit_id, recipient in await officers_on(ctx.session, unit_ids=sorted(above)):
        officers[unit_id].append(recipient)
    by_unit: dict[int, list[LateBranch]] = defaultdict(list)
    for branch in late:
        nearest = next((u for u in reversed(ancestor_ids(branch.path)[:-1]) if officers.get(u)), None)
        if nearest is not None:
            by_unit[nearest].append(branch)
    pushes = [
        ctx.push(recipient, f"eval.{period}.late.u{unit_id}", "evaluation.push_escalation",
                 about={"unit_id": unit_id, "period": period.code, "branches": [[b.unit_id, b.name] for b in branches]},
                 period=period, deadline=deadline, count=len(branches), branches=branch_list(b.name for b in branches))
        for unit_id, branches in by_unit.items()
        for recipient in officers[unit_id]
    ]
    return {**await ctx.enqueue(pushes), "late": len(late)}


async def monthly_nudges(ctx: JobContext) -> dict[str, int]:
    """From the nudge day of each month, nudge members who introduced nobody this year (unless they opted out)."""
    today = ctx.today
    if today.day < ctx.calendar.nudge_day_of_month:
        return {"due": 0, "enqueued": 0}
    start, end = Period(today.year).bounds(ctx.tz)
    recipients = await members_to_nudge(ctx.session, start=start, end=end)
    pushes = [ctx.push(r, f"nudge.{today:%Y-%m}", "evaluation.push_nudge", about={}, year=today.year)
              for r in recipients]
    return await ctx.enqueue(pushes)


async def annual_reminders(ctx: JobContext) -> dict[str, int]:
    """Remind Đoàn cơ sở officers, every few days in the fortnight before 15/10, of the annual report."""
    today, calendar = ctx.today, ctx.calendar
    deadline = calendar.annual_deadline(today.year)
    days_before = (deadline - today).days
    if not 0 <= days_before <= calendar.annual_reminder_days_before:
        return {"due": 0, "enqueued": 0}
    step = (calendar.annual_reminder_days_before - days_before) // calendar.reminder_every_days
    until = calendar.annual_deadline_end(today.year, ctx.tz).isoformat()
    pushes = [
        ctx.push(r, f"annual.{today.year}.s{step}.u{unit_id}", "evaluation.push_annual",
                 about={"unit_id": unit_id, "until": until}, year=today.year, deadline=deadline,
                 days_left=days_before)
        for unit_id, r in await officers_on(ctx.session, kind=UnitKind.GRASSROOTS)
    ]
    return await ctx.enqueue(pushes)


async def housekeeping(ctx: JobContext) -> dict[str, int]:
    """Forget update ids older than a week and dialogs that expired more than a day ago."""
    updates = await forget_updates_before(ctx.session, before=ctx.now - KEEP_UPDATE_IDS)
    dialogs = await forget_conversations_expired_before(ctx.session, before=ctx.now - KEEP_EXPIRED_DIALOGS)
    return {"update_ids": updates, "dialogs": dialogs}


async def retention(ctx: JobContext, *, years: int) -> dict[str, int]:
    """Anonymise the young people whose record was last written more than `years` years ago."""
    due = await youth_due_for_anonymising(ctx.session, before=retention_cutoff(ctx.now, years=years),
                                          limit=RETENTION_BATCH)
    done = 0
    for youth_id, unit_id in due:
        if await anonymise_youth(ctx.session, youth_id=youth_id, at=ctx.now):
            await audit.record(ctx.session, actor_member_id=None, action="privacy.retention_anonymised",
                               target=f"youth:{youth_id}", at=ctx.now, unit_id=unit_id)
            done += 1
    return {"due": len(due), "anonymised": done}


async def fold_rollups(ctx: JobContext) -> dict[str, int]:
    """Count the young people and events not counted yet and fold the pending report rollup rows into the base
    tables (storage/rollups.py): reports are exact either way, this keeps both few so that reading them stays
    cheap."""
    return {"folded": await fold_pending(ctx.session)}


async def vacuum_rollups(ctx: JobContext) -> dict[str, int]:
    """Vacuum the pending rollup tables grown past a megabyte of dead rows (PostgreSQL; storage/rollups.py)."""
    return {"vacuumed": await vacuum_pending(ctx.session)}


async def integrity_scan(ctx: JobContext) -> dict[str, int]:
    """Raise the integrity flags found in the last SCAN_BACK: bursts of registrations by one member in a day,
    young people over the age limit at registration, runs of phone numbers in a branch, a branch's half-year
    jumping far above its history, evaluations stating fulfilments the data does not show (storage.integrity
    for the thresholds). A finding already
    flagged is skipped by its dedupe key, so a second run adds nothing."""
    since = ctx.now - SCAN_BACK
    return {"bursts": await scan_bursts(ctx.session, since=since, now=ctx.now, tz=ctx.tz),
            "over_age": await scan_over_age(ctx.session, since=since, now=ctx.now, tz=ctx.tz),
            "phone_runs": await scan_phone_runs(ctx.session, since=since, now=ctx.now),
            "branch_jumps": await scan_branch_jumps(ctx.session, now=ctx.now, tz=ctx.tz),
            "evaluation_claims": await scan_evaluation_claims(ctx.session, since=since, now=ctx.now, tz=ctx.tz)}
