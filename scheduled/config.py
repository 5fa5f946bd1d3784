"""Reading the calendar and the sender's limits from settings."""

from __future__ import annotations

from datetime import timedelta

from bot.settings import Settings
from conversations.periods import EvaluationCalendar
from scheduled.sender import SenderConfig

__all__ = ["calendar_from", "sender_config_from"]


def calendar_from(settings: Settings) -> EvaluationCalendar:
    return EvaluationCalendar(
        opens_days_before_end=settings.evaluation_opens_days_before_end,
        due_days_after_end=settings.evaluation_due_days_after_end,
        reminder_every_days=settings.evaluation_reminder_every_days,
        annual_report_month=settings.annual_report_month,
        annual_report_day=settings.annual_report_day,
        annual_reminder_days_before=settings.annual_reminder_days_before,
        quiet_start_hour=settings.quiet_hours_start,
        quiet_end_hour=settings.quiet_hours_end,
        nudge_day_of_month=settings.nudge_day_of_month,
        escalate_within_days=settings.evaluation_escalate_within_days,
    )


def sender_config_from(settings: Settings) -> SenderConfig:
    rate = settings.outbox_rate_per_second
    return SenderConfig(
        rate=rate if rate > 0 else None,
        per_chat_interval=settings.outbox_per_chat_interval_seconds,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        lease_margin=timedelta(seconds=min(10.0, settings.outbox_lease_seconds / 4)),
        max_attempts=settings.outbox_max_attempts,
    )
