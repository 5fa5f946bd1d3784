"""Deliver a `Reply` on Zalo: numbered choices, pieces of at most 2,000 characters, and attachments by URL, the
only way the Bot API takes a file: with the web pages on a public HTTPS address (`files`), an image goes as a
photo and any other file as a download link; without one, a note says the file was not sent over Zalo."""

from __future__ import annotations

from bot.text_render import numbered, split_text
from bot.web.files import FileLinks
from bot.zalo.api import CHANNEL, TEXT_LIMIT, ZaloApi
from conversations.i18n import Translator
from conversations.messages import Reply

__all__ = ["ZaloOutlet"]


class ZaloOutlet:
    """The Zalo side of `conversations.outlet.Outlet`."""

    channel = CHANNEL

    def __init__(self, api: ZaloApi, *, t: Translator, files: FileLinks | None = None) -> None:
        self._api = api
        self._t = t
        self._files = files

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Send every piece of `reply` in order; raise `SendFailed` at the first piece that fails."""
        text = numbered(reply)
        if reply.choices:
            text += "\n" + self._t("zalo.choose_by_number")
        attachment = reply.attachment
        url = await self._files.link(attachment) if attachment is not None and self._files is not None else None
        photo = url is not None and attachment is not None and attachment.mime_type.startswith("image/")
        if attachment is not None and url is None:
            text += "\n" + self._t("zalo.attachment_unavailable", name=attachment.filename)
        elif attachment is not None and not photo:
            text += "\n" + self._t("web.file_link", name=attachment.filename, url=url)
        for piece in split_text(text, TEXT_LIMIT):
            await self._api.send_message(chat_id, piece)
        if photo and url is not None:
            await self._api.send_photo(chat_id, url)
