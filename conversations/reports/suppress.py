"""Small counts hidden: what a report shows of the young people of an ethnic minority and with a religion.

Ethnicity and religion are sensitive data (Law 91/2025/QH15); an officer who sees a branch's names must not
learn from any report, chart, workbook or page who of them is religious or of a minority. Each such count is a
cell (one unit's subtree, one period, one attribute) shown as the exact number, as "<5" or as "ẩn" (hidden).
The rules, for a cell of `n` young people introduced of whom `v` have the attribute:

1. Primary. A cell is hidden when some one could be pointed at: 1 ≤ v ≤ 4, or fewer than 5 people lack the
   attribute (n − v ≤ 4, "nearly all of them"), or the group itself is small (1 ≤ n ≤ 9: then one side always
   has fewer than 5). Only v = 0 in a group of 10 or more, and 5 ≤ v ≤ n − 5, are shown exactly. A zero is
   not sensitive in a large group: the fields are optional, so "none declared" says nothing of a person.
2. The label of a hidden cell is true and says as little as possible: "<5" when v ≤ 4 and "ẩn" when v ≥ 5;
   a hidden zero reads "<5" in a group of 1–4 (where every value is below 5) and "ẩn" in a group of 5–9, so
   neither label tells a small group's officer that somebody has the attribute. The two-person branch where
   both are religious reads "<5" next to "introduced: 2", exactly as it would if neither were; and a branch
   of five all of one religion reads "ẩn", as it would if none were.
3. Across periods. A year is its two halves (H1 + H2 = year, for the same unit), so a unit's three cells of a
   year are hidden together: if any of them is hidden by rule 1 (or 4), all three are, each labelled by its
   own value. No half can then be worked out as the year minus the other half.
4. Across the tree. A parent's count is the sum of its active children's plus its own rows' (young people
   registered at the parent itself or under a deactivated child, never shown on their own). Within each such
   group, for each period, taking the parent as shown exactly (the safe assumption: when it is hidden too,
   there is only less to subtract), every hidden child and the own rows must keep at least two possible
   values given what the labels tell ("<5": 1–4, or 0–n in a group under 5; "ẩn": 5–n; own rows: 0–their
   number). While some hidden count with v > 0 could be worked out, the next child is hidden as well: the
   smallest non-zero year count first, then the lowest id (deterministic, so every report of the group
   hides the same cells). When no child is left to hide, the parent itself is hidden for the year.

So a unit's cells of a year are hidden when rule 1 holds for it, when its own children's group cannot be
protected (rule 4's last step), or when its parent's group hides it. That needs the rows of the parent, its
children and their children for the three periods (storage.reports.sensitive_rows), not the young people.

The ranges are what a viewer is assumed to know, taken narrow where unsure: a hidden zero of a group of 5 or
more counts as known, and own rows count as unknown only within 0..their number. A count whose label alone
leaves one value (five of five, "ẩn") is left to rule 2's "all or none" and not counted as worked out.

What this does not promise: a viewer who combines many groups' and periods' equations at once may narrow a
hidden count (never, by any single equation, to one value), and may learn that a "<5" of a large group is at
least 1. Each attribute is decided on its own. The counts are shown as the report unit's totals only (the
summary, the workbook's make-up sheet, the web page); no per-child column and no chart carries them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from conversations.i18n import Translator
from storage.reports import Report, SensitiveRow

__all__ = ["ATTRIBUTES", "THRESHOLD", "Cell", "Shown", "is_hidden", "label", "primary", "protect",
           "sensitive_cells", "sensitive_texts", "shown_text"]

THRESHOLD = 5
ATTRIBUTES = ("minority", "religious")
YEAR = "year"


class Shown(StrEnum):
    """What a cell shows."""

    EXACT = "exact"
    FEW = "few"  # "<5"
    HIDDEN = "hidden"  # "ẩn"


class Cell(NamedTuple):
    """`n` young people introduced, `v` of them with the attribute (a tuple: thousands are built per report)."""

    n: int
    v: int


Year = Mapping[str, Cell]  # "H1", "H2", "year" -> the cell
_NOBODY = Cell(0, 0)


def primary(cell: Cell) -> bool:
    """Tell whether the cell on its own points at someone (rule 1)."""
    small_group = cell.n < 2 * THRESHOLD
    return cell.n > 0 and (small_group or (cell.v > 0 and min(cell.v, cell.n - cell.v) < THRESHOLD))


def label(cell: Cell, *, hidden: bool) -> Shown:
    """Return what the cell shows, once decided whether its unit's year is hidden (rule 2)."""
    if not (hidden or primary(cell)) or cell.n == 0:
        return Shown.EXACT
    if cell.v >= THRESHOLD or (cell.v == 0 and cell.n >= THRESHOLD):
        return Shown.HIDDEN
    return Shown.FEW


def _hidden_range(n: int, v: int) -> tuple[int, int]:
    """The values a viewer knows a hidden cell can take from its label and `n` (the narrowest when unsure: a
    hidden zero of a group of 5 or more is taken as known)."""
    if n == 0 or (v == 0 and n >= THRESHOLD):
        return v, v
    if v >= THRESHOLD:
        return THRESHOLD, n
    return (0, n) if n < THRESHOLD else (1, min(THRESHOLD - 1, n))


