"""Reading an operator's spreadsheet into plain rows: `.xlsx` (its XML read directly, `xlsx.py`) or `.csv` in
UTF-8.

Every problem that stops the whole file (an encoding that is not UTF-8, a formula, a header that cannot be
read) is a `TableError` carrying a catalog key, so the caller words it in the operator's language.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from bot.imports.xlsx import SheetRow, open_first_sheet

__all__ = [
    "Cell", "Problem", "Row", "Table", "TableError", "TableStream", "fold", "open_table", "parse_header", "read_table",
]

Cell = str
Row = tuple[int, tuple[Cell, ...]]  # (row number as the spreadsheet shows it, cells as text)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in a file or a row: a catalog key and its values; `row` 0 is the whole file."""

    row: int
    key: str
    values: Mapping[str, object] = field(default_factory=dict)


class TableError(Exception):
    """The file cannot be read as a table at all."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.key)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Table:
    """The header row and the non-blank data rows of a file."""

    header: tuple[Cell, ...]
    rows: list[Row]


@dataclass(frozen=True, slots=True)
class TableStream:
    """The header row of a file and its non-blank data rows, read as they are taken, so that a large file is
    counted (and refused, or shown with a progress bar) without holding it all. `size` is how many rows the file
    says it has, header included (an `.xlsx` sheet's dimension, a `.csv`'s lines), or None when it does not say.
    """

    header: tuple[Cell, ...]
    rows: Iterator[Row]
    size: int | None


def fold(text: str) -> str:
    """Return `text` lowercased, without diacritics (đ → d) and with single spaces, for matching by hand-typed
    headers and levels."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "d"))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.lower().split())


def read_table(path: Path) -> Table:
    """Read the first sheet of an `.xlsx` file or a `.csv` file; blank rows are left out."""
    stream = open_table(path)
    return Table(header=stream.header, rows=list(stream.rows))


def open_table(path: Path) -> TableStream:
    """Open the first sheet of an `.xlsx` file or a `.csv` file and read its header row; blank rows are left out.

    The rows are read as the caller takes them: a problem in a later row (a formula) is raised then.
    """
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        rows, size = _xlsx_rows(path)
    elif suffix == ".csv":
        text = _decode(path.read_bytes())
        rows, size = _csv_rows(text), text.count("\n") + (not text.endswith("\n"))
    else:
        raise TableError(Problem(0, "admin.import_bad_suffix", {"suffix": suffix or path.name}))
    filled = ((number, cells) for number, cells in rows if any(cells))
    first = next(filled, None)
    if first is None:
        raise TableError(Problem(0, "admin.import_empty"))
    return TableStream(header=first[1], rows=filled, size=size)


def parse_header(
    header: Sequence[Cell], names: Mapping[str, Sequence[str]], *, optional: Collection[str] = (),
    missing_key: str = "admin.import_header_missing",
) -> dict[str, int]:
    """Find each wanted column (`names`: column → accepted headers, the first one shown when missing) in
    `header`, matching folded text; return column → index. A column in `optional` may be absent; the others
    missing raise `missing_key` (whose text names the template to use).

    An empty header cell between named ones is what a merged cell reads as, so it is refused as such.
    """
    last = max((i for i, cell in enumerate(header) if cell), default=-1)
    wanted = {fold(accepted): column for column, headers in names.items() for accepted in headers}
    found: dict[str, int] = {}
    for index, cell in enumerate(header[: last + 1]):
        if not cell:
            raise TableError(Problem(1, "admin.import_header_gap", {"column": _letter(index)}))
        column = wanted.get(fold(cell))
        if column is None:
            continue
        if column in found:
            raise TableError(Problem(1, "admin.import_header_twice", {"header": cell}))
        found[column] = index
    missing = [names[column][0] for column in names if column not in found and column not in optional]
    if missing:
        raise TableError(Problem(1, missing_key, {"headers": ", ".join(missing)}))
    return found


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):  # an Excel date cell, written the way operators type dates
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _xlsx_rows(path: Path) -> tuple[Iterator[Row], int | None]:
    try:
        rows, size = open_first_sheet(path)
    except (zipfile.BadZipFile, KeyError, ParseError):
        raise TableError(Problem(0, "roster.not_xlsx", {"name": path.name})) from None
    return _sheet_rows(rows, path), size


def _sheet_rows(rows: Iterator[SheetRow], path: Path) -> Iterator[Row]:
    try:
        for row in rows:
            if row.formula is not None:
                cell = f"{_letter(row.formula)}{row.number}"
                raise TableError(Problem(row.number, "admin.import_formula", {"cell": cell}))
            yield row.number, tuple(_text(value) for value in row.values)
    except ParseError:
        raise TableError(Problem(0, "roster.not_xlsx", {"name": path.name})) from None


def _csv_rows(text: str) -> Iterator[Row]:
    for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        yield number, tuple(_text(cell) for cell in cells)


def _decode(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM); name any other encoding rather than guess at its letters."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(b"\x00") > 1:
        raise TableError(Problem(0, "admin.import_encoding", {"encoding": "UTF-16"}))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableError(Problem(0, "admin.import_encoding", {"encoding": "Windows-1258"})) from None
