"""The dialog engine: one inbound update in, replies out, state saved in the same transaction.

For each update the engine claims the update id (a redelivery stops here), loads who is speaking and
where their conversation stands, turns a pressed button or a typed number/label into one of the choices
offered at that step (anything else offered as a "choice" is refused), runs the command or the current
dialog step, and writes the new state before the transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.i18n import Catalogs, Translator
from conversations.messages import Choice, Inbound, Reply
from conversations.text import fold, nfc
from storage.dialog_state import clear_conversation, conversation_for, save_conversation
from storage.identities import speaker
from storage.members import roles_of
from storage.models import ChatIdentity, Conversation, Member, Unit
from storage.updates import claim_update

__all__ = ["Answer", "Command", "Context", "Engine", "Flow", "OneShotFlow", "State", "Turn"]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# Failures of the database (away, busy, a conflict lost): the channel handles the update again later.
_DATABASE = (DBAPIError, PoolTimeout, OSError, TimeoutError)
_OFFERED = "_offered"
_MAX_COMMAND = 32


@dataclass(slots=True)
class State:
    """Where a person stands: which dialog, which named step, what they have answered so far."""

    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Answer:
    """What the person sent at a step: free text, and/or the payload of the choice it designates."""

    text: str | None = None
    choice: str | None = None


@dataclass(slots=True)
class Turn:
    """The outcome of one step: replies, then the next state (None ends the dialog).

    `keep_state` leaves any current dialog exactly as it was (used by /help and by re-asks).
    """

    replies: list[Reply]
    next: State | None = None
    keep_state: bool = False


@dataclass(slots=True)
class Context:
    """What a dialog step may use: the transaction, the speaker, the clock and the texts."""

    session: AsyncSession
    inbound: Inbound
    now: datetime
    tz: ZoneInfo
    t: Translator
    catalogs: Catalogs
    identity: ChatIdentity | None
    member: Member | None
    state: State | None
    roles: Sequence[tuple[str, Unit]] = ()

    def reply(self, key: str, /, *, choices: Sequence[Choice] = (), **values: object) -> Reply:
        """Build a reply from the catalog text `key`."""
        return Reply(text=self.t(key, **values), choices=tuple(choices))

    def choice(self, key: str, payload: str, /, **values: object) -> Choice:
        return Choice(label=self.t(key, **values), payload=payload)

    @property
    def today_year(self) -> int:
        return self.now.astimezone(self.tz).year


class Flow(Protocol):
    """A dialog: started by a command, then fed one answer per step."""

    name: str

    async def start(self, ctx: Context, args: str) -> Turn: ...

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn: ...

    def accepts_text(self, step: str) -> bool:
        """Tell whether `step` takes free text, or only one of the offered choices."""
        ...


class OneShotFlow:
    """Base of a command that answers at once and opens no dialog, so it is never resumed."""

    name: str

    def accepts_text(self, step: str) -> bool:
        return False

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        return Turn([])


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command: Vietnamese name first, then aliases; the help line comes from `help_key`."""

    names: tuple[str, ...]
    flow: Flow
    help_key: str
    members_only: bool = False
    roles: frozenset[str] = frozenset()


