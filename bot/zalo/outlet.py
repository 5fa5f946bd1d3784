"""Deliver a `Reply` on Zalo: numbered choices, pieces of at most 2,000 characters, and attachments by URL, the
only way the Bot API takes a file: with the web pages on a public HTTPS address (`files`), an image goes as a
photo and any other file as a download link (`bot.outlet.fitted`, as Telegram's files over its upload limit);
without one, a note says the file was not sent over Zalo."""

from __future__ import annotations

from dataclasses import replace

from bot.outlet import FileRule, fitted
from bot.text_render import numbered, split_text
from bot.web.files import FileLinks
from bot.zalo.api import CHANNEL, TEXT_LIMIT, ZaloApi
from conversations.i18n import Translator
from conversations.messages import Attachment, Reply

__all__ = ["FILE_RULE", "ZaloOutlet"]

# Zalo takes no upload at all: every file that is not sent as a photo by URL goes as a link.
FILE_RULE = FileRule(0, linked="web.file_link", unavailable="zalo.attachment_unavailable")


class ZaloOutlet:
    """The Zalo side of `conversations.outlet.Outlet`."""

    channel = CHANNEL

    def __init__(self, api: ZaloApi, *, t: Translator, files: FileLinks | None = None) -> None:
        self._api = api
        self._t = t
        self._files = files

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Send every piece of `reply` in order; raise `SendFailed` at the first piece that fails."""
        image = reply.attachment is not None and reply.attachment.mime_type.startswith("image/")
        photo = await self._photo_url(reply.attachment) if image else None
        if photo is not None:
            reply = replace(reply, attachment=None)
        # An image whose link could not be made is not tried a second time: it goes as the note.
        reply = await fitted(reply, FILE_RULE, files=None if image else self._files, t=self._t)
        text = numbered(reply)
        if reply.choices:
            text += "\n" + self._t("zalo.choose_by_number")
        for piece in split_text(text, TEXT_LIMIT):
            await self._api.send_message(chat_id, piece)
        if photo is not None:
            await self._api.send_photo(chat_id, photo)

    async def _photo_url(self, attachment: Attachment | None) -> str | None:
        """Return the URL an image is kept at for Zalo to fetch as a photo; None without the web pages' address,
        or when the database could not keep it."""
        if attachment is None or self._files is None:
            return None
        return await self._files.link(attachment)
