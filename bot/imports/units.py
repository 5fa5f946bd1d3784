"""The unit tree from a spreadsheet, as pure functions: rows → checked units → a plan against the database.

Columns (Vietnamese headers first, English accepted; headers and levels match regardless of case and
diacritics): `Mã đơn vị`, `Tên đơn vị`, `Mã đơn vị cấp trên` (empty for the root of the file; a parent may
also be a unit already in the database), `Cấp`. An existing unit whose parent cell is empty stays where it
is; one whose parent cell names another parent moves there with its subtree (storage/reorganise.py), unless
the file and the stored tree together would put it under itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.imports.table import Problem, Table, fold, parse_header
from storage.models import UnitKind

__all__ = [
    "HEADERS",
    "KIND_LABELS",
    "Checked",
    "ExistingUnit",
    "Move",
    "Plan",
    "UnitRow",
    "check_rows",
    "plan_import",
]

HEADERS = {
    "code": ("Mã đơn vị", "code", "unit code"),
    "name": ("Tên đơn vị", "name", "unit name"),
    "parent": ("Mã đơn vị cấp trên", "parent code", "parent"),
    "kind": ("Cấp", "level", "kind"),
}
# The label written in the template's drop-down, then other spellings operators type.
KIND_LABELS: dict[UnitKind, tuple[str, ...]] = {
    UnitKind.PROVINCE: ("tỉnh/thành", "tỉnh", "thành", "tỉnh đoàn", "thành đoàn", "tỉnh/thành phố", "province"),
    UnitKind.DISTRICT: ("huyện/quận", "huyện", "quận", "huyện đoàn", "quận đoàn", "quận/huyện", "district"),
    UnitKind.GRASSROOTS: ("đoàn cơ sở", "cơ sở", "grassroots"),
    UnitKind.BRANCH: ("chi đoàn", "branch"),
}
_KINDS = {fold(label): kind for kind, labels in KIND_LABELS.items() for label in labels}
_CODE = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,31}")
_NAME_LENGTH = 200


@dataclass(frozen=True, slots=True)
class UnitRow:
    """One good row: the code upper-cased, the parent code or None."""

    row: int
    code: str
    name: str
    parent: str | None
    kind: UnitKind


@dataclass(frozen=True, slots=True)
class ExistingUnit:
    """What the plan needs of a unit already in the database."""

    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    active: bool = True


@dataclass(frozen=True, slots=True)
class Move:
    """A stored unit the file puts under another parent: the names of the parent it leaves ("" for a root of
    the tree) and of the one it goes to."""

    row: UnitRow
    old_parent: str
    new_parent: str


@dataclass(slots=True)
class Plan:
    """What an import would do. `create` is ordered so that every parent comes before its children, `move`
    so that every unit moves after the units above it in the tree the file makes (so never under its own
    subtree on the way). A unit both moved and renamed is in both lists."""

    create: list[UnitRow] = field(default_factory=list)
    rename: list[tuple[UnitRow, ExistingUnit]] = field(default_factory=list)
    move: list[Move] = field(default_factory=list)
    unchanged: list[UnitRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.create) + len(self.rename) + len(self.move)


@dataclass(frozen=True, slots=True)
class Checked:
    """The good rows of a file, the problems of the others, and every code the file names (a bad row's
    code too, so that its children are not also reported as having an unknown parent)."""

    rows: list[UnitRow]
    problems: list[Problem]
    codes: frozenset[str]


def check_rows(table: Table) -> Checked:
    """Check each row on its own and against the others in the file (duplicates, cycles)."""
    columns = parse_header(table.header, HEADERS)
    rows: list[UnitRow] = []
    problems: list[Problem] = []
    codes: set[str] = set()
    for number, cells in table.rows:
        values = {column: cells[index] if index < len(cells) else "" for column, index in columns.items()}
        codes.add(values["code"].upper())
        row, row_problems = _check_row(number, values)
        problems += row_problems
        if row is not None:
            rows.append(row)
    rows, duplicates = _without_duplicates(rows)
    rows, cycles = _without_cycles(rows)
    problems = sorted([*problems, *duplicates, *cycles], key=lambda problem: problem.row)
    return Checked(rows, problems, frozenset(codes - {""}))


def _check_row(number: int, values: Mapping[str, str]) -> tuple[UnitRow | None, list[Problem]]:
    problems = []
    code, parent = values["code"].upper(), values["parent"].upper()
    if not code:
        problems.append(Problem(number, "admin.import_no_code"))
    elif not _CODE.fullmatch(code):
        problems.append(Problem(number, "admin.import_bad_code", {"code": values["code"]}))
    if parent and not _CODE.fullmatch(parent):
        problems.append(Problem(number, "admin.import_bad_code", {"code": values["parent"]}))
    if not values["name"]:
        problems.append(Problem(number, "admin.import_no_name"))
    elif len(values["name"]) > _NAME_LENGTH:
        problems.append(Problem(number, "admin.import_long_name", {"limit": _NAME_LENGTH}))
    kind = _KINDS.get(fold(values["kind"]))
    if kind is None:
        problems.append(Problem(number, "admin.import_bad_kind", {"kind": values["kind"]}))
    if problems or kind is None:
        return None, problems
    return UnitRow(number, code, values["name"], parent or None, kind), []


def _without_duplicates(rows: list[UnitRow]) -> tuple[list[UnitRow], list[Problem]]:
    first: dict[str, UnitRow] = {}
    problems = []
    for row in rows:
        if row.code in first:
            values = {"code": row.code, "first": first[row.code].row}
            problems.append(Problem(row.row, "admin.import_duplicate", values))
        else:
            first[row.code] = row
    return list(first.values()), problems


def _without_cycles(rows: list[UnitRow]) -> tuple[list[UnitRow], list[Problem]]:
    """Leave out every row whose chain of parents inside the file comes back to it."""
    by_code = {row.code: row for row in rows}
    in_cycle: dict[str, list[str]] = {}
    for row in rows:
        chain = [row.code]
        parent = row.parent
        while parent in by_code and parent not in chain:
            chain.append(parent)
            parent = by_code[parent].parent
        if parent == row.code:
            in_cycle[row.code] = [*chain, row.code]
    problems = [Problem(by_code[code].row, "admin.import_cycle", {"chain": " → ".join(chain)})
                for code, chain in in_cycle.items()]
    return [row for row in rows if row.code not in in_cycle], problems


def plan_import(checked: Checked, existing: Mapping[str, ExistingUnit]) -> Plan:
    """Compare the checked rows with the units already stored and decide what to create, rename, move and
    leave alone. `existing` maps code → unit for every code and parent code in the file and for every unit
    above those in the stored tree (to find cycles the file makes through it)."""
    plan = Plan(problems=list(checked.problems))
    in_file = checked.codes
    tree = _FinalTree(checked.rows, existing)
    for row in checked.rows:
        stored = existing.get(row.code)
        parent = existing.get(row.parent) if row.parent is not None else None
        cycle = tree.cycle(row.code)
        if row.parent is not None and row.parent not in in_file and parent is None:
            plan.problems.append(Problem(row.row, "admin.import_unknown_parent", {"parent": row.parent}))
        elif parent is not None and not parent.active:
            plan.problems.append(Problem(row.row, "admin.import_inactive_parent", {"parent": parent.code}))
        elif cycle:
            plan.problems.append(Problem(row.row, "admin.import_cycle", {"chain": " → ".join(cycle)}))
        elif stored is None:
            plan.create.append(row)
        else:
            _plan_stored(plan, row, stored, tree)
    plan.create = _parents_first(plan.create)
    plan.move.sort(key=lambda move: tree.depth(move.row.code))
    plan.problems.sort(key=lambda problem: problem.row)
    return plan


def _plan_stored(plan: Plan, row: UnitRow, stored: ExistingUnit, tree: _FinalTree) -> None:
    moved = row.parent is not None and tree.stored_parent(stored) != row.parent
    if moved:
        plan.move.append(Move(row, tree.name(tree.stored_parent(stored)), tree.name(row.parent)))
    if (stored.name, stored.kind) != (row.name, row.kind):
        plan.rename.append((row, stored))
    elif not moved:
        plan.unchanged.append(row)


class _FinalTree:
    """The tree as it would be after the import: each unit's parent code, from the file where it says,
    else from the database."""

    def __init__(self, rows: list[UnitRow], existing: Mapping[str, ExistingUnit]) -> None:
        self._codes = {unit.id: code for code, unit in existing.items()}
        self._names = {code: unit.name for code, unit in existing.items()} | {row.code: row.name for row in rows}
        self._parents: dict[str, str | None] = {code: self.stored_parent(unit) for code, unit in existing.items()}
        for row in rows:
            if row.parent is not None or row.code not in existing:
                self._parents[row.code] = row.parent

    def stored_parent(self, unit: ExistingUnit) -> str | None:
        return self._codes.get(unit.parent_id) if unit.parent_id is not None else None

    def name(self, code: str | None) -> str:
        return self._names.get(code, code) if code is not None else ""

    def _chain(self, code: str) -> list[str]:
        """Return `code` and the codes above it, up to a root or to the first code met twice (repeated)."""
        chain = [code]
        parent = self._parents.get(code)
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = self._parents.get(parent)
        return chain if parent is None else [*chain, parent]

    def cycle(self, code: str) -> list[str]:
        """Return the chain from `code` up into a cycle, or [] when it reaches a root."""
        chain = self._chain(code)
        return chain if len(chain) != len(set(chain)) else []

    def depth(self, code: str) -> int:
        return len(self._chain(code))


def _parents_first(rows: list[UnitRow]) -> list[UnitRow]:
    new = {row.code: row for row in rows}
    ordered: dict[str, UnitRow] = {}

    def visit(row: UnitRow) -> None:
        if row.parent in new and row.parent not in ordered:
            visit(new[row.parent])
        ordered.setdefault(row.code, row)

    for row in rows:
        visit(row)
    return list(ordered.values())
