"""Reading an operator's spreadsheet into plain rows: `.xlsx` (openpyxl, read-only) or `.csv` in UTF-8.

Every problem that stops the whole file (an encoding that is not UTF-8, a formula, a header that cannot be
read) is a `TableError` carrying a catalog key, so the caller words it in the operator's language.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Cell", "Problem", "Row", "Table", "TableError", "fold", "parse_header", "read_table"]

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


def fold(text: str) -> str:
    """Return `text` lowercased, without diacritics (đ → d) and with single spaces, for matching by hand-typed
    headers and levels."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "d"))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.lower().split())


def read_table(path: Path) -> Table:
    """Read the first sheet of an `.xlsx` file or a `.csv` file; blank rows are left out."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        rows = list(_xlsx_rows(path))
    elif suffix == ".csv":
        rows = list(_csv_rows(path.read_bytes()))
    else:
        raise TableError(Problem(0, "admin.import_bad_suffix", {"suffix": suffix or path.name}))
    rows = [(number, cells) for number, cells in rows if any(cells)]
    if not rows:
        raise TableError(Problem(0, "admin.import_empty"))
    (_, header), *data = rows
    return Table(header=header, rows=data)


def parse_header(header: Sequence[Cell], names: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Find each wanted column (`names`: column → accepted headers, the first one shown when missing) in
    `header`, matching folded text; return column → index.

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
    missing = [names[column][0] for column in names if column not in found]
    if missing:
        raise TableError(Problem(1, "admin.import_header_missing", {"headers": ", ".join(missing)}))
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
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _xlsx_rows(path: Path) -> Iterator[Row]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=False)
    try:
        sheet = workbook.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            for index, cell in enumerate(cells):
                if getattr(cell, "data_type", None) == "f":
                    raise TableError(Problem(number, "admin.import_formula", {"cell": f"{_letter(index)}{number}"}))
            yield number, tuple(_text(getattr(cell, "value", None)) for cell in cells)
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> Iterator[Row]:
    text = _decode(data)
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
