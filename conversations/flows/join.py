"""/batdau CODE (/start): join a branch with an invite code, or take the role an officer invite grants.

With a branch's invite (its unit has no unit under it) the person is looked for on the branch's roster: by
name and birth year, then by phone among the rows with their name; a row found and confirmed is theirs from
then on (never a second person's). Someone not found may join "chưa có trong danh sách": they use the bot at
once, are not counted until the branch's secretary confirms them in /chidoan, and the secretaries are told.
With an invite of a unit above the branches, the person's record is an officer's (STAFF): never counted.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from conversations.engine import Answer, Context, DialogData, StaleData, State, StepFlow, Turn
from conversations.messages import Reply
from conversations.pushes import push_for
from conversations.throttle import Limit, blocked_until, minutes_left
from conversations.validate import Invalid, parse_birth_year, parse_full_name, parse_invite_code, parse_phone
from storage import audit
from storage.branch import secretary_chats
from storage.calendar import EvaluationCalendar
from storage.identities import ensure_identity, link_member, lock_unclaimed_member
from storage.invites import consume_invite, invite_by_code
from storage.members import RosterCandidate, add_member, grant_role, person_key, roles_over_unit, roster_candidates
from storage.models import Invite, Member, MemberStatus, RoleName, Unit
from storage.outbox import Push
from storage.units import has_child_units, unit_by_id

__all__ = ["WRONG_CODE_LIMITS", "JoinFlow"]

MIN_AGE, MAX_AGE = 14, 60
# Codes are 8 characters of 31: guessing one is hopeless at this pace, and a mistyped code costs a minute.
WRONG_CODE_LIMITS = (Limit(5, timedelta(minutes=15)), Limit(20, timedelta(days=1)))
_WRONG_CODE = "invite.wrong_code"


class Step(enum.StrEnum):
    CODE = "code"
    NAME = "name"
    BIRTH_YEAR = "birth_year"
    CONFIRM = "confirm"  # an officer's details, before their record is made
    CONFIRM_ROLE = "confirm_role"
    IS_YOU = "is_you"  # "is this roster row you?"
    PHONE = "phone"
    NOT_LISTED = "not_listed"  # not found on the roster: join as not listed, or correct the details


class Pick(enum.StrEnum):
    YES = "yes"
    EDIT_NAME = "edit_name"
    EDIT_YEAR = "edit_year"
    CANCEL = "cancel"
    NOT_ME = "not_me"
    SKIP = "skip"
    UNLISTED = "unlisted"


@dataclass(slots=True)
class JoinData(DialogData):
    """What /batdau keeps: the invite code checked, its unit (name, id, and whether its roster is looked up:
    a branch's invite) and the role it grants; then the name, birth year and phone as they are answered, and
    the roster row offered to them."""

    code: str
    unit: str
    role: RoleName
    unit_id: int
    roster: bool
    full_name: str | None = None
    birth_year: int | None = None
    phone: str | None = None
    member_id: int | None = None


class JoinFlow(StepFlow):
    name = "join"

    def __init__(self, calendar: EvaluationCalendar | None = None) -> None:
        self.calendar = calendar or EvaluationCalendar()

    async def start(self, ctx: Context, args: str) -> Turn:
        if not args:
            if ctx.member is not None:
                return Turn([await _already_member(ctx)])
            return Turn([ctx.reply("join.ask_code")], self.at(Step.CODE))
        return await self._check_code(ctx, args)

    def accepts_text(self, step: str) -> bool:
        return step not in (Step.CONFIRM, Step.CONFIRM_ROLE, Step.IS_YOU, Step.NOT_LISTED)

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
                    return await self._details_given(ctx, data)
                return Turn([ctx.reply("join.ask_birth_year")], self.at(Step.BIRTH_YEAR, data))
            case Step.BIRTH_YEAR:
                try:
                    data.birth_year = parse_birth_year(
                        text, this_year=ctx.today_year, min_age=MIN_AGE, max_age=MAX_AGE)
                except Invalid as error:
                    return Turn([ctx.reply(error.key, **error.values)], self.at(Step.BIRTH_YEAR, data))
                return await self._details_given(ctx, data)
            case Step.CONFIRM | Step.NOT_LISTED:
                return await self._confirm(ctx, data, Pick(str(answer.choice)))
            case Step.CONFIRM_ROLE:
                if answer.choice != Pick.YES:
                    return Turn([ctx.reply("cancel.done")])
                return await self._take_role(ctx, data)
            case Step.IS_YOU:
                return await self._is_you(ctx, data, Pick(str(answer.choice)))
            case Step.PHONE:
                return await self._phone(ctx, data, answer)
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
        assert unit is not None and unit.id is not None  # unit_id is a foreign key
        roster = not await has_child_units(ctx.session, unit_id=unit.id)
        data = JoinData(code, unit.name, RoleName(invite.role), unit.id, roster)
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

    async def _details_given(self, ctx: Context, data: JoinData) -> Turn:
        """Go on once the name and birth year are known: to the roster of a branch, or to an officer's summary."""
        if not data.roster:
            return await self._summary(ctx, data)
        name, year = _details(data)
        data.phone, data.member_id = None, None
        found = await roster_candidates(ctx.session, unit_id=data.unit_id, name_key=person_key(name),
                                        birth_year=year)
        free = [row for row in found if not row.linked]
        if len(free) == 1:
            return self._ask_is_you(ctx, data, free[0])
        return self._ask_phone(ctx, data, "join.ask_phone_several" if free else "join.ask_phone_not_found")

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

    def _ask_is_you(self, ctx: Context, data: JoinData, row: RosterCandidate) -> Turn:
        data.member_id = row.member_id
        choices = [ctx.choice("join.pick_its_me", Pick.YES), ctx.choice("join.pick_not_me", Pick.NOT_ME),
                   ctx.choice("join.pick_cancel", Pick.CANCEL)]
        question = ctx.reply("join.is_you", name=row.full_name, year=row.birth_year, unit=data.unit,
                             choices=choices)
        return Turn([question], self.at(Step.IS_YOU, data))

    def _ask_phone(self, ctx: Context, data: JoinData, key: str, *, before: Reply | None = None) -> Turn:
        name, year = _details(data)
        choices = [ctx.choice("join.pick_skip", Pick.SKIP), ctx.choice("join.pick_cancel", Pick.CANCEL)]
        question = ctx.reply(key, name=name, year=year, unit=data.unit, choices=choices)
        return Turn([*([before] if before else []), question], self.at(Step.PHONE, data))

    def _offer_unlisted(self, ctx: Context, data: JoinData) -> Turn:
        name, year = _details(data)
        choices = [
            ctx.choice("join.pick_unlisted", Pick.UNLISTED),
            ctx.choice("join.pick_edit_name", Pick.EDIT_NAME),
            ctx.choice("join.pick_edit_year", Pick.EDIT_YEAR),
            ctx.choice("join.pick_cancel", Pick.CANCEL),
        ]
        offer = ctx.reply("join.not_listed", name=name, year=year, unit=data.unit, choices=choices)
        return Turn([offer], self.at(Step.NOT_LISTED, data))

    async def _phone(self, ctx: Context, data: JoinData, answer: Answer) -> Turn:
        if answer.choice == Pick.CANCEL:
            return Turn([ctx.reply("cancel.done")])
        if answer.choice == Pick.SKIP:
            data.phone = None
            return self._offer_unlisted(ctx, data)
        try:
            data.phone = parse_phone(answer.text or "")
        except Invalid as error:
            return self._ask_phone(ctx, data, "join.ask_phone_again", before=ctx.reply(error.key, **error.values))
        name, _ = _details(data)
        # The phone finds a row only together with the name: a number is often shared in a family, or reused.
        found = await roster_candidates(ctx.session, unit_id=data.unit_id, name_key=person_key(name),
                                        phone=data.phone)
        free = [row for row in found if not row.linked]
        if len(free) == 1:
            return self._ask_is_you(ctx, data, free[0])
        if found and not free:
            return Turn([ctx.reply("join.row_taken", unit=data.unit)])
        return self._offer_unlisted(ctx, data)

    async def _is_you(self, ctx: Context, data: JoinData, pick: Pick) -> Turn:
        match pick:
            case Pick.CANCEL:
                return Turn([ctx.reply("cancel.done")])
            case Pick.NOT_ME:
                data.member_id = None
                if data.phone is None:
                    return self._ask_phone(ctx, data, "join.ask_phone_not_me")
                return self._offer_unlisted(ctx, data)
        if data.member_id is None:
            raise StaleData("a roster row confirmed before one was offered")
        member = await lock_unclaimed_member(ctx.session, member_id=data.member_id, unit_id=data.unit_id)
        if member is None:  # someone else took the row since it was offered (or it left the roster)
            return Turn([ctx.reply("join.row_taken", unit=data.unit)])
        return await self._join(ctx, data, member)

    async def _confirm(self, ctx: Context, data: JoinData, pick: Pick) -> Turn:
        """Answer an officer's summary, or the offer to join unlisted: correct a detail, cancel, or join with a
        new record."""
        match pick:
            case Pick.EDIT_NAME:
                return Turn([ctx.reply("join.ask_name")], self.at(Step.NAME, data))
            case Pick.EDIT_YEAR:
                return Turn([ctx.reply("join.ask_birth_year")], self.at(Step.BIRTH_YEAR, data))
            case Pick.CANCEL:
                return Turn([ctx.reply("cancel.done")])
        return await self._join(ctx, data, None)

    async def _join(self, ctx: Context, data: JoinData, listed: Member | None) -> Turn:
        """Use the invite and link this chat to the member: the roster row `listed`, else a new record (PENDING
        in a branch, STAFF above the branches)."""
        full_name, birth_year = _details(data)
        invite = await _claim(ctx, data.code)
        if isinstance(invite, str):
            return Turn([ctx.reply(invite)])
        member = listed
        if member is None:
            status = MemberStatus.PENDING if data.roster else MemberStatus.STAFF
            member = await add_member(ctx.session, full_name=full_name, birth_year=birth_year,
                                      unit_id=invite.unit_id, joined_at=ctx.now, phone=data.phone, status=status)
        assert member.id is not None
        inbound = ctx.inbound
        await link_member(ctx.session, channel=inbound.channel, external_id=inbound.user_id,
                          chat_id=inbound.chat_id, member_id=member.id, now=ctx.now)
        if invite.role != RoleName.MEMBER:
            await grant_role(ctx.session, member_id=member.id, role=invite.role, unit_id=invite.unit_id)
        pending = member.status == MemberStatus.PENDING
        await audit.record(ctx.session, actor_member_id=member.id,
                           action="member.joined_unlisted" if pending else "member.joined",
                           target=f"invite:{invite.id}", at=ctx.now)
        if not pending:
            return Turn([ctx.reply("join.done", name=member.full_name, unit=data.unit)])
        return Turn([ctx.reply("join.pending_done", name=member.full_name, unit=data.unit)],
                    effects=await self._tell_secretaries(ctx, member, data.unit))

    async def _tell_secretaries(self, ctx: Context, member: Member, unit: str) -> list[Push]:
        """Return the notices to the branch's secretaries that `member` waits for them in /chidoan."""
        assert member.id is not None
        return [
            push_for(recipient, key=f"join.pending.m{member.id}", catalogs=ctx.catalogs, calendar=self.calendar,
                     tz=ctx.tz, now=ctx.now, text_key="join.push_pending",
                     about={"unit_id": member.unit_id, "pending_member_id": member.id},
                     name=member.full_name, year=member.birth_year, unit=unit)
            for recipient in await secretary_chats(ctx.session, unit_id=member.unit_id)
            if recipient.member_id != member.id
        ]

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


def _details(data: JoinData) -> tuple[str, int]:
    """Return the name and birth year answered; a step that needs them before they were asked is stale data."""
    if data.full_name is None or data.birth_year is None:
        raise StaleData("joining went on before the name and birth year")
    return data.full_name, data.birth_year


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