def _group_exposed(parent: Year, children: Mapping[int, Year], hidden: set[int]) -> bool:
    """Tell whether, in some period, a hidden child or the parent's own rows (v > 0) can be worked out as
    the parent's count minus what the others' labels allow."""
    for period, total in parent.items():
        n_sum = v_sum = low = high = 0
        protected: list[tuple[int, int, int]] = []  # (v, lo, hi)
        for unit, year in children.items():
            n, v = year.get(period, _NOBODY)
            n_sum, v_sum = n_sum + n, v_sum + v
            lo, hi = _hidden_range(n, v) if unit in hidden else (v, v)
            low, high = low + lo, high + hi
            if v and lo < hi:
                protected.append((v, lo, hi))
        own = Cell(total.n - n_sum, total.v - v_sum)
        low, high = low, high + max(own.n, 0)
        if own.v and own.n > 0 and primary(own):
            protected.append((own.v, 0, own.n))
        for _, lo, hi in protected:
            if min(hi, total.v - (low - lo)) == max(lo, total.v - (high - hi)):
                return True
    return False


def protect(parent: Year, children: Mapping[int, Year], hidden: Iterable[int]) -> tuple[set[int], bool]:
    """Return the children to hide so that no hidden count of the group can be worked out (rule 4), starting
    from `hidden`, and whether the group still could be (then the parent must be hidden)."""
    chosen = set(hidden)
    while _group_exposed(parent, children, chosen):
        candidates = [unit for unit, year in children.items() if unit not in chosen and _cell(year, YEAR).v > 0]
        if not candidates:
            return chosen, True
        chosen.add(min(candidates, key=lambda unit: (_cell(children[unit], YEAR).v, unit)))
    return chosen, False


def _cell(year: Year, period: str) -> Cell:
    return year.get(period, Cell(0, 0))


@dataclass(frozen=True, slots=True)
class _Tree:
    years: dict[int, dict[str, Cell]]
    below: dict[int | None, list[int]]
    parents: dict[int, int | None]

    def children(self, unit: int) -> dict[int, Year]:
        return {child: self.years[child] for child in self.below.get(unit, [])}

    def primary(self, unit: int) -> bool:
        return any(primary(cell) for cell in self.years.get(unit, {}).values())

    def forced(self, unit: int) -> bool:
        """Whether the unit's own children's group cannot be protected without hiding the unit."""
        children = self.children(unit)
        if not children:
            return False
        start = {child for child in children if self.primary(child)}
        return protect(self.years.get(unit, {}), children, start)[1]


def _trees(rows: Iterable[SensitiveRow]) -> dict[str, _Tree]:
    """Read the rows once into one tree of cells per attribute."""
    years: dict[str, dict[int, dict[str, Cell]]] = {attribute: defaultdict(dict) for attribute in ATTRIBUTES}
    minority, religious = years["minority"], years["religious"]
    parents: dict[int, int | None] = {}
    for row in rows:
        period = row.period[-2:] if "-" in row.period else YEAR
        minority[row.unit_id][period] = Cell(row.introduced, row.minority)
        religious[row.unit_id][period] = Cell(row.introduced, row.religious)
        parents[row.unit_id] = row.parent_id
    below: dict[int | None, list[int]] = defaultdict(list)
    for unit, parent in parents.items():
        below[parent].append(unit)
    return {attribute: _Tree(dict(cells), dict(below), parents) for attribute, cells in years.items()}


def is_hidden(rows: Iterable[SensitiveRow], attribute: str, unit_id: int) -> bool:
    """Tell whether `unit_id`'s cells of the year of `rows` are hidden for `attribute`, from the rows
    `storage.reports.sensitive_rows` returns (rules 3 and 4)."""
    return _hidden(_trees(rows)[attribute], unit_id)


def _hidden(tree: _Tree, unit_id: int) -> bool:
    years, parents = tree.years, tree.parents
    if tree.primary(unit_id) or tree.forced(unit_id):
        return True
    parent = parents.get(unit_id)
    if parent is None or parent not in years:
        return False
    siblings = tree.children(parent)
    start = {child for child in siblings if tree.primary(child) or tree.forced(child)}
    return unit_id in protect(years[parent], siblings, start)[0]


def shown_text(t: Translator, cell: Cell, shown: Shown) -> str:
    """Write what a cell shows in `t`'s language."""
    if shown is Shown.EXACT:
        return t.number(cell.v)
    return t("report.suppressed_few" if shown is Shown.FEW else "report.suppressed_hidden")


def sensitive_cells(report: Report) -> dict[str, tuple[Cell, Shown]]:
    """Return, for each sensitive attribute, the report unit's cell for the report's period and what it shows."""
    total = report.total
    trees = _trees(report.sensitive)
    cells = {}
    for attribute in ATTRIBUTES:
        cell = Cell(total.introduced, getattr(total, attribute))
        hidden = _hidden(trees[attribute], total.unit_id)
        cells[attribute] = (cell, label(cell, hidden=hidden))
    return cells


def sensitive_texts(t: Translator, report: Report) -> dict[str, str]:
    """Return what the report shows of each sensitive attribute, written in `t`'s language."""
    return {attribute: shown_text(t, cell, shown) for attribute, (cell, shown) in sensitive_cells(report).items()}
