"""Telegram channel: python-telegram-bot for transport only; the dialogs never learn Telegram exists."""

from bot.telegram.outlet import DEFAULT_BASE_URL, TelegramOutlet
from bot.telegram.ratelimit import FloodLimits

__all__ = ["DEFAULT_BASE_URL", "FloodLimits", "TelegramOutlet"]
