"""Moved: periods and the evaluation calendar live in `storage.calendar`, `period_label` in `conversations.i18n`.

This re-export stays only until `scheduled/config.py`, `bot/report_cli.py` and `bench/` import from there."""

from conversations.i18n import period_label
from storage.calendar import EvaluationCalendar, Period

__all__ = ["EvaluationCalendar", "Period", "period_label"]
