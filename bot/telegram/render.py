"""How a `Reply` looks on Telegram: text cut below the 4,096-character limit at line breaks, choices as an
inline keyboard, an attachment as a photo (up to 10 MB) or a document (up to 50 MB, the Bot API's upload limit;
a larger one goes by signed link, `FILE_RULE`)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import text_render
from bot.outlet import FileRule
from conversations.messages import Attachment, Choice

__all__ = [
    "CAPTION_LIMIT", "CHUNK_LIMIT", "DOCUMENT_LIMIT", "FILE_RULE", "TEXT_LIMIT", "inline_keyboard", "is_photo",
    "split_text", "telegram_length",
]

TEXT_LIMIT = 4096  # Telegram's limit for a message, in UTF-16 code units
CHUNK_LIMIT = 4000  # what we send, leaving room to append the pressed button's label later
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
PHOTO_LIMIT = 10 * 1024 * 1024  # sendPhoto's upload limit; a larger image goes as a document
DOCUMENT_LIMIT = 50 * 1024 * 1024  # sendDocument's upload limit for bots
FILE_RULE = FileRule(DOCUMENT_LIMIT, linked="channel.file_too_large_link", unavailable="channel.file_too_large")
_PHOTO_TYPES = frozenset({"image/png", "image/jpeg"})


def telegram_length(text: str) -> int:
    """Return the length Telegram counts: UTF-16 code units (an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = CHUNK_LIMIT) -> list[str]:
    """Cut `text` into messages of at most `limit` UTF-16 units (`bot.text_render.split_text`)."""
    return text_render.split_text(text, limit, length=telegram_length)


def inline_keyboard(choices: Sequence[Choice]) -> InlineKeyboardMarkup | None:
    """One button per row (labels are often long Vietnamese phrases); None when there are no choices or
    a payload would not fit Telegram's 64-byte callback data."""
    if not choices or any(len(c.payload.encode()) > CALLBACK_DATA_LIMIT for c in choices):
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(c.label, callback_data=c.payload)] for c in choices])


def is_photo(attachment: Attachment) -> bool:
    """Tell whether the attachment can go as a photo (PNG/JPEG within 10 MB) rather than a document."""
    return attachment.mime_type in _PHOTO_TYPES and len(attachment.content) <= PHOTO_LIMIT
