from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from storage.calendar import EvaluationCalendar, Period


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-H1", Period(2026, 1)), ("2026h2", Period(2026, 2)), (" 2026-h2 ", Period(2026, 2)), ("2026", Period(2026)),
], ids=["canonical", "compact-lower", "padded", "year"])
def test_parse(text: str, expected: Period) -> None:
    assert Period.parse(text) == expected
    assert Period.parse(expected.code) == expected


@pytest.mark.parametrize("text", ["2026-H3", "26-H1", "1890", "H1", "", "2026-H1; drop table unit"])
def test_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        Period.parse(text)


def test_bounds_and_neighbours() -> None:
    h1 = Period(2026, 1)
    assert (h1.first_day, h1.last_day) == (date(2026, 1, 1), date(2026, 6, 30))
    assert Period(2026, 2).last_day == date(2026, 12, 31)
    assert h1.previous() == Period(2025, 2) and h1.next() == Period(2026, 2)
    assert Period.half_of(date(2026, 7, 1)) == Period(2026, 2)


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 6, 14), None),
    (date(2026, 6, 15), Period(2026, 1)),
    (date(2026, 7, 10), Period(2026, 1)),
    (date(2026, 7, 11), None),
    (date(2026, 12, 20), Period(2026, 2)),
    (date(2027, 1, 10), Period(2026, 2)),
], ids=["before-window", "window-opens", "deadline-day", "after-deadline", "h2-window", "h2-deadline-next-year"])
def test_evaluation_window(today: date, expected: Period | None) -> None:
    assert EvaluationCalendar().evaluation_period(today) == expected


@pytest.mark.parametrize(("today", "overdue", "escalated"), [
    (date(2026, 7, 10), Period(2025, 2), None),
    (date(2026, 7, 11), Period(2026, 1), Period(2026, 1)),
    (date(2026, 8, 9), Period(2026, 1), Period(2026, 1)),
    (date(2026, 8, 10), Period(2026, 1), None),
    (date(2027, 1, 11), Period(2026, 2), Period(2026, 2)),
], ids=["deadline-day", "day-after", "last-escalation-day", "escalation-over", "h2-next-year"])
def test_last_overdue_and_escalation(today: date, overdue: Period, escalated: Period | None) -> None:
    calendar = EvaluationCalendar()
    assert calendar.last_overdue(today) == overdue
    assert calendar.escalation_period(today) == escalated


def test_deadline_end_is_the_midnight_after_the_deadline() -> None:
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    calendar = EvaluationCalendar()
    assert calendar.deadline_end(Period(2026, 1), tz) == datetime(2026, 7, 11, tzinfo=tz)
    assert calendar.annual_deadline_end(2026, tz) == datetime(2026, 10, 16, tzinfo=tz)
    assert calendar.period_to_evaluate(date(2026, 7, 11)) == (Period(2026, 1), True)
