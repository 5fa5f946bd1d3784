"""Command menus (`setMyCommands`): one per language for everyone, and one per chat for people whose roles
unlock more commands (Telegram has no role scopes; a chat scope is the closest it allows)."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import BotCommand, BotCommandScopeChat

from bot.telegram.outlet import TelegramOutlet
from bot.telegram.payload import CHANNEL
from conversations.engine import Command
from conversations.i18n import LOCALES, Catalogs
from conversations.outlet import SendFailed
from storage.chat_roles import roles_and_locale

__all__ = ["CommandMenus", "menu"]

log = logging.getLogger(__name__)

_DESCRIPTION_LIMIT = 256
_Key = tuple[str, frozenset[str]]


def menu(commands: Sequence[Command], catalogs: Catalogs, locale: str, roles: frozenset[str]) -> list[BotCommand]:
    """List the commands open to someone holding `roles`, named and described in `locale`.

    Vietnamese menus use each command's Vietnamese name, English menus its English alias (the last name).
    """
    t = catalogs.get(locale)
    return [
        BotCommand(command.names[-1] if locale == "en" else command.names[0],
                   t(command.help_key)[:_DESCRIPTION_LIMIT])
        for command in commands
        if not command.roles or command.roles & roles
    ]


class CommandMenus:
    """Publish the menus; after each handled update, give role holders their own menu when it differs."""

    def __init__(
        self,
        *,
        outlet: TelegramOutlet,
        commands: Sequence[Command],
        catalogs: Catalogs,
        sessions: async_sessionmaker[AsyncSession],
        remembered: int = 10_000,
    ) -> None:
        self._outlet = outlet
        self._commands = tuple(commands)
        self._catalogs = catalogs
        self._sessions = sessions
        self._remembered = remembered
        self._role_commands = frozenset(role for command in commands for role in command.roles)
        # What each chat was last given, so a menu is published once per change, not per message.
        self._published: OrderedDict[str, _Key] = OrderedDict()

    async def publish(self) -> None:
        """Set the menu everyone sees: the default language without a language code, others with theirs."""
        default = self._catalogs.default
        await self._outlet.set_commands(menu(self._commands, self._catalogs, default, frozenset()))
        for locale in LOCALES:
            if locale != default:
                commands = menu(self._commands, self._catalogs, locale, frozenset())
                await self._outlet.set_commands(commands, language=locale)

    async def refresh(self, user_id: str, chat_id: str) -> None:
        """Give this chat the menu its roles open, or take a former one away; cheap when nothing changed."""
        if not self._role_commands:
            return
        async with self._sessions() as session:
            roles, locale = await roles_and_locale(session, channel=CHANNEL, external_id=user_id)
        key = (locale or self._catalogs.default, roles & self._role_commands)
        if self._published.get(chat_id, (key[0], frozenset())) == key:
            self._remember(chat_id, key)
            return
        commands = menu(self._commands, self._catalogs, key[0], key[1]) if key[1] else []
        try:
            await self._outlet.set_commands(commands, scope=BotCommandScopeChat(int(chat_id)))
        except SendFailed as failed:
            log.warning("command menu for a chat not updated: %s", failed)
            return
        self._remember(chat_id, key)

    def _remember(self, chat_id: str, key: _Key) -> None:
        self._published[chat_id] = key
        self._published.move_to_end(chat_id)
        while len(self._published) > self._remembered:
            self._published.popitem(last=False)
