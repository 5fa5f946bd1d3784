"""The Zalo channel (Zalo Bot Platform API): text only, so choices are numbered lists."""

from bot.zalo.api import ZaloApi, ZaloMessage, parse_update
from bot.zalo.outlet import ZaloOutlet
from bot.zalo.service import ZaloService

__all__ = ["ZaloApi", "ZaloMessage", "ZaloOutlet", "ZaloService", "parse_update"]
