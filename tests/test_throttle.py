"""How long someone waits after repeated failures: a table of failure times against the limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conversations.throttle import Limit, blocked_until, minutes_left

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
LIMITS = (Limit(5, timedelta(minutes=15)), Limit(20, timedelta(days=1)))


def _ago(*minutes: float) -> list[datetime]:
    return sorted(NOW - timedelta(minutes=m) for m in minutes)


@pytest.mark.parametrize(("failures", "expected"), [
    pytest.param([], None, id="none"),
    pytest.param(_ago(4, 3, 2, 1), None, id="four-recent"),
    pytest.param(_ago(5, 4, 3, 2, 1), NOW + timedelta(minutes=10), id="fifth-blocks-until-oldest-ages-out"),
    pytest.param(_ago(20, 4, 3, 2, 1), None, id="one-outside-the-window"),
    pytest.param(_ago(7, 6, 5, 4, 3, 2, 1), NOW + timedelta(minutes=10), id="seven-until-the-third-ages-out"),
    pytest.param(_ago(*range(20, 20 * 60, 60)), NOW + timedelta(days=1) - timedelta(minutes=1160),
                 id="twenty-spread-over-the-day"),
    pytest.param(_ago(*range(20, 20 * 60, 60), 3, 2, 1, 0.5, 0.2), NOW + timedelta(days=1) - timedelta(minutes=860),
                 id="the-longer-wait-wins"),
])
def test_blocked_until(failures: list[datetime], expected: datetime | None) -> None:
    assert blocked_until(failures, LIMITS, now=NOW) == expected


@pytest.mark.parametrize(("left", "minutes"), [
    (timedelta(seconds=1), 1), (timedelta(seconds=60), 1), (timedelta(seconds=61), 2), (timedelta(hours=24), 1440),
])
def test_minutes_left_rounds_up(left: timedelta, minutes: int) -> None:
    assert minutes_left(NOW + left, now=NOW) == minutes
