"""The console channel: the same engine in a terminal, or driven by a script on stdin."""

from bot.console.channel import ConsoleChannel, parse_line

__all__ = ["ConsoleChannel", "parse_line"]
