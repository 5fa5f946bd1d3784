"""Limits on repeated failures (wrong invite codes): how long someone must wait, from when they failed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["Limit", "blocked_until", "minutes_left"]


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` failures within any `window`."""

    count: int
    window: timedelta


def blocked_until(failures: Sequence[datetime], limits: Sequence[Limit], *, now: datetime) -> datetime | None:
    """Return until when further tries are refused, or None when the person may try now.

    `failures` are the times of earlier failures, oldest first. Under a limit of 5 per 15 minutes, the
    fifth failure within 15 minutes blocks until the oldest of those five is 15 minutes old.
    """
    until: datetime | None = None
    for limit in limits:
        recent = [at for at in failures if at > now - limit.window]
        if len(recent) >= limit.count:
            ends = recent[len(recent) - limit.count] + limit.window
            until = ends if until is None else max(until, ends)
    return until


def minutes_left(until: datetime, *, now: datetime) -> int:
    """Return the wait in whole minutes, rounded up (never 0 while still blocked)."""
    seconds = (until - now).total_seconds()
    return max(1, -(-int(seconds) // 60))
