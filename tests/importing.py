"""What the import tests share: the command line pointed at a database holding the demo organisation, files
written as .csv (in an encoding) or .xlsx, and `bot11 admin ...` run with its output captured."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.app import build_app
from bot.cli import main
from bot.settings import Settings
from storage.demo import seed_demo

__all__ = ["Rows", "demo_cli", "run", "write_csv", "write_xlsx", "writers"]

Rows = Sequence[Sequence[object]]


def demo_cli(monkeypatch: pytest.MonkeyPatch, database_url: str, folder: Path) -> Path:
    """Point the command line at `database_url`, seeded with the demo organisation, working in `folder`."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(folder)  # no stray .env is read

    async def seed() -> None:
        app = build_app(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
        try:
            await app.prepare()
            async with app.sessions() as session, session.begin():
                await seed_demo(session, now=app.clock())  # unless the app already seeded it
        finally:
            await app.close()

    asyncio.run(seed())
    return folder


def write_csv(path: Path, rows: Rows, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: Path, rows: Rows) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    workbook.save(path)
    return path


def writers(stem: str) -> dict[str, Callable[[Path, Rows], Path]]:
    """The three ways an officer hands over a file named `stem`: .xlsx, UTF-8 .csv, and .csv with a BOM."""
    return {
        "xlsx": lambda folder, rows: write_xlsx(folder / f"{stem}.xlsx", rows),
        "csv": lambda folder, rows: write_csv(folder / f"{stem}.csv", rows),
        "csv-bom": lambda folder, rows: write_csv(folder / f"{stem}.csv", rows, "utf-8-sig"),
    }


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run `bot11 admin *args`; return its exit code and what it printed."""
    code = main(["admin", *args])
    return code, capsys.readouterr().out
