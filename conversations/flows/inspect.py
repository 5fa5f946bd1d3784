"""/kiemtra (/inspect): an inspector (ủy ban kiểm tra) goes through the integrity flags not yet reviewed in
their subtree, newest first, sees one flag's kind, unit, record ids and what the check found (never a young
person's name, phone, ethnicity or religion), and records a conclusion with a note; who and when are kept.

The subtree comes from the inspector's roles loaded for this turn; a flag id pressed or forged outside it is
answered like a flag that does not exist.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from conversations.engine import Answer, Context, DialogData, State, StepFlow, Turn
from conversations.flows.youth_pick import page_choices, picker_payload
from conversations.i18n import period_label
from conversations.messages import Choice, Reply
from conversations.validate import Invalid, parse_text
from storage import audit
from storage.calendar import Period
from storage.integrity import (
    BURST_PER_DAY,
    JUMP_FACTOR,
    JUMP_HISTORY,
    JUMP_MIN,
    MAX_AGE,
    PHONE_RUN,
    FlagKind,
    FlagReview,
    flag_count,
    flag_in_subtree,
    flag_page,
    review_flag,
)
from storage.models import IntegrityFlag, RoleName, Unit

__all__ = ["NOTE_MAX", "PAGE_SIZE", "InspectFlow", "inspector_paths"]

PAGE_SIZE = 8
# The fields of the details the scan job writes, by kind (storage.integrity.scan_*).
_SCANNED: dict[str, set[str]] = {FlagKind.BURST: {"count", "day"}, FlagKind.OVER_AGE: {"age"},
                                  FlagKind.PHONE_RUN: {"count"}, FlagKind.BRANCH_JUMP: {"count", "average"},
                                  FlagKind.EVALUATION_CLAIM: {"members", "stated", "recorded", "period"}}
NOTE_MAX = 500  # integrity_flag.review_note


class Step(enum.StrEnum):
    PICK = "pick"
    OUTCOME = "outcome"
    NOTE = "note"


@dataclass(slots=True)
class InspectData(DialogData):
    """What /kiemtra keeps: the flag picked and, once chosen, the conclusion."""

    flag_id: int
    review: FlagReview | None = None


def inspector_paths(ctx: Context) -> list[str]:
    """Return the paths of the units the speaker inspects (from their roles, never from what was typed)."""
    return [unit.path for role, unit in ctx.roles if role == RoleName.INSPECTOR]


class InspectFlow(StepFlow):
    name = "inspect"

    async def start(self, ctx: Context, args: str) -> Turn:
        return await self._page(ctx, 0)

    def accepts_text(self, step: str) -> bool:
        return step == Step.NOTE

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        if state.step == Step.PICK:
            return await self._picked(ctx, answer)
        data = InspectData.from_json(state.data)
        found = await flag_in_subtree(ctx.session, flag_id=data.flag_id, paths=inspector_paths(ctx))
        if found is None or found[0].review is not None:
            return Turn([ctx.reply("inspect.not_found")])
        if state.step == Step.OUTCOME:
            if answer.choice not in set(FlagReview):
                return Turn([ctx.reply("engine.choose_one")], keep_state=True)
            data.review = FlagReview(str(answer.choice))
            return Turn([ctx.reply("inspect.ask_note", note_max=NOTE_MAX)], self.at(Step.NOTE, data))
        return await self._note(ctx, data, found[0], answer)

    async def _page(self, ctx: Context, page: int) -> Turn:
        paths = inspector_paths(ctx)
        total = await flag_count(ctx.session, paths=paths)
        if total == 0:
            return Turn([ctx.reply("inspect.none")])
        pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
        page = min(max(page, 0), pages - 1)
        rows = await flag_page(ctx.session, paths=paths, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
        choices = [Choice(_label(ctx, flag, unit), f"f{flag.id}") for flag, unit in rows]
        choices += page_choices(ctx, page, pages)
        text = ctx.t("inspect.pick", total=ctx.t.number(total))
        if pages > 1:
            text += "\n" + ctx.t("youth.page_of", page=page + 1, pages=pages)
        return Turn([Reply(text, tuple(choices))], self.at(Step.PICK))

    async def _picked(self, ctx: Context, answer: Answer) -> Turn:
        picked = picker_payload(answer.choice, "pf")
        if picked is None:
            return Turn([ctx.reply("engine.choose_one")], keep_state=True)
        kind, number = picked
        if kind == "p":
            return await self._page(ctx, number)
        found = await flag_in_subtree(ctx.session, flag_id=number, paths=inspector_paths(ctx))
        if found is None or found[0].review is not None:
            return Turn([ctx.reply("inspect.not_found")])
        flag, unit = found
        choices = [ctx.choice(f"inspect.review.{review}", review) for review in FlagReview]
        text = ctx.reply("inspect.detail", details=_details(ctx, flag, unit), choices=choices)
        return Turn([text], self.at(Step.OUTCOME, InspectData(number)))

    async def _note(self, ctx: Context, data: InspectData, flag: IntegrityFlag, answer: Answer) -> Turn:
        assert ctx.member is not None and ctx.member.id is not None and data.review is not None
        try:
            note = parse_text(answer.text or "", limit=NOTE_MAX)
        except Invalid as problem:
            return Turn([ctx.reply(problem.key, **problem.values)], keep_state=True)
        await review_flag(ctx.session, flag=flag, review=data.review, note=note, reviewed_by=ctx.member.id,
                          at=ctx.now)
        await audit.record(ctx.session, actor_member_id=ctx.member.id, action="flag.reviewed",
                           target=f"flag:{flag.id}", at=ctx.now, unit_id=flag.unit_id)
        return Turn([ctx.reply("inspect.saved", id=flag.id, review=ctx.t(f"inspect.review.{data.review}"))])


def _label(ctx: Context, flag: IntegrityFlag, unit: Unit) -> str:
    day = ctx.t.date(flag.created_at.astimezone(ctx.tz).date())
    return ctx.t("inspect.label", id=flag.id, kind=ctx.t(f"inspect.kind.{flag.kind}"), unit=unit.name, day=day)


def _details(ctx: Context, flag: IntegrityFlag, unit: Unit) -> str:
    """Return the lines describing a flag: ids, unit, kind, when, what the check found; no personal data."""
    lines = [
        ctx.t("inspect.line.kind", kind=ctx.t(f"inspect.kind.{flag.kind}"), id=flag.id),
        ctx.t("inspect.line.unit", unit=unit.name, code=unit.code),
        ctx.t("inspect.line.when", day=ctx.t.date(flag.created_at.astimezone(ctx.tz).date())),
    ]
    ids = [ctx.t(f"inspect.record.{name}", id=value) for name, value in
           (("youth", flag.youth_id), ("other", flag.other_youth_id), ("member", flag.member_id)) if value]
    if ids:
        lines.append(ctx.t("inspect.line.records", ids=", ".join(ids)))
    if flag.answer:
        lines.append(ctx.t(f"inspect.line.answer.{flag.answer}"))
    if flag.detail:
        lines.append(_found(ctx, flag.kind, flag.detail))
    return "\n".join(lines)


def _found(ctx: Context, kind: str, detail: str) -> str:
    """Return what a scan found, in the reader's language: its detail is `name=value` pairs joined by ";"
    (a count, a day in ISO form, an age); any other detail is shown as it is."""
    values: dict[str, object] = dict(part.partition("=")[::2] for part in detail.split(";"))
    if kind not in _SCANNED or set(values) != _SCANNED[kind]:
        return ctx.t("inspect.line.detail", detail=detail)
    if "day" in values:
        values["day"] = ctx.t.date(date.fromisoformat(str(values["day"])))
    if "average" in values:
        values["average"] = ctx.t.number(float(str(values["average"])))
    if "period" in values:
        values["period"] = period_label(ctx.t, Period.parse(str(values["period"])))
    return ctx.t(f"inspect.found.{kind}", max_age=MAX_AGE, per_day=BURST_PER_DAY, run=PHONE_RUN,
                 factor=JUMP_FACTOR, halves=JUMP_HISTORY, least=JUMP_MIN, **values)
