"""/cuatoi (/mine): my young people with their status and last update, and my 1+1 result this year.
Secretaries and officers can also page through the young people of the units they oversee."""

from __future__ import annotations

from conversations.engine import Answer, Context, State, StepFlow, Turn
from conversations.flows.youth_fields import local_day
from conversations.flows.youth_pick import PAGE_SIZE, picker_payload, scope_of
from conversations.flows.youth_register import year_bounds
from conversations.messages import Reply
from storage.youth import YouthRow, introduced_count, youth_count, youth_page

__all__ = ["YouthMineFlow"]

MINE, UNITS = "m", "u"


class YouthMineFlow(StepFlow):
    name = "youth_mine"
    _STEP = "browse"

    async def start(self, ctx: Context, args: str) -> Turn:
        return await self._page(ctx, MINE, 0)

    def accepts_text(self, step: str) -> bool:
        return False

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        picked = picker_payload(answer.choice, MINE + UNITS)
        if picked is None:
            return Turn([ctx.reply("engine.choose_one")], keep_state=True)
        return await self._page(ctx, *picked)

    async def _page(self, ctx: Context, which: str, page: int) -> Turn:
        scope = scope_of(ctx)
        mine_only = which == MINE or not scope.unit_paths
        total = await youth_count(ctx.session, scope=scope, mine_only=mine_only)
        pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
        page = min(max(page, 0), pages - 1)
        rows = await youth_page(ctx.session, scope=scope, offset=page * PAGE_SIZE, limit=PAGE_SIZE,
                                mine_only=mine_only)
        parts = [ctx.t("youth.mine_head" if mine_only else "youth.units_head", total=ctx.t.number(total))]
        if not rows:
            parts = [ctx.t("youth.mine_empty" if mine_only else "youth.units_empty")]
        parts += [self._line(ctx, page * PAGE_SIZE + n, row, with_introducer=not mine_only)
                  for n, row in enumerate(rows, 1)]
        if pages > 1:
            parts.append(ctx.t("youth.page_of", page=page + 1, pages=pages))
        if mine_only:
            parts.append("")
            parts.append(await self._goal(ctx))
        key = MINE if mine_only else UNITS
        choices = []
        if page > 0:
            choices.append(ctx.choice("youth.page_prev", f"{key}{page - 1}"))
        if page < pages - 1:
            choices.append(ctx.choice("youth.page_next", f"{key}{page + 1}"))
        if scope.unit_paths:
            choices.append(ctx.choice("youth.show_units" if mine_only else "youth.show_mine",
                                      f"{UNITS if mine_only else MINE}0"))
        reply = Reply("\n".join(parts), tuple(choices))
        return Turn([reply], self.at(self._STEP) if choices else None)

    def _line(self, ctx: Context, number: int, row: YouthRow, *, with_introducer: bool) -> str:
        introduced = local_day(ctx, row.introduced_at)
        updated = max(introduced, row.last_event) if row.last_event else introduced
        line = ctx.t("youth.mine_line", number=number, name=row.full_name, year=row.birth_year,
                     status=ctx.t(f"youth.status.{row.status}"), date=ctx.t.date(updated))
        if with_introducer:
            line += ctx.t("youth.by_line", member=row.introduced_by)
        return line

    async def _goal(self, ctx: Context) -> str:
        assert ctx.member is not None and ctx.member.id is not None
        since, until = year_bounds(ctx)
        count = await introduced_count(ctx.session, member_id=ctx.member.id, since=since, until=until)
        if count:
            return ctx.t("youth.goal_done", year=since.year, count=ctx.t.number(count))
        return ctx.t("youth.goal_missing", year=since.year)


