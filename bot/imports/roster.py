"""`bot11 admin import-members FILE [--apply] [--mark-missing-inactive] [--full]` and
`bot11 admin template members FILE.xlsx`.

Without `--apply` the import is a dry run that prints what would change and every bad row. With it, members are
created, updated and (with `--mark-missing-inactive`) marked as no longer on the roster in one transaction, and
only when no row is bad: all or nothing. On a terminal a progress bar shows the reading and the writing.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.imports.members import (
    GENDER_LABELS,
    HEADERS,
    OPTIONAL,
    POSITION_LABELS,
    Checked,
    Match,
    MemberRow,
    Plan,
    check_rows,
    plan_import,
)
from bot.imports.table import Problem, Row, TableError, open_table, parse_header
from conversations.i18n import LOCALES, Translator
from storage.models import Gender, LeftReason, MemberPosition, MemberStatus
from storage.roster import (
    RosterEntry,
    grant_secretaries,
    insert_members,
    mark_members_left,
    members_by_numbers,
    members_by_phones,
    members_of_units,
    revoke_secretaries,
    secretaries_of_units,
    units_for_roster,
    update_members,
)

__all__ = ["MAX_ROWS", "Progress", "add_roster_parser", "import_members", "render_preview", "write_members_template"]

MAX_ROWS = 300_000
BATCH = 5_000
PREVIEW_LINES = 20
_EXAMPLE = ("CD-VIDU1", "Nguyễn Văn An", "05/03/2001", GENDER_LABELS[Gender.MALE], "0912345678",
            POSITION_LABELS[MemberPosition.SECRETARY][0], "")
_TEMPLATE_ROWS = 100_000
_FIELDS = ("full_name", "birth_year", "birth_date", "gender", "phone", "member_no", "position", "status",
           "left_reason", "left_on")

T = TypeVar("T")


def add_roster_parser(admin: Any) -> None:
    """Add `import-members` to the `admin` subparsers."""
    members = admin.add_parser("import-members", help="import member rosters from .xlsx or .csv (dry run unless "
                                                      "--apply)")
    members.add_argument("file", type=Path, help="the .xlsx or .csv file (UTF-8)")
    members.add_argument("--apply", action="store_true", help="write the changes (all or nothing)")
    members.add_argument("--mark-missing-inactive", action="store_true",
                         help="mark the active members of the file's branches who are not in it as left")
    members.add_argument("--full", action="store_true", help="list every row in the preview, not the first few")
    members.add_argument("--locale", choices=LOCALES, help="language of the messages (default: the bot's)")


class Progress:
    """A progress bar on one terminal line, redrawn in place; silent when `out` is not a terminal (a pipe, a
    log file, the tests' capture), where it would only be noise."""

    def __init__(self, out: TextIO, t: Translator, *, width: int = 30, every: int = 2_000) -> None:
        self._out = out if out.isatty() else None
        self._t = t
        self._width = width
        self._every = every

    def track(self, items: Iterable[T], label: str, total: int | None) -> Iterator[T]:
        """Yield `items`, redrawing the bar every few of them and once at the end (also when reading stops at a
        bad file, so that its message starts on a line of its own)."""
        done = 0
        try:
            for done, item in enumerate(items, start=1):
                yield item
                if done % self._every == 0:
                    self.show(label, done, total)
        finally:
            self.show(label, done, total)
            self.end()

    def show(self, label: str, done: int, total: int | None) -> None:
        """Redraw the bar: `done` of `total` (or just `done` when the total is unknown)."""
        if self._out is None:
            return
        if total:
            share = min(done / total, 1.0)
            filled = round(share * self._width)
            bar = "█" * filled + "░" * (self._width - filled)
            line = f"{label} [{bar}] {self._t.percent(share)} {self._t.number(done)}/{self._t.number(total)}"
        else:
            line = f"{label} {self._t.number(done)}"
        self._out.write(f"\r{line}")
        self._out.flush()

    def end(self) -> None:
        """Leave the finished bar on its line."""
        if self._out is not None:
            self._out.write("\n")


async def import_members(app: App, args: argparse.Namespace, out: TextIO) -> int:
    """Preview (and with `--apply`, write) the rosters of a file; return 0, or 1 when the file or a row is bad."""
    t = app.catalogs.get(args.locale)
    today = app.clock().astimezone(app.tz).date()
    progress = Progress(out, t)
    try:
        checked = read_roster(args.file, today=today, progress=progress, t=t)
    except TableError as error:
        out.write(_problem(t, error.problem) + "\n")
        return 1
    async with app.sessions() as session, session.begin():
        plan = await _plan(session, checked, mark_missing=args.mark_missing_inactive)
        out.write(render_preview(t, plan, full=args.full))
        if plan.problems:
            out.write(t("admin.import_refused", count=len(plan.problems)) + "\n")
            return 1
        if not args.apply:
            out.write(t("admin.import_dry_run") + "\n")
            return 0
        await _write(session, plan, today=today, now=app.clock(), progress=progress, t=t)
    out.write(t("admin.import_applied", changes=plan.changes) + "\n")
    return 0


def read_roster(path: Path, *, today: date, progress: Progress, t: Translator) -> Checked:
    """Read and check every row of a roster file; a file of more than `MAX_ROWS` rows is refused, before
    reading it when it says its size, else as soon as the count passes."""
    stream = open_table(path)
    if stream.size is not None and stream.size - 1 > MAX_ROWS:
        raise TableError(Problem(0, "roster.too_many_rows", {"limit": t.number(MAX_ROWS)}))
    columns = parse_header(stream.header, HEADERS, optional=OPTIONAL, missing_key="roster.header_missing")
    total = stream.size - 1 if stream.size else None
    rows = progress.track(_capped(stream.rows, t), t("roster.progress_read"), total)
    return check_rows(rows, columns, today=today)


def _capped(rows: Iterator[Row], t: Translator) -> Iterator[Row]:
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise TableError(Problem(0, "roster.too_many_rows", {"limit": t.number(MAX_ROWS)}))
        yield row


async def _plan(session: AsyncSession, checked: Checked, *, mark_missing: bool) -> Plan:
    """Load what the rows are compared with, then plan. A number already found in the file's branches has no
    other holder (numbers are unique), nor is a phone looked for elsewhere once the row's own branch has it, so
    a re-import looks up almost nothing beyond the branches' rosters."""
    units = await units_for_roster(session, codes={row.branch for row in checked.rows})
    branch_ids = {unit.id: unit.code for unit in units if not unit.has_children}
    roster = await members_of_units(session, unit_ids=branch_ids)
    numbers = {member.member_no for member in roster}
    phones = {(branch_ids[member.unit_id], member.phone) for member in roster}
    members = [
        *roster,
        *await members_by_numbers(session, numbers={row.number for row in checked.rows
                                                    if row.number and row.number not in numbers}),
        *await members_by_phones(session, phones={row.phone for row in checked.rows
                                                  if row.phone and (row.branch, row.phone) not in phones}),
    ]
    secretaries = await secretaries_of_units(session, unit_ids=branch_ids)
    return plan_import(checked, units=units, members=members, secretaries=secretaries, mark_missing=mark_missing)


async def _write(
    session: AsyncSession, plan: Plan, *, today: date, now: datetime, progress: Progress, t: Translator
) -> None:
    if plan.mark_missing:
        await mark_members_left(session, member_ids=[member.id for member in plan.missing],
                                reason=LeftReason.MISSING, on=today)
    label, total = t("roster.progress_write"), len(plan.update) + len(plan.create)
    done = 0
    for matches in _batches(plan.update):
        await update_members(session, rows=[_updated(match) for match in matches])
        done += len(matches)
        progress.show(label, done, total)
    created: dict[tuple[int, str, int, date | None, str | None], int] = {}
    for rows in _batches(plan.create):
        created |= await insert_members(session, rows=[_new(plan, row, now) for row in rows])
        done += len(rows)
        progress.show(label, done, total)
    if total:
        progress.end()
    grants = set()
    for row, member_id in plan.grants:
        branch = plan.branch_ids[row.branch]
        key = (branch, row.name_key, row.birth_year, row.birth_date, row.number)
        grants.add((created[key] if member_id is None else member_id, branch))
    await grant_secretaries(session, grants=grants)
    await revoke_secretaries(session, roles={(match.member.id, plan.branch_ids[match.row.branch])
                                             for match in plan.revokes})


def _batches(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _new(plan: Plan, row: MemberRow, now: datetime) -> dict[str, object]:
    return {"full_name": row.full_name, "name_key": row.name_key, "birth_year": row.birth_year,
            "birth_date": row.birth_date, "gender": row.gender, "phone": row.phone, "member_no": row.number,
            "position": row.position, "unit_id": plan.branch_ids[row.branch], "status": MemberStatus.ACTIVE,
            "joined_at": now, "nudges": True}


def _updated(match: Match) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(match.member, name) for name in _FIELDS}
    values.update(match.changes)
    return {"id": match.member.id, "name_key": match.row.name_key, **values}


def render_preview(t: Translator, plan: Plan, *, full: bool = False) -> str:
    """Word a plan for the operator: the counts, then whom the missing rule would drop (or leaves alone), then
    the members to create, update and make secretary, then each bad row; long lists are cut unless `full`."""
    lines = [t("roster.summary", changes=plan.changes, create=len(plan.create), update=len(plan.update),
               unchanged=len(plan.unchanged), grants=len(plan.grants), revokes=len(plan.revokes),
               problems=len(plan.problems))]
    if plan.missing and plan.mark_missing:
        lines.append(t("roster.missing_title", count=len(plan.missing)))
        lines += _listed(t, plan.missing, lambda member: f"  - {_who(member)}", full)
    elif plan.missing:
        lines.append(t("roster.missing_kept", count=len(plan.missing)))
    if plan.create:
        lines.append(t("roster.create_title"))
        lines += _listed(t, plan.create, lambda row: f"  + {_row_label(t, row)}: {_person(t, row)}", full)
    if plan.update:
        lines.append(t("roster.update_title"))
        lines += _listed(t, plan.update, lambda match: f"  ~ {_matched(t, match)}: {_changes(t, match)}", full)
    if plan.unchanged and full:
        lines.append(t("roster.unchanged_title"))
        lines += [f"  = {_matched(t, match)}" for match in plan.unchanged]
    if plan.grants:
        lines.append(t("roster.grants_title"))
        lines += _listed(t, plan.grants, lambda grant: f"  * {_row_label(t, grant[0])}: {grant[0].full_name} "
                                                       f"({grant[0].branch})", full)
    if plan.revokes:
        lines.append(t("roster.revokes_title"))
        lines += _listed(t, plan.revokes, lambda match: f"  x {_matched(t, match)}", full)
    if plan.problems:
        lines.append(t("admin.import_problems_title"))
        lines += _listed(t, plan.problems, lambda problem: f"  {_problem(t, problem)}", full, 5 * PREVIEW_LINES)
    return "\n".join(lines) + "\n"


def _listed(
    t: Translator, items: Sequence[T], line: Callable[[T], str], full: bool, limit: int = PREVIEW_LINES
) -> list[str]:
    """Word the first `limit` items (all when `full`) and say how many more there are."""
    if full or len(items) <= limit:
        return [line(item) for item in items]
    return [*map(line, items[:limit]), "  " + t("roster.more", count=t.number(len(items) - limit))]


def _row_label(t: Translator, row: MemberRow) -> str:
    return t("roster.row", row=row.row)


def _who(member: RosterEntry) -> str:
    return f"#{member.id} {member.full_name} ({member.unit_code})"


def _person(t: Translator, row: MemberRow) -> str:
    birth = t.date(row.birth_date) if row.birth_date else str(row.birth_year)
    return f"{row.full_name}, {birth} ({row.branch})"


def _matched(t: Translator, match: Match) -> str:
    return f"{_row_label(t, match.row)} → {_who(match.member)} {t(f'roster.by_{match.by}')}"


def _changes(t: Translator, match: Match) -> str:
    """Name each changed field with its new value; a birth date and year, and the status with why the member had
    left, are one field each."""
    parts = []
    for name, value in match.changes.items():
        if (name == "birth_year" and "birth_date" in match.changes) or name in ("left_reason", "left_on"):
            continue
        parts.append(f"{t(f'roster.field_{name}')} → {_value(t, name, value, match.row)}")
    return "; ".join(parts)


def _value(t: Translator, name: str, value: object, row: MemberRow) -> str:
    if name in ("birth_date", "birth_year"):
        return t.date(row.birth_date) if row.birth_date else str(row.birth_year)
    if name in ("gender", "position", "status") and value is not None:
        return t(f"roster.{name}_{value}")
    return "–" if value is None else str(value)


def _problem(t: Translator, problem: Problem) -> str:
    text = t(problem.key, **problem.values)
    return t("admin.import_row", row=problem.row, text=text) if problem.row else text


def write_members_template(path: Path) -> None:
    """Write an empty roster workbook: the Vietnamese headers, one example row, drop-down lists for `Giới tính`
    and `Chức vụ`, and the date, phone and member number columns kept as text so that Excel neither turns a
    date into a serial number nor drops a phone's leading 0."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Doan vien"
    sheet.append([names[0] for names in HEADERS.values()])
    sheet.append(list(_EXAMPLE))
    lists = {"D": ",".join(GENDER_LABELS.values()), "F": ",".join(labels[0] for labels in POSITION_LABELS.values())}
    for column, choices in lists.items():
        validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        validation.add(f"{column}2:{column}{_TEMPLATE_ROWS}")
        sheet.add_data_validation(validation)
    for column, width in zip("ABCDEFG", (14, 30, 14, 11, 15, 14, 16), strict=True):
        sheet.column_dimensions[column].width = width
    for column in "CEG":
        sheet.column_dimensions[column].number_format = "@"
        for cell in sheet[column][1:]:
            cell.number_format = "@"
    workbook.save(path)
