"""`bot11 report`: the report of any unit and period from a shell, as the chat command gives it.

    bot11 report --unit QD-HB --period 2026-H1 --xlsx out.xlsx --png chart.png [--locale en]

Prints the summary; writes the workbook and the chart when asked. An operator at the shell has the whole
tree, so there is no role check here (the chat commands have one)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.app import build_app
from bot.settings import Settings
from conversations.i18n import LOCALES
from conversations.reports import render_chart, render_summary, render_workbook
from storage.calendar import Period
from storage.reports import report_for
from storage.units import unit_by_code

__all__ = ["add_report_parser", "run_report"]


def add_report_parser(commands: Any) -> None:
    """Add the `report` subcommand to the CLI's subparsers."""
    parser = commands.add_parser("report", help="print a unit's 1+1 report; write its Excel file and chart")
    parser.add_argument("--unit", required=True, help="unit code, e.g. QD-HB (see `bot11 admin tree`)")
    parser.add_argument("--period", help="2026-H1, 2026-H2 or 2026 (default: the current half-year)")
    parser.add_argument("--xlsx", type=Path, help="write the Excel workbook to this file")
    parser.add_argument("--png", type=Path, help="write the bar chart to this file")
    parser.add_argument("--locale", choices=LOCALES, help="language of the texts (default: the bot's)")


async def run_report(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    """Compute and write the report; return the exit code (2 for a bad unit or period)."""
    tz = ZoneInfo(settings.timezone)
    app = build_app(settings)
    try:
        await app.prepare()
        today = app.clock().astimezone(tz).date()
        try:
            period = Period.parse(args.period) if args.period else Period.half_of(today)
        except ValueError:
            out.write(f"not a period: {args.period!r} (use 2026-H1, 2026-H2 or 2026)\n")
            return 2
        async with app.sessions() as session:
            unit = await unit_by_code(session, code=args.unit.strip().upper())
            if unit is None:
                out.write(f"no unit with code {args.unit!r}; see `bot11 admin tree`\n")
                return 2
            report = await report_for(session, unit=unit, period=period, calendar=app.calendar, tz=tz)
        t = app.catalogs.get(args.locale)
        out.write(render_summary(t, report, top=len(report.children)) + "\n")
        _write(out, args.xlsx, lambda: render_workbook(t, report, today=today), t("report.cli_saved", path=args.xlsx))
        _write(out, args.png, lambda: render_chart(t, report), t("report.cli_saved", path=args.png))
        return 0
    finally:
        await app.close()


def _write(out: TextIO, path: Path | None, render: Any, said: str) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render())
    out.write(said + "\n")

