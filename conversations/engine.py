"""The dialog engine: one inbound update in, replies out, state saved in the same transaction.

For each update the engine claims the update id (a redelivery stops here), loads who is speaking and
where their conversation stands, turns a pressed button or a typed number/label into one of the choices
offered at that step (anything else offered as a "choice" is refused), runs the command or the current
dialog step, and writes the new state before the transaction commits.

A command sent in the middle of a dialog does not silently end it: a command that only shows something
answers and the pending question is asked again; `/ngonngu` is answered first and then the dialog goes on;
a command that starts another dialog says which unfinished one it replaced (see `Midway`).

A step tells other people things only through its outcome: the pushes in `Turn.effects` are enqueued by the
engine in the update's transaction, so they go out exactly when the step's writes are committed.
"""

from __future__ import annotations

import enum
import logging
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.held import Asked, DialogData, Held, StaleData, new_stamp
from conversations.i18n import Catalogs, Translator
from conversations.messages import Choice, Inbound, Reply
from conversations.text import fold, nfc
from storage.chat_roles import roles_and_locale
from storage.dialog_state import clear_conversation, save_conversation, speaking
from storage.models import ChatIdentity, Conversation, Member, Unit
from storage.outbox import Push, enqueue_many
from storage.updates import claim_update

__all__ = [
    "Answer", "Command", "Context", "DialogData", "Engine", "Flow", "Midway", "OneShotFlow", "StaleData", "State",
    "StepFlow", "Turn",
]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# Told, after a step reached by a command or a press, the person's roles and chosen language as of its commit.
Standing = Callable[[Inbound, frozenset[str], str | None], None]
# Failures of the database (away, busy, a conflict lost): the channel handles the update again later.
_DATABASE = (DBAPIError, PoolTimeout, OSError, TimeoutError)
_MAX_COMMAND = 32
_NEVER_TYPED = frozenset({"Cc", "Cs"})  # control characters and unpaired surrogates; blanks were folded by nfc()
_MAX_CHOICE_DIGITS = 3


@dataclass(slots=True)
class State:
    """Where a person stands: which dialog, which named step, what they have answered so far.

    `data` is the JSON object kept in the conversation row; a dialog reads and writes it through its own
    `DialogData` dataclass.
    """

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
    """The outcome of one step: replies, then the next state (None ends the dialog), and the pushes to other
    people it causes (`effects`, enqueued by the engine with the step's writes).

    `keep_state` leaves any current dialog exactly as it was (used by /help and by re-asks).
    """

    replies: list[Reply]
    next: State | None = None
    keep_state: bool = False
    effects: list[Push] = field(default_factory=list)


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
        return Reply(text=self.t(key, **values), choices=tuple(choices), key=key, values=values or None)

    def choice(self, key: str, payload: str, /, **values: object) -> Choice:
        return Choice(label=self.t(key, **values), payload=payload)

    @property
    def today(self) -> date:
        """The local date of this turn (in the calendar's time zone)."""
        return self.now.astimezone(self.tz).date()

    @property
    def today_year(self) -> int:
        return self.today.year


class Flow(Protocol):
    """A dialog: started by a command, then fed one answer per step."""

    name: str

    async def start(self, ctx: Context, args: str) -> Turn: ...

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn: ...

    def accepts_text(self, step: str) -> bool:
        """Tell whether `step` takes free text, or only one of the offered choices."""
        ...


class StepFlow:
    """Base of a dialog with named steps: `at` says where it stands after this turn."""

    name: str

    def at(self, step: str, data: DialogData | None = None) -> State:
        """Return this dialog's state at `step` with the answers `data` (none yet by default)."""
        return State(self.name, step, data.to_json() if data is not None else {})


class OneShotFlow:
    """Base of a command that answers at once and opens no dialog, so it is never resumed."""

    name: str

    def accepts_text(self, step: str) -> bool:
        return False

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        return Turn([])


