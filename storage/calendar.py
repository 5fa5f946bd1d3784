"""Reporting periods (`2026-H1` = January–June, `2026-H2` = July–December, `2026` = the year) and the
evaluation calendar: when a half-year's evaluation window opens, when it is due, and the instant it ends.

Pure date arithmetic below both the dialogs and storage: nothing here knows of SQL, chats or texts. The
calendar's numbers come from settings (`EvaluationCalendar`); a message names a period through
`conversations.i18n.period_label`, the code is for data and commands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["EvaluationCalendar", "Period", "day_end"]

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

    @property
    def halves(self) -> tuple[Period, ...]:
        """Return the half-years the period is made of: itself, or both halves of a year."""
        return (self,) if self.half else (Period(self.year, 1), Period(self.year, 2))

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
        return datetime.combine(self.first_day, time(), tzinfo=tz), day_end(self.last_day, tz)

    def __str__(self) -> str:
        return self.code


def day_end(day: date, tz: ZoneInfo) -> datetime:
    """Return the first instant after `day` in `tz` (midnight starting the next day)."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)


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

    def deadline_end(self, period: Period, tz: ZoneInfo) -> datetime:
        """The first instant after the deadline of `period`: a submission before it is on time."""
        return day_end(self.deadline(period), tz)

    def annual_deadline(self, year: int) -> date:
        return date(year, self.annual_report_month, self.annual_report_day)

    def annual_deadline_end(self, year: int, tz: ZoneInfo) -> datetime:
        """The first instant after the annual report's deadline of `year`."""
        return day_end(self.annual_deadline(year), tz)

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

    def last_overdue(self, today: date) -> Period:
        """Return the last half-year whose deadline has passed on `today`."""
        period = Period.half_of(today).previous()
        return period if self.deadline(period) < today else period.previous()

    def period_to_evaluate(self, today: date) -> tuple[Period, bool]:
        """Return the half-year a branch evaluates on `today` and whether its deadline has passed: the open
        window, or else the last half-year whose deadline passed (a late submission, until the next window)."""
        period = self.evaluation_period(today)
        return (period, False) if period is not None else (self.last_overdue(today), True)

    def escalation_period(self, today: date) -> Period | None:
        """Return the half-year whose deadline passed at most `escalate_within_days` ago (a deployment that
        starts later does not escalate periods nobody was asked about)."""
        period = self.last_overdue(today)
        if today <= self.deadline(period) + timedelta(days=self.escalate_within_days):
            return period
        return None
