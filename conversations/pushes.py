"""Pushes: turning "tell this person X" into an outbox row — the text in the recipient's language, the dedupe
key, the time it may go out after the quiet hours. A dialog returns them as the effects of its `Turn` and the
engine enqueues them; a scheduled job enqueues them itself.

A payload says what its push is: `kind` (the text key it was rendered from) and `about` (the recipient's member
id plus the ids of what it is about), so that the sender can check it is still true before it goes out
(`scheduled.pushes.recheck`). A push the check may render again also carries its `template` and `values`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from conversations.i18n import Catalogs, Translator, period_label
from storage.branch import Recipient
from storage.calendar import EvaluationCalendar, Period
from storage.outbox import Push

__all__ = ["RENDERED_AGAIN", "branch_list", "push_for"]

# The kinds whose text the sender's check may render again (to list fewer branches).
RENDERED_AGAIN = frozenset({"evaluation.push_escalation"})


def branch_list(names: Iterable[str]) -> str:
    """Return the bulleted lines that name branches in a push."""
    return "\n".join(f"• {name}" for name in names)


def push_for(
    recipient: Recipient, *, key: str, catalogs: Catalogs, calendar: EvaluationCalendar, tz: ZoneInfo,
    now: datetime, text_key: str, about: Mapping[str, Any] | None = None, **values: object,
) -> Push:
    """Build the push `text_key` for `recipient`; `key` is completed with the recipient's chat, so one
    logical message reaches each of their chats once. Dates and periods among `values` are written in the
    recipient's language. `about` (JSON values: ids, period codes, ISO instants) says what the push is about,
    for the check its kind gets before it is sent."""
    t = catalogs.get(recipient.locale)
    shown = {name: _shown(t, value) for name, value in values.items()}
    payload: dict[str, Any] = {"text": t(text_key, **shown), "kind": text_key,
                               "about": {"member_id": recipient.member_id, **(about or {})}}
    if text_key in RENDERED_AGAIN:  # the template and values it was rendered from, in the recipient's language
        payload |= {"template": t(text_key), "values": shown}
    return Push(
        dedupe_key=f"{key}:{recipient.channel}:{recipient.chat_id}"[:160],
        channel=recipient.channel,
        chat_id=recipient.chat_id,
        payload=payload,
        not_before=calendar.deliver_at(now, tz),
    )


def _shown(t: Translator, value: object) -> object:
    if isinstance(value, date):
        return t.date(value)
    return period_label(t, value) if isinstance(value, Period) else value
