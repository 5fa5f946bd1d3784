"""/nhacnho (/remind): a secretary pushes a reminder now to the branch's members who have introduced nobody
this year, at most once a day per branch. /tatnhac and /batnhac (/mute, /unmute): a member turns the automatic
monthly nudge off or on (a secretary's own reminder still reaches them)."""

from __future__ import annotations

from conversations.engine import Context, OneShotFlow, Turn
from conversations.messages import Reply
from conversations.pushes import push_for
from conversations.roles import secretary_branch
from storage import audit
from storage.branch import members_to_nudge, set_nudges
from storage.calendar import EvaluationCalendar, Period
from storage.outbox import existing_keys

__all__ = ["NudgeSwitchFlow", "RemindFlow"]


class RemindFlow(OneShotFlow):
    name = "remind"

    def __init__(self, calendar: EvaluationCalendar | None = None) -> None:
        self.calendar = calendar or EvaluationCalendar()

    async def start(self, ctx: Context, args: str) -> Turn:
        found = secretary_branch(ctx, args)
        if isinstance(found, str):
            return Turn([ctx.reply(found)])
        unit_id, unit_name = found
        assert ctx.member is not None
        today = ctx.today
        key = f"remind.u{unit_id}.{today.isoformat()}"
        if await existing_keys(ctx.session, prefix=key + ":"):
            return Turn([ctx.reply("remind.already_today")])
        start, end = Period(today.year).bounds(ctx.tz)
        recipients = [r for r in await members_to_nudge(ctx.session, start=start, end=end, unit_id=unit_id,
                                                         respect_opt_out=False)
                      if r.member_id != ctx.member.id]
        if not recipients:
            return Turn([ctx.reply("remind.nobody", unit=unit_name, year=today.year)])
        pushes = [push_for(r, key=key, catalogs=ctx.catalogs, calendar=self.calendar, tz=ctx.tz, now=ctx.now,
                           text_key="remind.push", unit=unit_name, year=today.year) for r in recipients]
        await audit.record(ctx.session, actor_member_id=ctx.member.id, action="branch.reminded",
                           target=f"unit:{unit_id}", at=ctx.now)
        people = len({r.member_id for r in recipients})
        later = pushes[0].not_before > ctx.now
        text = ctx.t.count("remind.queued_morning" if later else "remind.queued", people)
        return Turn([Reply(text)], effects=pushes)


class NudgeSwitchFlow(OneShotFlow):
    """Turn the monthly nudge on or off for the speaking member."""

    def __init__(self, on: bool) -> None:
        self.on = on
        self.name = "unmute" if on else "mute"

    async def start(self, ctx: Context, args: str) -> Turn:
        assert ctx.member is not None and ctx.member.id is not None
        await set_nudges(ctx.session, member_id=ctx.member.id, on=self.on)
        return Turn([ctx.reply("nudge.on" if self.on else "nudge.off")])
