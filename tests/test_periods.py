from datetime import date

import pytest

from conversations.periods import EvaluationCalendar, Period


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
