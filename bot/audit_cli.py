"""`bot11 admin audit [--unit CODE] [--since DATE]`: the audit log as the operator reads it when answering a
data subject or an inspection: one line per entry, oldest first, in the bot's time zone.

    2026-11-24 10:00  CD-KP1      privacy.exported              youth:12        member:5

Actors are member ids (the log holds no personal data); retention runs have no actor ("-").
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import Any, TextIO

from bot.app import App
from storage import audit
from storage.units import unit_by_code

__all__ = ["add_audit_parser", "list_audit"]


def add_audit_parser(admin: Any) -> None:
    """Add `audit` to the admin sub-commands (`admin` is argparse's sub-parsers action)."""
    parser = admin.add_parser("audit", help="list the audit log (data requests, deletions, edits...)")
    parser.add_argument("--unit", help="only the lines of this unit's subtree, e.g. QD-HB")
    parser.add_argument("--since", type=date.fromisoformat, help="only from this day on (YYYY-MM-DD, local time)")


async def list_audit(app: App, args: argparse.Namespace, out: TextIO) -> int:
    """Write the audit lines asked for; 2 for an unknown unit code."""
    since = datetime.combine(args.since, datetime.min.time(), tzinfo=app.tz) if args.since else None
    async with app.sessions() as session:
        root = None
        if args.unit:
            unit = await unit_by_code(session, code=args.unit.strip().upper())
            if unit is None:
                out.write(f"no unit with code {args.unit!r}; see `bot11 admin tree`\n")
                return 2
            root = unit.path
        found = await audit.lines(session, root_path=root, since=since)
    for line, code in found:
        actor = f"member:{line.actor_member_id}" if line.actor_member_id is not None else "-"
        out.write(f"{line.at.astimezone(app.tz):%Y-%m-%d %H:%M}  {code or '-':<10}  {line.action:<30}  "
                  f"{line.target:<14}  {actor}\n")
    return 0
