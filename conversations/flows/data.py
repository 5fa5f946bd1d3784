"""/dulieu (/data): everything held on one young person, as a message and as a JSON file to hand over;
/rutdongy (/withdraw): the young person (or, under 16, their parent or guardian) withdrew their consent, so
their personal data is erased and only the anonymous counts stay.

Both are for the member who introduced the young person and the secretary of their branch (a secretary's role
applies to their unit's subtree), nobody else: an officer sees aggregates, never a person's file. Both start
from a paged picker of that scope, check it again on every step, and write an audit line. Correcting goes
through /sua, deleting a record made by mistake through /xoa.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from conversations.engine import Answer, Context, DialogData, State, StepFlow, Turn
from conversations.flows.youth_fields import YouthOptions, sees_sensitive, summary_lines, youth_values
from conversations.flows.youth_pick import PAGE_SIZE, page_choices, picker_payload
from conversations.messages import Attachment, Choice, Reply
from storage import audit
from storage.models import RoleName, Youth
from storage.privacy import anonymise_youth, events_of, history_of, member_names
from storage.units import unit_by_id
from storage.youth import Scope, youth_count, youth_in_scope, youth_page

__all__ = ["JSON", "DataExportFlow", "WithdrawConsentFlow", "data_scope", "json_file", "youth_record"]

JSON = "application/json"


class Step(enum.StrEnum):
    PICK = "pick"
    CONFIRM = "confirm"


class Pick(enum.StrEnum):
    YES = "yes"
    NO = "no"


@dataclass(slots=True)
class WithdrawData(DialogData):
    """What /rutdongy keeps: the young person picked."""

    youth_id: int


def data_scope(ctx: Context) -> Scope:
    """Return whose data the speaker may hand over or erase: those they introduced, and those of the branches
    where they are secretary."""
    assert ctx.member is not None and ctx.member.id is not None  # the commands are members_only
    return Scope(ctx.member.id, tuple(unit.path for role, unit in ctx.roles if role == RoleName.SECRETARY))


async def _picker(ctx: Context, state: State, page: int, prompt: str) -> Turn:
    scope = data_scope(ctx)
    total = await youth_count(ctx.session, scope=scope)
    if total == 0:
        officer = not scope.unit_paths and any(role == RoleName.OFFICER for role, _ in ctx.roles)
        return Turn([ctx.reply("privacy.officer_no_files" if officer else "youth.none_yet")])
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    rows = await youth_page(ctx.session, scope=scope, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    choices = [Choice(ctx.t("youth.pick_label", name=row.full_name, year=row.birth_year), f"y{row.id}")
               for row in rows]
    text = ctx.t(prompt, total=ctx.t.number(total))
    if pages > 1:
        text += "\n" + ctx.t("youth.page_of", page=page + 1, pages=pages)
    return Turn([Reply(text, (*choices, *page_choices(ctx, page, pages)))], state)


async def _picked(ctx: Context, state: State, answer: Answer, prompt: str) -> Youth | Turn:
    """Return the young person picked, read again within the speaker's scope, or the turn to answer with
    (another page, or "not found" for a record gone or out of scope: the same answer either way)."""
    picked = picker_payload(answer.choice, "py")
    if picked is None:
        return Turn([ctx.reply("engine.choose_one")], keep_state=True)
    kind, number = picked
    if kind == "p":
        return await _picker(ctx, state, number, prompt)
    youth = await youth_in_scope(ctx.session, youth_id=number, scope=data_scope(ctx), for_update=True)
    return youth if youth is not None else Turn([ctx.reply("youth.not_found")])


class DataExportFlow(StepFlow):
    name = "privacy_export"
    _PROMPT = "privacy.export_pick"

    def __init__(self, groups: Sequence[str]) -> None:
        self._options = YouthOptions.load(groups)

    async def start(self, ctx: Context, args: str) -> Turn:
        return await _picker(ctx, self.at(Step.PICK), 0, self._PROMPT)

    def accepts_text(self, step: str) -> bool:
        return False

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        youth = await _picked(ctx, state, answer, self._PROMPT)
        if isinstance(youth, Turn):
            return youth
        assert ctx.member is not None and youth.id is not None
        held = await youth_record(ctx, youth)
        await audit.record(ctx.session, actor_member_id=ctx.member.id, action="privacy.exported",
                           target=f"youth:{youth.id}", at=ctx.now, unit_id=youth.unit_id)
        hide = not sees_sensitive(ctx, youth)
        lines = summary_lines(ctx, youth_values(youth), self._options, hide_sensitive=hide)
        gone = ctx.t("privacy.member_left")
        events = "\n".join(ctx.t("privacy.event_line", date=ctx.t.date(event["on_date"]),
                                 event=ctx.t(f"youth.event.{event['kind']}"), who=event["recorded_by"] or gone)
                           for event in held["participation"]) or ctx.t("privacy.no_events")
        text = ctx.t("privacy.export", name=youth.full_name, lines=lines,
                     status=ctx.t(f"youth.status.{youth.status}"), introducer=held["introduced_by"] or gone,
                     since=ctx.t.date(youth.introduced_at.astimezone(ctx.tz).date()), events=events)
        file = json_file(f"du-lieu-thanh-nien-{youth.id}.json", held)
        return Turn([Reply(text), Reply(ctx.t("privacy.export_file"), attachment=file)])


async def youth_record(ctx: Context, youth: Youth) -> dict[str, Any]:
    """Return everything held on a young person, named for a reader: fields, consent, participation events
    with who recorded them, who wrote the record, and the audit log's lines about it (ethnicity and religion
    only for those who see them)."""
    assert youth.id is not None
    unit = await unit_by_id(ctx.session, unit_id=youth.unit_id)
    who = [youth.introduced_by] + ([youth.recorded_by] if youth.recorded_by is not None else [])
    # A member who left with their data erased has a blank name: None here, "a member who left" to a reader.
    names = {member_id: name or None for member_id, name in (await member_names(ctx.session, member_ids=who)).items()}
    shown = sees_sensitive(ctx, youth)
    return {
        "id": youth.id,
        "full_name": youth.full_name,
        "birth_year": youth.birth_year,
        "gender": youth.gender,
        "phone": youth.phone,
        "group": youth.group_code,
        "introduced_to": youth.introduced_to,
        "ethnicity": youth.ethnicity if shown else None,
        "religion": youth.religion if shown else None,
        "notes": youth.notes,
        "status": youth.status,
        "status_at": youth.status_at.isoformat(),
        "branch": {"code": unit.code, "name": unit.name} if unit is not None else None,
        "introduced_by": names.get(youth.introduced_by),
        "recorded_by": names.get(youth.recorded_by) if youth.recorded_by is not None else None,
        "introduced_at": youth.introduced_at.isoformat(),
        "consent_at": youth.consent_at.isoformat(),
        "consent_by": youth.consent_by,
        "updated_at": youth.updated_at.isoformat() if youth.updated_at is not None else None,
        "participation": [
            {"kind": event.kind, "on_date": event.on_date, "activity": event.activity,
             "decision_no": event.decision_no, "note": event.note, "recorded_by": event.recorded_by or None,
             "recorded_at": event.recorded_at.isoformat()}
            for event in await events_of(ctx.session, youth_id=youth.id)
        ],
        "history": [{"action": action, "by": name or None, "at": at.isoformat()}
                    for action, name, at in await history_of(ctx.session, target=f"youth:{youth.id}")],
    }


def json_file(filename: str, held: dict[str, Any]) -> Attachment:
    """Return `held` as a JSON file to hand over (UTF-8, Vietnamese letters as they are, dates as ISO)."""
    return Attachment(filename, json.dumps(held, ensure_ascii=False, indent=2, default=str).encode(), JSON)


class WithdrawConsentFlow(StepFlow):
    name = "privacy_withdraw"
    _PROMPT = "privacy.withdraw_pick"

    async def start(self, ctx: Context, args: str) -> Turn:
        return await _picker(ctx, self.at(Step.PICK), 0, self._PROMPT)

    def accepts_text(self, step: str) -> bool:
        return False

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        if state.step == Step.PICK:
            youth = await _picked(ctx, state, answer, self._PROMPT)
            if isinstance(youth, Turn):
                return youth
            assert youth.id is not None
            choices = [ctx.choice("privacy.withdraw_yes", Pick.YES), ctx.choice("privacy.withdraw_no", Pick.NO)]
            question = ctx.reply("privacy.withdraw_confirm", name=youth.full_name, year=youth.birth_year,
                                 choices=choices)
            return Turn([question], self.at(Step.CONFIRM, WithdrawData(youth.id)))
        if answer.choice != Pick.YES:
            return Turn([ctx.reply("cancel.done")])
        return await self._withdraw(ctx, WithdrawData.from_json(state.data).youth_id)

    async def _withdraw(self, ctx: Context, youth_id: int) -> Turn:
        assert ctx.member is not None
        youth = await youth_in_scope(ctx.session, youth_id=youth_id, scope=data_scope(ctx), for_update=True)
        if youth is None:
            return Turn([ctx.reply("youth.not_found")])
        name = youth.full_name
        await anonymise_youth(ctx.session, youth_id=youth_id, at=ctx.now)
        await audit.record(ctx.session, actor_member_id=ctx.member.id, action="privacy.consent_withdrawn",
                           target=f"youth:{youth_id}", at=ctx.now, unit_id=youth.unit_id)
        return Turn([ctx.reply("privacy.withdrawn", name=name)])
