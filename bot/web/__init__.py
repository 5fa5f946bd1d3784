"""The officers' web pages on the one HTTP server (issue 11): see `bot.web.app`."""

from bot.web.app import web_routes

__all__ = ["web_routes"]
