"""The dialogs, and the command table the composition root hands to the engine."""

from __future__ import annotations

from conversations.engine import Command
from conversations.flows.basics import CancelFlow, HelpFlow, LanguageFlow
from conversations.flows.join import JoinFlow

__all__ = ["default_commands"]


def default_commands() -> list[Command]:
    """Return every command, in the order /trogiup lists them."""
    commands: list[Command] = [
        Command(("batdau", "start"), JoinFlow(), "help.start"),
        Command(("ngonngu", "language"), LanguageFlow(), "help.language"),
        Command(("huy", "cancel"), CancelFlow(), "help.cancel"),
    ]
    commands.append(Command(("trogiup", "help"), HelpFlow(lambda: commands), "help.help"))
    return commands
