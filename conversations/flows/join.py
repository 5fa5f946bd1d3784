"""/batdau CODE (/start): join a branch with an invite code, or take the role an officer invite grants."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from conversations.engine import Answer, Context, DialogData, StaleData, State, StepFlow, Turn
from conversations.messages import Reply
from conversations.throttle import Limit, blocked_until, minutes_left
from conversations.validate import Invalid, parse_birth_year, parse_full_name, parse_invite_code
from storage import audit
from storage.identities import ensure_identity, link_member
from storage.invites import consume_invite, invite_by_code
from storage.members import add_member, grant_role, roles_over_unit
from storage.models import Invite, RoleName, Unit
from storage.units import unit_by_id

__all__ = ["WRONG_CODE_LIMITS", "JoinFlow"]

MIN_AGE, MAX_AGE = 14, 60
# Codes are 8 characters of 31: guessing one is hopeless at this pace, and a mistyped code costs a minute.
WRONG_CODE_LIMITS = (Limit(5, timedelta(minutes=15)), Limit(20, timedelta(days=1)))
_WRONG_CODE = "invite.wrong_code"


class Step(enum.StrEnum):
    CODE = "code"
    NAME = "name"
    BIRTH_YEAR = "birth_year"
    CONFIRM = "confirm"
    CONFIRM_ROLE = "confirm_role"


class Pick(enum.StrEnum):
    YES = "yes"
    EDIT_NAME = "edit_name"
    EDIT_YEAR = "edit_year"
    CANCEL = "cancel"


@dataclass(slots=True)
class JoinData(DialogData):
    """What /batdau keeps: the invite code checked, its unit's name and the role it grants; then, for a new
    member, the name and birth year as they are answered."""

    code: str
    unit: str
    role: RoleName
    full_name: str | None = None
    birth_year: int | None = None


class JoinFlow(StepFlow):
    name = "join"

    async def start(self, ctx: Context, args: str) -> Turn:
        if not args:
            if ctx.member is not None:
                return Turn([await _already_member(ctx)])
            return Turn([ctx.reply("join.ask_code")], self.at(Step.CODE))
        return await self._check_code(ctx, args)

    def accepts_text(self, step: str) -> bool:
        return step not in (Step.CONFIRM, Step.CONFIRM_ROLE)

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        text = answer.text or ""
        if state.step == Step.CODE:
            return await self._check_code(ctx, text)
        data = JoinData.from_json(state.data)
        match Step(state.step):
            case Step.NAME:
                try:
                    data.full_name = parse_full_name(text)
                except Invalid as error:
                    return Turn([ctx.reply(error.key, **error.values)], self.at(Step.NAME, data))
                if data.birth_year is not None:
                    return await self._summary(ctx, data)
                return Turn([ctx.reply("join.ask_birth_year")], self.at(Step.BIRTH_YEAR, data))
            case Step.BIRTH_YEAR:
                try:
                    data.birth_year = parse_birth_year(
                        text, this_year=ctx.today_year, min_age=MIN_AGE, max_age=MAX_AGE)
                except Invalid as error:
                    return Turn([ctx.reply(error.key, **error.values)], self.at(Step.BIRTH_YEAR, data))
                return await self._summary(ctx, data)
            case Step.CONFIRM:
                return await self._confirm(ctx, data, Pick(str(answer.choice)))
            case Step.CONFIRM_ROLE:
                if answer.choice != Pick.YES:
                    return Turn([ctx.reply("cancel.done")])
                return await self._take_role(ctx, data)
        raise AssertionError(state.step)


    async def _check_code(self, ctx: Context, raw: str) -> Turn:
        try:
            code = parse_invite_code(raw)
        except Invalid as error:
            return Turn([ctx.reply(error.key)], self.at(Step.CODE))
        wait = await _wait(ctx)
        if wait is not None:
            return Turn([wait])
        invite = await invite_by_code(ctx.session, code=code)
        if invite is None or _invite_problem(ctx, invite) is not None:
            return await _wrong_code(ctx, self.at(Step.CODE))
        unit = await unit_by_id(ctx.session, unit_id=invite.unit_id)
        assert unit is not None  # unit_id is a foreign key
        data = JoinData(code, unit.name, RoleName(invite.role))
        if ctx.member is not None:
            if invite.role == RoleName.MEMBER:
                return Turn([await _already_member(ctx)])
            if await _holds(ctx, invite.role, unit):
                return Turn([ctx.reply("join.role_already", role=ctx.t(f"role.{invite.role}"), unit=unit.name)])
            choices = [ctx.choice("join.pick_take_role", Pick.YES), ctx.choice("join.pick_cancel", Pick.CANCEL)]
            text = ctx.reply("join.ask_take_role", role=ctx.t(f"role.{invite.role}"), unit=unit.name,
                             choices=choices)
            return Turn([text], self.at(Step.CONFIRM_ROLE, data))
        welcome = ctx.reply("join.welcome", unit=unit.name, role=ctx.t(f"role.{invite.role}"))
        return Turn([welcome, ctx.reply("join.ask_name")], self.at(Step.NAME, data))

    async def _summary(self, ctx: Context, data: JoinData) -> Turn:
        choices = [
            ctx.choice("join.pick_yes", Pick.YES),
            ctx.choice("join.pick_edit_name", Pick.EDIT_NAME),
            ctx.choice("join.pick_edit_year", Pick.EDIT_YEAR),
            ctx.choice("join.pick_cancel", Pick.CANCEL),
        ]
        summary = ctx.reply("join.summary", name=data.full_name, year=data.birth_year, unit=data.unit,
                            role=ctx.t(f"role.{data.role}"), choices=choices)
        return Turn([summary], self.at(Step.CONFIRM, data))

    async def _confirm(self, ctx: Context, data: JoinData, pick: Pick) -> Turn:
        match pick:
            case Pick.EDIT_NAME:
                return Turn([ctx.reply("join.ask_name")], self.at(Step.NAME, data))
            case Pick.EDIT_YEAR:
                return Turn([ctx.reply("join.ask_birth_year")], self.at(Step.BIRTH_YEAR, data))
            case Pick.CANCEL:
                return Turn([ctx.reply("cancel.done")])
        full_name, birth_year = data.full_name, data.birth_year
        if full_name is None or birth_year is None:
            raise StaleData("joining confirmed before the name and birth year")
        invite = await _claim(ctx, data.code)
        if isinstance(invite, str):
            return Turn([ctx.reply(invite)])
        inbound = ctx.inbound
        member = await add_member(ctx.session, full_name=full_name, birth_year=birth_year,
                                  unit_id=invite.unit_id, joined_at=ctx.now)
        assert member.id is not None
        await link_member(ctx.session, channel=inbound.channel, external_id=inbound.user_id,
                          chat_id=inbound.chat_id, member_id=member.id, now=ctx.now)
        if invite.role != RoleName.MEMBER:
            await grant_role(ctx.session, member_id=member.id, role=invite.role, unit_id=invite.unit_id)
        await audit.record(ctx.session, actor_member_id=member.id, action="member.joined",
                           target=f"invite:{invite.id}", at=ctx.now)
        return Turn([ctx.reply("join.done", name=member.full_name, unit=data.unit)])

    async def _take_role(self, ctx: Context, data: JoinData) -> Turn:
        found = await invite_by_code(ctx.session, code=data.code)
        unit = await unit_by_id(ctx.session, unit_id=found.unit_id) if found is not None else None
        if found is not None and unit is not None and await _holds(ctx, found.role, unit):
            return Turn([ctx.reply("join.role_already", role=ctx.t(f"role.{found.role}"), unit=unit.name)])
        invite = await _claim(ctx, data.code)
        if isinstance(invite, str):
            return Turn([ctx.reply(invite)])
        assert ctx.member is not None and ctx.member.id is not None
        await grant_role(ctx.session, member_id=ctx.member.id, role=invite.role, unit_id=invite.unit_id)
        await audit.record(ctx.session, actor_member_id=ctx.member.id, action="role.granted",
                           target=f"invite:{invite.id}", at=ctx.now)
        return Turn([ctx.reply("join.role_done", role=ctx.t(f"role.{invite.role}"), unit=data.unit)])


def _invite_problem(ctx: Context, invite: Invite | None) -> str | None:
    """Return why `invite` cannot be used now, or None when it can. People are only ever told
    "join.code_invalid": saying "expired" or "used up" would confirm to a guesser that a code exists."""
    if invite is None:
        return "unknown"
    if invite.expires_at <= ctx.now:
        return "expired"
    if invite.uses >= invite.max_uses:
        return "used_up"
    return None


async def _claim(ctx: Context, code: str) -> Invite | str:
    """Use the invite once, atomically; return it, or the key of the answer when it no longer can be used."""
    if await consume_invite(ctx.session, code=code, now=ctx.now):
        invite = await invite_by_code(ctx.session, code=code)
        assert invite is not None
        return invite
    return "join.code_invalid"


async def _holds(ctx: Context, role: str, unit: Unit) -> bool:
    """Tell whether the member already holds `role` over `unit` (on it, or on a unit above it)."""
    assert ctx.member is not None and ctx.member.id is not None
    return role in await roles_over_unit(ctx.session, member_id=ctx.member.id, unit=unit)


async def _failures(ctx: Context) -> list[datetime]:
    if ctx.identity is None or ctx.identity.id is None:
        return []
    longest = max(limit.window for limit in WRONG_CODE_LIMITS)
    return list(await audit.times_of(ctx.session, action=_WRONG_CODE, target=f"identity:{ctx.identity.id}",
                                      since=ctx.now - longest))


async def _wait(ctx: Context) -> Reply | None:
    """Return the answer for someone who must wait after too many wrong codes, or None."""
    until = blocked_until(await _failures(ctx), WRONG_CODE_LIMITS, now=ctx.now)
    return None if until is None else ctx.reply("join.code_wait", minutes=minutes_left(until, now=ctx.now))


async def _wrong_code(ctx: Context, retry: State) -> Turn:
    """Record a wrong code against this chat identity and answer it; the limit reached ends the dialog."""
    inbound = ctx.inbound
    identity = ctx.identity or await ensure_identity(
        ctx.session, channel=inbound.channel, external_id=inbound.user_id, chat_id=inbound.chat_id, now=ctx.now)
    ctx.identity = identity
    await audit.record(ctx.session, actor_member_id=ctx.member.id if ctx.member else None, action=_WRONG_CODE,
                       target=f"identity:{identity.id}", at=ctx.now)
    wait = await _wait(ctx)
    if wait is not None:
        return Turn([ctx.reply("join.code_invalid"), wait])
    return Turn([ctx.reply("join.code_invalid")], retry)


async def _already_member(ctx: Context) -> Reply:
    assert ctx.member is not None
    unit = await unit_by_id(ctx.session, unit_id=ctx.member.unit_id)
    return ctx.reply("join.already_member", name=ctx.member.full_name, unit=unit.name if unit else "")