class Midway(enum.StrEnum):
    """What a command does when it arrives in the middle of another dialog."""

    SHOW = "show"  # answer, then ask the pending question again (its own buttons are left out meanwhile)
    ASIDE = "aside"  # run its own short dialog, then go back to the pending one
    REPLACE = "replace"  # start its dialog instead, saying which unfinished one is dropped
    CANCEL = "cancel"  # end the pending dialog


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command: Vietnamese name first, then aliases; the help line comes from `help_key`."""

    names: tuple[str, ...]
    flow: Flow
    help_key: str
    members_only: bool = False
    roles: frozenset[str] = frozenset()
    midway: Midway = Midway.SHOW


@dataclass(slots=True)
class _Outcome:
    """What one update leads to: the replies, and the dialog to hold next (None ends it).

    `keep` leaves the held dialog exactly as it is. `restored` is a held dialog put back as it was (its
    offered choices and question kept); otherwise they are read from the replies.
    """

    replies: list[Reply]
    next: State | None = None
    keep: bool = False
    parent: Held | None = None
    restored: Held | None = None
    effects: list[Push] = field(default_factory=list)


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
        self._browsing = {command.flow.name for command in commands if command.midway is Midway.SHOW}
        self._standing: list[Standing] = []

    def tell_standing(self, listener: Standing) -> None:
        """After each step that may change roles (`Inbound.may_change_roles`), tell `listener` the person's roles
        and chosen language, read in the step's own transaction after its writes: a channel's command menu then
        needs no read of its own (bot/menus.py)."""
        self._standing.append(listener)

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
        standing = None
        async with self._sessions() as session, session.begin():
            if not await claim_update(session, channel=inbound.channel, update_id=inbound.update_id, now=now):
                return []
            ctx, row, held, expired = await self._context(session, inbound, now)
            outcome = await self._route(ctx, held, expired)
            if outcome.effects:
                await enqueue_many(session, pushes=outcome.effects, now=now)
            replies = await self._persist(ctx, row, held, outcome)
            if self._standing and inbound.may_change_roles:
                standing = await roles_and_locale(session, channel=inbound.channel, external_id=inbound.user_id)
        if standing is not None:  # committed
            for listener in self._standing:
                listener(inbound, *standing)
        return replies

    async def _context(
        self, session: AsyncSession, inbound: Inbound, now: datetime
    ) -> tuple[Context, Conversation | None, Held | None, bool]:
        who = await speaking(session, channel=inbound.channel, external_id=inbound.user_id)
        identity, member, roles, row = who.identity, who.member, who.roles, who.conversation
        expired = row is not None and (row.expires_at <= now or row.flow not in self._flows)
        held = Held.load(row.flow, row.step, dict(row.data)) if row is not None and not expired else None
        if held is not None and held.parent is not None and held.parent.flow not in self._flows:
            held = Held(held.flow, held.step, held.data, held.offered, held.asked, held.stamp)
        ctx = Context(
            session=session, inbound=inbound, now=now, tz=self._tz,
            t=self._catalogs.get(identity.locale if identity else None), catalogs=self._catalogs,
            identity=identity, member=member, state=_state(held), roles=roles,
        )
        return ctx, row, held, expired

    async def _route(self, ctx: Context, held: Held | None, expired: bool) -> _Outcome:
        inbound = ctx.inbound
        if inbound.choice is not None:
            payload = _verify_pressed(inbound.choice, held)
            if held is None or payload is None:
                return _Outcome([ctx.reply("engine.stale_choice")], keep=True)
            return await self._resume(ctx, held, Answer(choice=payload))
        text = nfc(inbound.text or "")
        if any(unicodedata.category(ch) in _NEVER_TYPED for ch in text):
            # NUL or an unpaired surrogate would reach the database in a query argument (PostgreSQL refuses
            # them as a database failure the channel would retry for ever); no step accepts control characters.
            return _Outcome([ctx.reply("validate.text_bad_chars", choices=held.offered if held else ())], keep=True)
        if text.startswith("/"):
            return await self._command(ctx, held, text)
        if held is None:
            return _Outcome([self._fallback(ctx, expired)])
        return await self._typed(ctx, held, text)

    async def _typed(self, ctx: Context, held: Held, text: str) -> _Outcome:
        """Feed typed text to the held step; at a choice-only step it must name one of the choices."""
        payload = _match_typed(text, held.offered)
        if payload is None and not self._flows[held.flow].accepts_text(held.step):
            if held.parent is not None:
                # Not an answer to the short dialog on top (say, the language question): the person is
                # answering the question set aside under it.
                outcome = await self._typed(_at(ctx, held.parent), held.parent, text)
                return _Outcome(outcome.replies, next=_state(held.parent), restored=held.parent,
                                effects=outcome.effects) if outcome.keep else outcome
            return _Outcome([_choose_one(ctx, held)], keep=True)
        return await self._resume(ctx, held, Answer(text=text, choice=payload))

    async def _resume(self, ctx: Context, held: Held, answer: Answer) -> _Outcome:
        try:
            turn = await self._flows[held.flow].resume(ctx, _state_of(held), answer)
        except StaleData:
            # Saved by an older version, or garbled: what it held cannot be trusted, so it ends as if expired.
            log.warning("update %s on %s: %s data no longer reads; dialog ended", ctx.inbound.update_id,
                        ctx.inbound.channel, held.flow)
            return _Outcome([self._fallback(ctx, expired=True)])
        effects = turn.effects
        if turn.keep_state:
            return _Outcome(turn.replies, keep=True, effects=effects)
        if held.parent is None:
            return _Outcome(turn.replies, turn.next, effects=effects)
        if turn.next is None:  # the short dialog is over: back to the one set aside, asking its question again
            return _Outcome([*turn.replies, _reask(ctx, held.parent)], _state(held.parent), restored=held.parent,
                            effects=effects)
        return _Outcome(turn.replies, turn.next, parent=held.parent, effects=effects)

    async def _command(self, ctx: Context, held: Held | None, text: str) -> _Outcome:
        head, _, args = text[1:].partition(" ")
        name = fold(head.split("@", 1)[0])[:_MAX_COMMAND]
        command = self._by_name.get(name)
        if command is None:
            shown = "".join(ch for ch in name if ch.isascii() and (ch.isalnum() or ch == "_"))  # no echoed controls
            refused = Turn([ctx.reply("engine.unknown_command", command=shown)], keep_state=True)
        elif command.members_only and ctx.member is None:
            refused = Turn([ctx.reply("engine.join_first")], keep_state=True)
        elif command.roles and not any(role in command.roles for role, _ in ctx.roles):
            refused = Turn([ctx.reply("engine.not_allowed")], keep_state=True)
        else:
            turn = await command.flow.start(ctx, args.strip())
            return self._midway(ctx, held, command.midway, turn)
        return self._midway(ctx, held, Midway.SHOW, refused)

    def _midway(self, ctx: Context, held: Held | None, midway: Midway, turn: Turn) -> _Outcome:
        """Fit a command's turn around the dialog in progress, if any (see `Midway`).

        Browsing what a command showed (a report's drill-down) is not work in progress: any command replaces it.
        """
        effects = turn.effects
        if held is None or midway is Midway.CANCEL or (held.parent is None and held.flow in self._browsing):
            return _Outcome(turn.replies, turn.next, keep=turn.keep_state, effects=effects)
        if turn.keep_state or turn.next is None or midway is Midway.SHOW:
            shown = [reply for reply in turn.replies if not reply.choices] if turn.next else turn.replies
            return _Outcome([*shown, _reask(ctx, held)], keep=True, effects=effects)
        if midway is Midway.ASIDE:
            return _Outcome(turn.replies, turn.next, parent=held.parent or held, effects=effects)
        dropped = held.parent or held
        if dropped.flow == turn.next.flow:  # the same dialog started over: the person asked for exactly that
            return _Outcome(turn.replies, turn.next, effects=effects)
        notice = ctx.reply("engine.set_aside", dialog=ctx.t(f"dialog.{dropped.flow}"))
        return _Outcome([notice, *turn.replies], turn.next, effects=effects)

    def _fallback(self, ctx: Context, expired: bool) -> Reply:
        if expired:
            return ctx.reply("engine.expired")
        return ctx.reply("engine.fallback_member" if ctx.member else "engine.fallback_stranger")

    async def _persist(
        self, ctx: Context, row: Conversation | None, held: Held | None, outcome: _Outcome
    ) -> list[Reply]:
        channel, user = ctx.inbound.channel, ctx.inbound.user_id
        if outcome.keep:
            return [_stamp(reply, held.stamp if held is not None else "") for reply in outcome.replies]
        if outcome.next is None:
            if row is not None:
                await clear_conversation(ctx.session, channel=channel, external_id=user)
            return list(outcome.replies)
        state, stamp = outcome.next, new_stamp()
        if outcome.restored is not None:
            offered, asked = outcome.restored.offered, outcome.restored.asked
        else:
            question = _question(outcome.replies)
            offered, asked = (question.choices, Asked.of(question)) if question else ((), None)
        saved = Held(state.flow, state.step, state.data, offered, asked, stamp, outcome.parent)
        await save_conversation(
            ctx.session, current=row, channel=channel, external_id=user, flow=state.flow, step=state.step,
            data=saved.stored(), expires_at=ctx.now + self._ttl,
        )
        return [_stamp(reply, stamp) for reply in outcome.replies]


def _state(held: Held | None) -> State | None:
    return _state_of(held) if held is not None else None


def _state_of(held: Held) -> State:
    return State(held.flow, held.step, dict(held.data))


def _at(ctx: Context, held: Held) -> Context:
    ctx.state = _state(held)
    return ctx


def _question(replies: Sequence[Reply]) -> Reply | None:
    """Return the reply that asks the step's question: the last one offering choices, else the last one."""
    return next((reply for reply in reversed(replies) if reply.choices), replies[-1] if replies else None)


def _stamp(reply: Reply, stamp: str) -> Reply:
    """Prefix button payloads with the step's stamp, so a button from any other message is recognised."""
    if not reply.choices:
        return reply
    choices = tuple(Choice(c.label, f"{stamp}.{c.payload}") for c in reply.choices)
    return Reply(reply.text, choices, reply.attachment, reply.key, reply.values)


def _verify_pressed(raw: str, held: Held | None) -> str | None:
    """Return the payload of a pressed button if it was shown under the current step, else None."""
    stamp, _, payload = raw.partition(".")
    if held is None or not held.stamp or stamp != held.stamp:
        return None
    return payload if any(c.payload == payload for c in held.offered) else None


def _match_typed(text: str, offered: Sequence[Choice]) -> str | None:
    """Map a typed number ("2") or label ("huy" for "Huỷ") to the payload of an offered choice.

    Only ASCII digits count as a number: "²" or "①" pass `str.isdigit()` but are not numbers to `int()`.
    """
    if text.isascii() and text.isdigit() and len(text) <= _MAX_CHOICE_DIGITS:
        number = int(text)
        return offered[number - 1].payload if 1 <= number <= len(offered) else None
    key = fold(text)
    return next((choice.payload for choice in offered if fold(choice.label) == key), None)


def _choose_one(ctx: Context, held: Held) -> Reply:
    return ctx.reply("engine.choose_one", choices=held.offered)


def _reask(ctx: Context, held: Held) -> Reply:
    """Ask the pending question again, after a command that interrupted it."""
    return ctx.reply("engine.pending", dialog=ctx.t(f"dialog.{held.flow}"), question=held.reask(ctx.t).text,
                     choices=held.offered)
