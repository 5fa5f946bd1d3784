"""The Excel workbook of a report: a title block in the style of a Youth Union report, one row per child unit,
a totals row, percentages stored as numbers formatted as percent, the header frozen; a second sheet with the
make-up of the young people introduced (aggregates only)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from conversations.i18n import Translator, period_label
from conversations.reports.summary import group_label
from conversations.reports.suppress import Shown, sensitive_cells, shown_text
from storage.reports import Figures, Report
from storage.rollups import AGE_BANDS

__all__ = ["COLUMNS", "render_workbook"]

PERCENT = "0.0%"
INTEGER = "#,##0"
HEADER_ROW = 8
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOTAL_FILL = PatternFill("solid", fgColor="FFF2CC")


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    value: Callable[[Figures], float | int | None]
    percent: bool = False
    width: int = 12


COLUMNS = (
    Column("members", lambda f: f.members),
    Column("fulfilled", lambda f: f.fulfilled),
    Column("fulfilment_rate", lambda f: f.fulfilment_rate, percent=True),
    Column("introduced", lambda f: f.introduced),
    Column("participating", lambda f: f.participating),
    Column("joined_hoi", lambda f: f.joined_hoi),
    Column("admitted", lambda f: f.admitted),
    Column("admissions_target", lambda f: f.targets.get("admissions")),
    Column("admissions_rate", lambda f: f.target_rate("admissions"), percent=True),
    Column("youth_population", lambda f: f.youth_population if f.surveyed else None),
    Column("youth_reached", lambda f: f.youth_reached if f.surveyed else None),
    Column("gathering_rate", lambda f: f.gathering_rate, percent=True),
    Column("branches", lambda f: f.branches),
    Column("submitted", lambda f: f.submitted),
    Column("on_time", lambda f: f.on_time),
    Column("submission_rate", lambda f: f.submission_rate, percent=True),
)


def render_workbook(t: Translator, report: Report, *, today: date) -> bytes:
    """Return the XLSX bytes of `report` in `t`'s language, dated `today`."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t("report.xlsx_sheet_units")[:31]
    last = get_column_letter(2 + len(COLUMNS))
    _title_block(t, sheet, report, today, last)
    _table(t, sheet, report)
    _make_up(t, book.create_sheet(t("report.xlsx_sheet_makeup")[:31]), report)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _title_block(t: Translator, sheet: Worksheet, report: Report, today: date, last: str) -> None:
    middle = get_column_letter(2 + len(COLUMNS) // 2)
    right = get_column_letter(3 + len(COLUMNS) // 2)
    cells = [
        (f"A1:{middle}1", t("report.xlsx_issuer", unit=report.unit.name.upper()), Font(bold=True)),
        (f"A2:{middle}2", "***", Font(bold=True)),
        (f"{right}1:{last}1", t("report.xlsx_union"), Font(bold=True, underline="single")),
        (f"{right}3:{last}3", t("report.xlsx_date", day=today.day, month=today.month, year=today.year),
         Font(italic=True)),
        (f"A5:{last}5", t("report.xlsx_title"), Font(bold=True, size=14)),
        (f"A6:{last}6", t("report.xlsx_subtitle", unit=report.unit.name, period=period_label(t, report.period)),
         Font(italic=True)),
    ]
    for span, text, font in cells:
        sheet.merge_cells(span)
        cell = sheet[span.split(":")[0]]
        cell.value, cell.font = text, font
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[5].height = 24


def _table(t: Translator, sheet: Worksheet, report: Report) -> None:
    headers = [t("report.col.no"), t("report.col.unit"), *(t(f"report.col.{c.key}") for c in COLUMNS)]
    for index, text in enumerate(headers, 1):
        cell = sheet.cell(HEADER_ROW, index, text)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEAD_FILL, _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[HEADER_ROW].height = 48
    rows = report.children or [report.total]
    for offset, figures in enumerate(rows, 1):
        _row(sheet, HEADER_ROW + offset, offset, figures.name, figures)
    if report.children:
        own = report.own
        extra = 1
        if any(own.counts().values()):
            _row(sheet, HEADER_ROW + len(rows) + extra, None, t("report.xlsx_own", unit=own.name), own)
            extra += 1
        total_row = HEADER_ROW + len(rows) + extra
        _row(sheet, total_row, None, t("report.xlsx_total"), report.total)
        for cell in sheet[total_row]:
            cell.font, cell.fill = Font(bold=True), _TOTAL_FILL
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 36
    for index, column in enumerate(COLUMNS, 3):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 3)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _row(sheet: Worksheet, row: int, number: int | None, name: str, figures: Figures) -> None:
    sheet.cell(row, 1, number).border = _BOX
    sheet.cell(row, 2, name).border = _BOX
    for index, column in enumerate(COLUMNS, 3):
        cell = sheet.cell(row, index, column.value(figures))
        cell.number_format = PERCENT if column.percent else INTEGER
        cell.border = _BOX


def _make_up(t: Translator, sheet: Worksheet, report: Report) -> None:
    total = report.total
    lines: list[tuple[str, int | str | None]] = [(t("report.xlsx_makeup_title", unit=total.name), None),
                                           (t("report.col.introduced"), total.introduced)]
    lines += [(t(f"report.gender.{g}"), getattr(total, g)) for g in ("male", "female", "other_gender")]
    lines += [(t(f"report.age.{band}"), getattr(total, band)) for band, _, _ in AGE_BANDS]
    lines += [(group_label(t, code), n) for code, n in sorted(report.groups.items())]
    cells = sensitive_cells(report)
    for attribute, (cell, shown) in cells.items():
        # A hidden count is written as its label ("<5", "ẩn"), never as a number a formula could read.
        lines.append((t(f"report.{attribute}"), cell.v if shown is Shown.EXACT else shown_text(t, cell, shown)))
    if any(shown is not Shown.EXACT for _, shown in cells.values()):
        lines.append((t("report.xlsx_suppressed_note"), None))
    for row, (label, value) in enumerate(lines, 1):
        sheet.cell(row, 1, label).font = Font(bold=value is None and row == 1, italic=value is None and row > 1)
        if isinstance(value, str):
            sheet.cell(row, 2, value).alignment = Alignment(horizontal="right")
        elif value is not None:
            sheet.cell(row, 2, value).number_format = INTEGER
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 14
