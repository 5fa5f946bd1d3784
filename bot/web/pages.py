"""What the web pages show, worked out from a report and the caller's scope, apart from HTTP: the breadcrumbs,
the periods offered, the child units' table and its order, and the Jinja2 environment that renders them.

Pages are rendered on the server (no script at all, so the Content-Security-Policy allows none): a table sorts
by following a header's link, and a child unit is opened by following its name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from conversations.i18n import Translator, period_label
from storage.calendar import Period
from storage.models import TargetMetric, Unit
from storage.reports import Figures, may_view

__all__ = [
    "SORTS",
    "Column",
    "breadcrumbs",
    "environment",
    "period_choices",
    "read_period",
    "sorted_children",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"
YEARS_BACK = 3


@cache
def environment() -> Environment:
    """Return the one Jinja2 environment of the pages (HTML escaped everywhere, a missing value an error)."""
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True, slots=True)
class Column:
    """A sortable column of the child units' table: its catalog heading and the value it sorts by."""

    key: str
    heading: str
    value: Callable[[Figures], float | int | str | None]


SORTS: dict[str, Column] = {column.key: column for column in (
    Column("name", "report.col.unit", lambda f: f.name.casefold()),
    Column("members", "report.col.members", lambda f: f.members),
    Column("rate", "report.col.fulfilment_rate", lambda f: f.fulfilment_rate),
    Column("introduced", "report.col.introduced", lambda f: f.introduced),
    Column("joined_hoi", "report.col.joined_hoi", lambda f: f.joined_hoi),
    Column("admitted", "report.col.admitted", lambda f: f.admitted),
    Column("target", "report.col.admissions_target", lambda f: f.targets.get(TargetMetric.ADMISSIONS)),
    Column("achieved", "report.col.admissions_rate", lambda f: f.target_rate(TargetMetric.ADMISSIONS)),
    Column("submitted", "report.col.submitted", lambda f: f.submission_rate),
    Column("on_time", "report.col.on_time", lambda f: f.on_time_rate),
)}


def sorted_children(children: Sequence[Figures], *, key: str | None, descending: bool) -> list[Figures]:
    """Return the child units ordered by the column `key` (rows without a value last either way); an unknown
    or missing key keeps the report's ranking."""
    column = SORTS.get(key or "")
    if column is None:
        return list(children)
    present = [f for f in children if column.value(f) is not None]
    absent = [f for f in children if column.value(f) is None]
    present.sort(key=lambda f: column.value(f), reverse=descending)  # type: ignore[arg-type, return-value]
    return present + absent


def breadcrumbs(path_units: Iterable[Unit], roles: Sequence[tuple[str, Unit]]) -> list[Unit]:
    """Return the units from the highest one the caller may see down to the unit shown (`path_units`: the units
    on its path, in any order); nothing above the caller's own unit is named."""
    units = sorted(path_units, key=lambda unit: len(unit.path))  # an ancestor's path is a prefix of its child's
    first = next((index for index, unit in enumerate(units) if may_view(roles, unit)), len(units))
    return units[first:]


def read_period(text: str | None, *, today: date) -> Period:
    """Return the period a query string names ("2026-H1", "2026"), else the current half-year."""
    if text:
        try:
            period = Period.parse(text.strip())
        except ValueError:
            period = None
        if period is not None and today.year - YEARS_BACK <= period.year <= today.year:
            return period
    return Period.half_of(today)


def period_choices(t: Translator, *, today: date) -> list[tuple[str, str]]:
    """Return (code, label) of the periods offered: each half-year and year of the last few years, newest
    first, none in the future."""
    choices = []
    for year in range(today.year, today.year - YEARS_BACK - 1, -1):
        for period in (Period(year, 2), Period(year, 1), Period(year)):
            if period.first_day <= today:
                choices.append((period.code, period_label(t, period)))
    return choices
