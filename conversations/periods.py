"""Reporting periods (`2026-H1` = January–June, `2026-H2` = July–December, `2026` = the year) and the
evaluation calendar: when a half-year's evaluation window opens and when it is due.

Pure date arithmetic; the calendar's numbers come from settings (`EvaluationCalendar`). Messages name a period
with `period_label` ("6 tháng đầu năm 2026"); the code is for data and commands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conversations.i18n import Translator

__all__ = ["EvaluationCalendar", "Period", "period_label"]

_PATTERN = re.compile(r"^(\d{4})(?:-?H([12]))?$")


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A half-year (`half` 1 or 2) or a whole year (`half` None)."""

    year: int
    half: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read `2026-H1`, `2026H2`, `2026-h1` or `2026`; raise ValueError otherwise."""
        match = _PATTERN.match(text.strip().upper())
        if match is None or not 2000 <= int(match.group(1)) <= 2100:
            raise ValueError(f"not a period: {text!r}")
        half = match.group(2)
        return cls(int(match.group(1)), int(half) if half else None)

    @classmethod
    def half_of(cls, day: date) -> Period:
        """Return the half-year containing `day`."""
        return cls(day.year, 1 if day.month <= 6 else 2)

    @property
    def code(self) -> str:
        return f"{self.year}-H{self.half}" if self.half else str(self.year)

    @property
    def first_day(self) -> date:
        return date(self.year, 7 if self.half == 2 else 1, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def previous(self) -> Period:
        if self.half is None:
            return Period(self.year - 1)
        return Period(self.year, 1) if self.half == 2 else Period(self.year - 1, 2)

    def next(self) -> Period:
        if self.half is None:
            return Period(self.year + 1)
        return Period(self.year, 2) if self.half == 1 else Period(self.year + 1, 1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Return [start, end) of the period as aware datetimes in `tz`."""
        start = datetime.combine(self.first_day, time(), tzinfo=tz)
        end = datetime.combine(self.last_day + timedelta(days=1), time(), tzinfo=tz)
        return start, end

    def __str__(self) -> str:
        return self.code


def period_label(t: Translator, period: Period) -> str:
    """Return "6 tháng đầu năm 2026" / "first half of 2026" / "năm 2026"."""
    if period.half is None:
        return t("report.period_year", year=period.year)
    return t(f"report.period_h{period.half}", year=period.year)


@dataclass(frozen=True, slots=True)
class EvaluationCalendar:
    """When branches evaluate a half-year. Defaults: the window opens 15 days before the half-year ends, the
    evaluation is due 10 days after it ends, reminders every 3 days; the annual report is due 15/10, with
    reminders from 14 days before. Pushes wait out the quiet hours 21:00–07:00; the monthly nudge goes from
    the 5th of the month. Late branches are escalated at the first run within 30 days after the deadline."""

    opens_days_before_end: int = 15
    due_days_after_end: int = 10
    reminder_every_days: int = 3
    annual_report_month: int = 10
    annual_report_day: int = 15
    annual_reminder_days_before: int = 14
    quiet_start_hour: int = 21
    quiet_end_hour: int = 7
    nudge_day_of_month: int = 5
    escalate_within_days: int = 30

    def window_opens(self, period: Period) -> date:
        return period.last_day - timedelta(days=self.opens_days_before_end)

    def deadline(self, period: Period) -> date:
        """The last day on which a submission counts as on time."""
        return period.last_day + timedelta(days=self.due_days_after_end)

    def annual_deadline(self, year: int) -> date:
        return date(year, self.annual_report_month, self.annual_report_day)

    def deliver_at(self, now: datetime, tz: ZoneInfo) -> datetime:
        """Return `now`, or the end of the quiet hours (07:00 local) when `now` falls inside them."""
        local = now.astimezone(tz)
        morning = datetime.combine(local.date(), time(self.quiet_end_hour), tzinfo=tz)
        if local.hour >= self.quiet_start_hour:
            return morning + timedelta(days=1)
        return morning if local < morning else now

    def evaluation_period(self, today: date) -> Period | None:
        """Return the half-year whose evaluation window is open on `today` (until its deadline), if any."""
        for period in (Period.half_of(today), Period.half_of(today).previous()):
            if self.window_opens(period) <= today <= self.deadline(period):
                return period
        return None