class Engine:
    """Handle inbound updates for every channel."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        catalogs: Catalogs,
        commands: Sequence[Command],
        clock: Clock,
        tz: ZoneInfo,
        conversation_ttl: timedelta = timedelta(hours=24),
    ) -> None:
        self._sessions = sessions
        self._catalogs = catalogs
        self._clock = clock
        self._tz = tz
        self._ttl = conversation_ttl
        self.commands = tuple(commands)
        self._by_name = {name: command for command in commands for name in command.names}
        self._flows = {command.flow.name: command.flow for command in commands}

    async def handle(self, inbound: Inbound) -> list[Reply]:
        """Process one update once; a redelivered update id returns no replies and changes nothing.

        A database failure raises (the channel handles the update again later). Any other failure is a bug in a
        step: its transaction is rolled back, it is logged by update id (the text is personal data), and the
        person is told that nothing was saved, instead of the channel retrying a failure that would repeat.
        """
        try:
            return await self._handle(inbound)
        except _DATABASE:
            raise
        except Exception:
            log.exception("update %s on %s failed in a dialog step; rolled back", inbound.update_id, inbound.channel)
            return [Reply(self._catalogs.get(None)("engine.internal_error"))]

    async def _handle(self, inbound: Inbound) -> list[Reply]:
        now = self._clock()
        async with self._sessions() as session, session.begin():
            if not await claim_update(session, channel=inbound.channel, update_id=inbound.update_id, now=now):
                return []
            ctx, row, expired = await self._context(session, inbound, now)
            turn = await self._route(ctx, row, expired)
            return await self._persist(ctx, row, turn)

    async def _context(
        self, session: AsyncSession, inbound: Inbound, now: datetime
    ) -> tuple[Context, Conversation | None, bool]:
        identity, member = await speaker(session, channel=inbound.channel, external_id=inbound.user_id)
        roles: Sequence[tuple[str, Unit]] = ()
        if member is not None and member.id is not None:
            roles = await roles_of(session, member_id=member.id)
        row = await conversation_for(session, channel=inbound.channel, external_id=inbound.user_id)
        expired = row is not None and (row.expires_at <= now or row.flow not in self._flows)
        state = State(row.flow, row.step, dict(row.data)) if row is not None and not expired else None
        ctx = Context(
            session=session, inbound=inbound, now=now, tz=self._tz,
            t=self._catalogs.get(identity.locale if identity else None), catalogs=self._catalogs,
            identity=identity, member=member, state=state, roles=roles,
        )
        return ctx, row, expired

    async def _route(self, ctx: Context, row: Conversation | None, expired: bool) -> Turn:
        inbound, state = ctx.inbound, ctx.state
        if inbound.choice is not None:
            payload = _verify_pressed(inbound.choice, state, row)
            if state is None or payload is None:
                return Turn([ctx.reply("engine.stale_choice")], keep_state=True)
            return await self._flows[state.flow].resume(ctx, state, Answer(choice=payload))
        text = nfc(inbound.text or "")
        if text.startswith("/"):
            return await self._command(ctx, text)
        if state is None:
            return Turn([self._fallback(ctx, expired)])
        flow = self._flows[state.flow]
        payload = _match_typed(text, state.data.get(_OFFERED, []))
        if payload is None and state.data.get(_OFFERED) and not flow.accepts_text(state.step):
            return Turn([_reask(ctx, state)], keep_state=True)
        return await flow.resume(ctx, state, Answer(text=text, choice=payload))

    async def _command(self, ctx: Context, text: str) -> Turn:
        head, _, args = text[1:].partition(" ")
        name = fold(head.split("@", 1)[0])[:_MAX_COMMAND]
        command = self._by_name.get(name)
        if command is None:
            return Turn([ctx.reply("engine.unknown_command", command=name)], keep_state=True)
        if command.members_only and ctx.member is None:
            return Turn([ctx.reply("engine.join_first")], keep_state=True)
        if command.roles and not any(role in command.roles for role, _ in ctx.roles):
            return Turn([ctx.reply("engine.not_allowed")], keep_state=True)
        return await command.flow.start(ctx, args.strip())

    def _fallback(self, ctx: Context, expired: bool) -> Reply:
        if expired:
            return ctx.reply("engine.expired")
        return ctx.reply("engine.fallback_member" if ctx.member else "engine.fallback_stranger")

    async def _persist(self, ctx: Context, row: Conversation | None, turn: Turn) -> list[Reply]:
        channel, user = ctx.inbound.channel, ctx.inbound.user_id
        if turn.keep_state:
            version = row.version if row is not None else 0
            return [_stamp(reply, version) for reply in turn.replies]
        if turn.next is None:
            if row is not None:
                await clear_conversation(ctx.session, channel=channel, external_id=user)
            return list(turn.replies)
        offered = next((r.choices for r in reversed(turn.replies) if r.choices), ())
        data = {**turn.next.data, _OFFERED: [[c.payload, c.label] for c in offered]}
        row = await save_conversation(
            ctx.session, current=row if row is not None else None, channel=channel, external_id=user,
            flow=turn.next.flow, step=turn.next.step, data=data, expires_at=ctx.now + self._ttl,
        )
        return [_stamp(reply, row.version) for reply in turn.replies]


def _stamp(reply: Reply, version: int) -> Reply:
    """Prefix button payloads with the state version, so a button from an older message is recognised."""
    if not reply.choices:
        return reply
    choices = tuple(Choice(c.label, f"{version}.{c.payload}") for c in reply.choices)
    return Reply(reply.text, choices, reply.attachment)


def _verify_pressed(raw: str, state: State | None, row: Conversation | None) -> str | None:
    """Return the payload of a pressed button if it is one offered at the current step, else None."""
    version, _, payload = raw.partition(".")
    if state is None or row is None or version != str(row.version):
        return None
    offered = {p for p, _ in state.data.get(_OFFERED, [])}
    return payload if payload in offered else None


def _match_typed(text: str, offered: list[list[str]]) -> str | None:
    """Map a typed number ("2") or label ("huy" for "Huỷ") to the payload of an offered choice."""
    if text.isdigit() and 1 <= int(text) <= len(offered):
        return offered[int(text) - 1][0]
    key = fold(text)
    return next((payload for payload, label in offered if fold(label) == key), None)


def _reask(ctx: Context, state: State) -> Reply:
    offered = state.data.get(_OFFERED, [])
    return ctx.reply("engine.choose_one", choices=[Choice(label, payload) for payload, label in offered])
