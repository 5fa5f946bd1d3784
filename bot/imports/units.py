"""The unit tree from a spreadsheet, as pure functions: rows → checked units → a plan against the database.

Columns (Vietnamese headers first, English accepted; headers and levels match regardless of case and
diacritics): `Mã đơn vị`, `Tên đơn vị`, `Mã đơn vị cấp trên` (empty for the root of the file; a parent may
also be a unit already in the database), `Cấp`. An existing unit whose parent cell is empty stays where it
is. Moving an existing unit to another parent is refused: it would change the paths of its whole subtree,
which the report rollups assume never happens (storage/rollups.py).
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


@dataclass(slots=True)
class Plan:
    """What an import would do. `create` is ordered so that every parent comes before its children."""

    create: list[UnitRow] = field(default_factory=list)
    rename: list[tuple[UnitRow, ExistingUnit]] = field(default_factory=list)
    unchanged: list[UnitRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.create) + len(self.rename)


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
    """Compare the checked rows with the units already stored (`existing`: code → unit, for every code and
    parent code in the file) and decide what to create, rename and leave alone."""
    plan = Plan(problems=list(checked.problems))
    in_file = checked.codes
    for row in checked.rows:
        stored = existing.get(row.code)
        if row.parent is not None and row.parent not in in_file and row.parent not in existing:
            plan.problems.append(Problem(row.row, "admin.import_unknown_parent", {"parent": row.parent}))
        elif stored is None:
            plan.create.append(row)
        elif row.parent is not None and _moves(stored, existing.get(row.parent)):
            plan.problems.append(Problem(row.row, "admin.import_move", {"code": row.code, "parent": row.parent}))
        elif (stored.name, stored.kind) != (row.name, row.kind):
            plan.rename.append((row, stored))
        else:
            plan.unchanged.append(row)
    plan.create = _parents_first(plan.create)
    plan.problems.sort(key=lambda problem: problem.row)
    return plan


def _moves(stored: ExistingUnit, parent: ExistingUnit | None) -> bool:
    """Tell whether the file puts a stored unit under another parent (a parent new in the file is another)."""
    return parent is None or parent.id != stored.parent_id


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
