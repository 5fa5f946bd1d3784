"""Deliver a `Reply` on Zalo: numbered choices, pieces of at most 2,000 characters, and a note for attachments,
which the Bot API can only send from a public URL."""

from __future__ import annotations

from bot.text_render import numbered, split_text
from bot.zalo.api import CHANNEL, TEXT_LIMIT, ZaloApi
from conversations.i18n import Translator
from conversations.messages import Reply

__all__ = ["ZaloOutlet"]


class ZaloOutlet:
    """The Zalo side of `conversations.outlet.Outlet`."""

    channel = CHANNEL

    def __init__(self, api: ZaloApi, *, t: Translator) -> None:
        self._api = api
        self._t = t

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Send every piece of `reply` in order; raise `SendFailed` at the first piece that fails."""
        text = numbered(reply)
        if reply.choices:
            text += "\n" + self._t("zalo.choose_by_number")
        if reply.attachment is not None:
            text += "\n" + self._t("zalo.attachment_unavailable", name=reply.attachment.filename)
        for piece in split_text(text, TEXT_LIMIT):
            await self._api.send_message(chat_id, piece)
