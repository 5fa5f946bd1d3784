"""The Zalo channel (Zalo Bot Platform API): text only, so choices are numbered lists."""

from bot.zalo.api import ZaloApi, ZaloMessage, parse_update
from bot.zalo.channel import ZaloChannel
from bot.zalo.outlet import ZaloOutlet

__all__ = ["ZaloApi", "ZaloChannel", "ZaloMessage", "ZaloOutlet", "parse_update"]
