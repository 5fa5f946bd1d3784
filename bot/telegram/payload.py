"""The one Telegram payload the adapter reads: a python-telegram-bot `Update` narrowed to what the dialogs
need, and its translation into an `Event` (an `Inbound`, or a `Reachability` change)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType

from bot.channel import Event, Reachability
from conversations.messages import Inbound

__all__ = ["ALLOWED_UPDATES", "CHANNEL", "TelegramUpdate"]

CHANNEL = "telegram"
# What we ask Telegram to deliver; everything else (groups' chat_member, reactions, polls …) stays away.
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")


@dataclass(frozen=True, slots=True)
class TelegramUpdate:
    """What one Telegram update means to the bot: typed text, a pressed button, or (un)blocking the bot.

    A pressed button arrives like this (Bot API `Update`, trimmed of nothing but the bot's own fields):

    ```json
    {"update_id": 803471190,
     "callback_query": {
       "id": "4382bfdwdsb323b2d9", "chat_instance": "-4923810582251470392", "data": "3.yes",
       "from": {"id": 5120342711, "is_bot": false, "first_name": "An", "last_name": "Nguyễn",
                "username": "an_kp1", "language_code": "vi"},
       "message": {
         "message_id": 1187, "date": 1764039600, "text": "Bạn xác nhận thông tin…",
         "from": {"id": 7733101201, "is_bot": true, "first_name": "Bot 1+1", "username": "bot11_demo_bot"},
         "chat": {"id": 5120342711, "type": "private", "first_name": "An", "last_name": "Nguyễn",
                  "username": "an_kp1"},
         "reply_markup": {"inline_keyboard": [[{"text": "Đúng, tham gia", "callback_data": "3.yes"}],
                                              [{"text": "Huỷ", "callback_data": "3.cancel"}]]}}}}
    ```

    Typed text comes as `{"update_id": …, "message": {"message_id": …, "date": …, "from": {…},
    "chat": {"id": …, "type": "private"}, "text": "/start DEMO-DOANVIEN"}}` (a `t.me/<bot>?start=CODE`
    deep link arrives exactly so); blocking the bot as `my_chat_member` with `new_chat_member.status`
    `"kicked"`, unblocking with `"member"`.
    """

    update_id: int
    user_id: str | None = None
    chat_id: str | None = None
    display_name: str | None = None
    text: str | None = None
    callback_id: str | None = None
    callback_data: str | None = None
    pressed_message_id: int | None = None
    pressed_message_text: str | None = None
    pressed_label: str | None = None
    reachable: bool | None = None  # set by my_chat_member: False when blocked, True when unblocked

    @classmethod
    def parse(cls, update: Update) -> TelegramUpdate:
        """Narrow a python-telegram-bot `Update`; anything but private chats is reduced to its id."""
        if update.callback_query is not None:
            return cls._pressed(update)
        message = update.message
        if message is not None and message.chat.type == ChatType.PRIVATE and message.from_user is not None:
            return cls(
                update.update_id, str(message.from_user.id), str(message.chat.id), message.from_user.full_name,
                # A photo or sticker still gets an answer (the dialog re-asks), rather than silence.
                text=message.text or message.caption or "",
            )
        member = update.my_chat_member
        if member is not None and member.chat.type == ChatType.PRIVATE:
            status = member.new_chat_member.status
            reachable = status not in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
            return cls(update.update_id, str(member.from_user.id), str(member.chat.id), reachable=reachable)
        return cls(update.update_id)

    @classmethod
    def _pressed(cls, update: Update) -> TelegramUpdate:
        query = update.callback_query
        assert query is not None
        message = query.message
        if message is None or message.chat.type != ChatType.PRIVATE or query.data is None:
            return cls(update.update_id, str(query.from_user.id), callback_id=query.id)
        shown = message if isinstance(message, Message) else None  # older than 48 h: inaccessible
        return cls(
            update.update_id, str(query.from_user.id), str(message.chat.id), query.from_user.full_name,
            callback_id=query.id, callback_data=query.data,
            pressed_message_id=message.message_id,
            pressed_message_text=shown.text if shown is not None else None,
            pressed_label=_label_of(shown, query.data) if shown is not None else None,
        )

    def event(self) -> Event | None:
        """Return what this update means to the bot, or None when it is nothing for it."""
        if self.reachable is not None and self.user_id is not None and self.chat_id is not None:
            return Reachability(str(self.update_id), self.user_id, self.chat_id, self.reachable)
        return self.inbound()

    def inbound(self) -> Inbound | None:
        """Return what the dialog engine should see, or None when this update is not for the dialogs."""
        if self.user_id is None or self.chat_id is None or self.reachable is not None:
            return None
        if self.callback_id is not None and self.callback_data is None:
            return None
        return Inbound(
            channel=CHANNEL, user_id=self.user_id, chat_id=self.chat_id, update_id=str(self.update_id),
            text=None if self.callback_data is not None else self.text, choice=self.callback_data,
            display_name=self.display_name,
        )


def _label_of(message: Message, data: str) -> str | None:
    markup = message.reply_markup
    if markup is None:
        return None
    return next((button.text for row in markup.inline_keyboard for button in row
                 if button.callback_data == data), None)
