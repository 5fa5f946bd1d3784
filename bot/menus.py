"""Command menus, computed once for every channel that shows them: one per language for everyone, and one per
chat for people whose roles unlock more commands (Telegram has no role scopes; a chat scope is the closest it
allows). The channel only publishes what it is given (`bot.channel.MenuChannel`)."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channel import MenuChannel, MenuCommand
from conversations.engine import Command
from conversations.i18n import LOCALES, Catalogs
from conversations.messages import Inbound
from conversations.outlet import SendFailed
from storage.chat_roles import roles_and_locale

__all__ = ["RoleMenus", "menu"]

log = logging.getLogger(__name__)

_Key = tuple[str, frozenset[str]]


def menu(commands: Sequence[Command], catalogs: Catalogs, locale: str, roles: frozenset[str]) -> list[MenuCommand]:
    """List the commands open to someone holding `roles`, named and described in `locale`.

    Vietnamese menus use each command's Vietnamese name, English menus its English alias (the last name).
    """
    t = catalogs.get(locale)
    return [
        MenuCommand(command.names[-1] if locale == "en" else command.names[0], t(command.help_key))
        for command in commands
        if not command.roles or command.roles & roles
    ]


class RoleMenus:
    """Publish `channel`'s menus; after an update that may change roles, give its chat the menu its roles open.

    Args:
        channel: the channel's name (whose chat identities are read) and its way of publishing a menu.
        remembered: how many chats' last menus are kept, so a menu is published once per change, not per message.
    """

    def __init__(
        self,
        channel: str,
        publisher: MenuChannel,
        *,
        commands: Sequence[Command],
        catalogs: Catalogs,
        sessions: async_sessionmaker[AsyncSession],
        remembered: int = 10_000,
    ) -> None:
        self._channel, self._publisher = channel, publisher
        self._commands = tuple(commands)
        self._catalogs = catalogs
        self._sessions = sessions
        self._remembered = remembered
        self._role_commands = frozenset(role for command in commands for role in command.roles)
        self._published: OrderedDict[str, _Key] = OrderedDict()
        self._told: OrderedDict[str, tuple[frozenset[str], str | None]] = OrderedDict()

    async def publish(self) -> None:
        """Set the menu everyone sees: the default language without a language code, others with theirs."""
        default = self._catalogs.default
        await self._publisher.publish_menu(None, menu(self._commands, self._catalogs, default, frozenset()))
        for locale in LOCALES:
            if locale != default:
                commands = menu(self._commands, self._catalogs, locale, frozenset())
                await self._publisher.publish_menu(None, commands, language=locale)

    def told(self, inbound: Inbound, roles: frozenset[str], locale: str | None) -> None:
        """Keep what the dialog engine read in a step's transaction (`Engine.tell_standing`) for the `refresh`
        after that step, which then reads nothing itself."""
        if inbound.channel == self._channel:
            self._told[inbound.user_id] = (roles, locale)
            self._told.move_to_end(inbound.user_id)
            while len(self._told) > self._remembered:
                self._told.popitem(last=False)

    async def refresh(self, user_id: str, chat_id: str) -> None:
        """Give this chat the menu its roles open, or take a former one away; cheap when nothing changed."""
        if not self._role_commands:
            return
        known = self._told.pop(user_id, None)
        if known is None:
            async with self._sessions() as session:
                known = await roles_and_locale(session, channel=self._channel, external_id=user_id)
        roles, locale = known
        key = (locale or self._catalogs.default, roles & self._role_commands)
        if self._published.get(chat_id, (key[0], frozenset())) == key:
            self._remember(chat_id, key)
            return
        commands = menu(self._commands, self._catalogs, key[0], key[1]) if key[1] else []
        try:
            await self._publisher.publish_menu(chat_id, commands)
        except SendFailed as failed:
            log.warning("command menu for a chat not updated: %s", failed)
            return
        self._remember(chat_id, key)

    def _remember(self, chat_id: str, key: _Key) -> None:
        self._published[chat_id] = key
        self._published.move_to_end(chat_id)
        while len(self._published) > self._remembered:
            self._published.popitem(last=False)
