"""Turning "tell this person X" into an outbox row: the text in the recipient's language, the dedupe key, and
the time it may go out (after the quiet hours)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date

from conversations.i18n import Catalogs, Translator
from conversations.periods import EvaluationCalendar, Period, period_label
from storage.branch import Recipient
from storage.outbox import Push

__all__ = ["day_text", "push_for"]


def day_text(t: Translator, day: date) -> str:
    """Format a calendar day the way the reader's locale writes it (10/07/2026 in Vietnamese)."""
    return format_date(day, t("evaluation.date_pattern"), locale=t.locale)


def push_for(
    recipient: Recipient, *, key: str, catalogs: Catalogs, calendar: EvaluationCalendar, tz: ZoneInfo,
    now: datetime, text_key: str, **values: object,
) -> Push:
    """Build the push `text_key` for `recipient`; `key` is completed with the recipient's chat, so one
    logical message reaches each of their chats once. Dates and periods among `values` are written in the
    recipient's language."""
    t = catalogs.get(recipient.locale)
    shown = {name: _shown(t, value) for name, value in values.items()}
    return Push(
        dedupe_key=f"{key}:{recipient.channel}:{recipient.chat_id}"[:160],
        channel=recipient.channel,
        chat_id=recipient.chat_id,
        payload={"text": t(text_key, **shown), "kind": text_key},
        not_before=calendar.deliver_at(now, tz),
    )


def _shown(t: Translator, value: object) -> object:
    if isinstance(value, date):
        return day_text(t, value)
    return period_label(t, value) if isinstance(value, Period) else value
