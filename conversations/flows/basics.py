"""/trogiup, /huy and /ngonngu."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from conversations.engine import Answer, Command, Context, OneShotFlow, State, StepFlow, Turn
from conversations.i18n import LOCALES
from conversations.messages import Reply
from storage.identities import set_locale

__all__ = ["CancelFlow", "HelpFlow", "LanguageFlow"]


class HelpFlow(OneShotFlow):
    """List the commands this person may use, without disturbing a dialog in progress."""

    name = "help"

    def __init__(self, commands: Callable[[], Sequence[Command]]) -> None:
        self._commands = commands

    async def start(self, ctx: Context, args: str) -> Turn:
        held = {role for role, _ in ctx.roles}
        lines = [ctx.t("help.intro_member" if ctx.member else "help.intro_stranger")]
        for command in self._commands():
            if command.members_only and ctx.member is None:
                continue
            if command.roles and not command.roles & held:
                continue
            # Vietnamese names come first in the table; an English reader sees the English alias first.
            names = command.names if ctx.t.locale == "vi" else (*command.names[1:], command.names[0])
            aliases = " ".join(f"/{name}" for name in names)
            lines.append(ctx.t("help.line", commands=aliases, text=ctx.t(command.help_key)))
        lines.append(ctx.t("help.outro"))
        return Turn([Reply("\n".join(lines))], keep_state=True)


class CancelFlow(OneShotFlow):
    """Leave any dialog; nothing it collected is kept."""

    name = "cancel"

    async def start(self, ctx: Context, args: str) -> Turn:
        return Turn([ctx.reply("cancel.done" if ctx.state else "cancel.nothing")])


class LanguageFlow(StepFlow):
    """Choose Vietnamese or English; remembered for this chat identity, even before joining."""

    name = "language"
    _STEP = "choose"

    async def start(self, ctx: Context, args: str) -> Turn:
        if args.lower() in LOCALES:
            return await self._set(ctx, args.lower())
        choices = [ctx.choice(f"language.name_{locale}", locale) for locale in LOCALES]
        return Turn([ctx.reply("language.ask", choices=choices)], self.at(self._STEP))

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        # The engine only resumes a choice-only step with one of the offered payloads.
        return await self._set(ctx, str(answer.choice))

    def accepts_text(self, step: str) -> bool:
        return False

    async def _set(self, ctx: Context, locale: str) -> Turn:
        inbound = ctx.inbound
        await set_locale(ctx.session, channel=inbound.channel, external_id=inbound.user_id,
                         chat_id=inbound.chat_id, locale=locale, now=ctx.now)
        ctx.t = ctx.catalogs.get(locale)  # the rest of this update (a question asked again) is in it too
        return Turn([ctx.reply("language.done")])
