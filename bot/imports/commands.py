"""`bot11 admin import-units FILE [--apply]` and `bot11 admin template units FILE.xlsx`.

Without `--apply` the import is a dry run that prints what would change and every bad row. With it, the
units are created, moved and renamed in one transaction, and only when no row is bad: all or nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.imports.table import Problem, TableError, read_table
from bot.imports.units import HEADERS, KIND_LABELS, ExistingUnit, Plan, check_rows, plan_import
from conversations.i18n import LOCALES, Translator
from storage.models import Unit, UnitKind
from storage.reorganise import move_unit
from storage.units import add_unit, ancestor_ids, rename_unit, units_by_codes, units_by_ids

__all__ = ["add_import_parsers", "import_units", "write_units_template"]

_EXAMPLE = ("TD-VIDU", "Tỉnh Đoàn Ví Dụ", "", KIND_LABELS[UnitKind.PROVINCE][0])
_TEMPLATE_ROWS = 500


def add_import_parsers(admin: Any) -> None:
    """Add `import-units` and `template` to the `admin` subparsers."""
    units = admin.add_parser("import-units", help="import the unit tree from .xlsx or .csv (dry run unless --apply)")
    units.add_argument("file", type=Path, help="the .xlsx or .csv file (UTF-8)")
    units.add_argument("--apply", action="store_true", help="write the changes (all or nothing)")
    units.add_argument("--locale", choices=LOCALES, help="language of the messages (default: the bot's)")
    template = admin.add_parser("template", help="write an empty import workbook with its headers")
    template.add_argument("what", choices=["units", "members"])
    template.add_argument("file", type=Path, help="the .xlsx file to write")


async def import_units(app: App, args: argparse.Namespace, out: TextIO) -> int:
    """Preview (and with `--apply`, write) the unit tree of a file; return 0, or 1 when a row is bad."""
    t = app.catalogs.get(args.locale)
    try:
        checked = check_rows(read_table(args.file))
    except TableError as error:
        out.write(_problem(t, error.problem) + "\n")
        return 1
    codes = checked.codes | {row.parent for row in checked.rows if row.parent}
    async with app.sessions() as session, session.begin():
        named = await units_by_codes(session, codes=codes)
        above = {i for unit in named for i in ancestor_ids(unit.path)} - {unit.id for unit in named}
        stored = [*named, *await units_by_ids(session, ids=above)]
        existing = {unit.code: _existing(unit) for unit in stored}
        plan = plan_import(checked, existing)
        out.write(render_preview(t, plan))
        if plan.problems:
            out.write(t("admin.import_refused", count=len(plan.problems)) + "\n")
            return 1
        if not args.apply:
            out.write(t("admin.import_dry_run") + "\n")
            return 0
        await _write(session, plan, {unit.code: unit for unit in stored})
    out.write(t("admin.import_applied", changes=plan.changes) + "\n")
    return 0


def _existing(unit: Unit) -> ExistingUnit:
    assert unit.id is not None
    return ExistingUnit(id=unit.id, code=unit.code, name=unit.name, kind=unit.kind, parent_id=unit.parent_id,
                        active=unit.active)


async def _write(session: AsyncSession, plan: Plan, units: dict[str, Unit]) -> None:
    for row in plan.create:
        parent = units[row.parent] if row.parent else None
        units[row.code] = await add_unit(session, code=row.code, name=row.name, kind=row.kind, parent=parent)
    for move in plan.move:
        assert move.row.parent is not None
        await move_unit(session, unit=units[move.row.code], new_parent=units[move.row.parent])
    for row, stored in plan.rename:
        await rename_unit(session, unit_id=stored.id, name=row.name, kind=row.kind)


def render_preview(t: Translator, plan: Plan) -> str:
    """Word a plan for the operator: the counts, then each unit to create, move or rename, then each bad row."""
    lines = [t("admin.import_summary", changes=plan.changes, create=len(plan.create), rename=len(plan.rename),
               move=len(plan.move), unchanged=len(plan.unchanged), problems=len(plan.problems))]
    if plan.create:
        lines.append(t("admin.import_create_title"))
        lines += [f"  + {row.code:<10} {row.name} ({_kind(t, row.kind)})"
                  + (f" ← {row.parent}" if row.parent else "") for row in plan.create]
    if plan.move:
        lines.append(t("admin.import_move_title"))
        lines += [f"  > {move.row.code}: {move.old_parent or t('admin.import_no_parent')} → {move.new_parent}"
                  for move in plan.move]
    if plan.rename:
        lines.append(t("admin.import_rename_title"))
        lines += [f"  ~ {row.code:<10} {stored.name} ({_kind(t, stored.kind)}) → {row.name} ({_kind(t, row.kind)})"
                  for row, stored in plan.rename]
    if plan.problems:
        lines.append(t("admin.import_problems_title"))
        lines += [f"  {_problem(t, problem)}" for problem in plan.problems]
    return "\n".join(lines) + "\n"


def _kind(t: Translator, kind: str) -> str:
    return t(f"admin.kind_{kind}") if kind in set(UnitKind) else kind


def _problem(t: Translator, problem: Problem) -> str:
    text = t(problem.key, **problem.values)
    return t("admin.import_row", row=problem.row, text=text) if problem.row else text


def write_units_template(path: Path) -> None:
    """Write an empty unit workbook: the Vietnamese headers, one example row, a drop-down list for `Cấp`."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Don vi"
    sheet.append([names[0] for names in HEADERS.values()])
    sheet.append(list(_EXAMPLE))
    levels = ",".join(labels[0] for labels in KIND_LABELS.values())
    validation = DataValidation(type="list", formula1=f'"{levels}"', allow_blank=True)
    validation.add(f"D2:D{_TEMPLATE_ROWS}")
    sheet.add_data_validation(validation)
    for column, width in zip("ABCD", (16, 40, 20, 16), strict=True):
        sheet.column_dimensions[column].width = width
    workbook.save(path)
