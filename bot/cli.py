"""Command line: run the bot (the default), or the admin tasks an operator does from a shell.

    bot11                      run: console chat without a platform token, Telegram/Zalo with one
    bot11 send                 run only the outbox senders (a process of its own beside webhook workers)
    bot11 admin tree           print the unit tree with codes
    bot11 admin invite --unit CD-KP1 --role member [--days 30] [--uses 50]
    bot11 admin invites --under QD-HB --role member --out invites/   a code and a QR card per branch
    bot11 admin import-units units.xlsx [--apply]   the unit tree from .xlsx/.csv (a dry run without --apply)
    bot11 admin template units units.xlsx           an empty workbook to fill for import-units
    bot11 admin move-unit CS-PBA --to HD-TS         move a unit, with the units below it, under another parent
    bot11 admin merge-units CD-KP2 CD-KP3 --into CD-KP1   merge units (kept deactivated, with their history)
    bot11 admin deactivate-unit CD-KP2              deactivate a unit without members or active child units
    bot11 admin import-members members.xlsx [--apply] [--mark-missing-inactive]   branch rosters from .xlsx/.csv
    bot11 admin template members members.xlsx       an empty workbook to fill for import-members
    bot11 admin transfer MEMBER --to CD-KP2        move a member (member number or id) to another branch at once
    bot11 admin leave MEMBER --reason matured|left_union [--on 2026-06-30]   take a member off the roster
    bot11 admin audit [--unit QD-HB] [--since 2026-01-01]   the audit log (data requests, deletions, edits)
    bot11 admin seed-demo      put the made-up demo organisation into an empty database (refused otherwise)
    bot11 admin new-key        print a new key for SENSITIVE_KEYS
    bot11 admin rotate-key [--batch 1000]   re-seal ethnicity and religion with the first key of SENSITIVE_KEYS
    bot11 admin sample-org DIR  write a made-up organisation's units.xlsx and members.xlsx, filled in, to try imports
    bot11 report --unit QD-HB --period 2026-H1 --xlsx out.xlsx --png chart.png
    bot11 simulate --from 2026-06-01 --to 2027-01-31   a half-year of pushes with the demo and a fake clock
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.app import App, build_app
from bot.audit_cli import add_audit_parser, list_audit
from bot.imports.commands import add_import_parsers, import_units, write_units_template
from bot.imports.invites_bulk import add_invites_parser, make_invites
from bot.imports.members_admin import add_member_parsers, leave_member, transfer_member
from bot.imports.reorganise import REORGANISE_TASKS, add_reorganise_parsers, reorganise
from bot.imports.roster import add_roster_parser, import_members, write_members_template
from bot.imports.sample import write_sample
from bot.report_cli import add_report_parser, run_report
from bot.settings import Settings
from bot.simulate import add_simulate_parser, simulate
from storage.demo import DEMO_INVITES
from storage.invites import create_invite
from storage.models import RoleName
from storage.sealed import SealError, new_key, rotate_batch, rotate_dialogs
from storage.units import subtree_units, unit_by_code

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot11", description="Bot 1+1")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot (console chat when no platform token is set)")
    commands.add_parser("send", help="run only the outbox senders (no scheduler, no chat)")
    admin = commands.add_parser("admin", help="operator tasks").add_subparsers(dest="task", required=True)
    admin.add_parser("tree", help="print the unit tree with codes")
    invite = admin.add_parser("invite", help="create an invite code for a unit and role")
    invite.add_argument("--unit", required=True, help="unit code, e.g. CD-KP1")
    invite.add_argument("--role", default=RoleName.MEMBER, choices=[role.value for role in RoleName])
    invite.add_argument("--days", type=int, default=30, help="days until the code expires")
    invite.add_argument("--uses", type=int, default=50, help="how many people may use the code")
    add_import_parsers(admin)
    add_reorganise_parsers(admin)
    add_invites_parser(admin)
    add_roster_parser(admin)
    add_member_parsers(admin)
    add_audit_parser(admin)
    admin.add_parser("seed-demo", help="seed the made-up demo organisation (an empty database only)")
    admin.add_parser("new-key", help="print a new key for SENSITIVE_KEYS")
    rotate = admin.add_parser("rotate-key", help="re-seal ethnicity and religion with the first key of SENSITIVE_KEYS")
    rotate.add_argument("--batch", type=int, default=1000, help="young people re-sealed per transaction")
    sample = admin.add_parser("sample-org", help="write a made-up organisation's two import workbooks, filled in")
    sample.add_argument("folder", type=Path, help="where to write units.xlsx and members.xlsx")
    add_report_parser(commands)
    add_simulate_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen command; return the process exit code."""
    args = _parser().parse_args(argv)
    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command in (None, "run"):
        from bot.serve import serve

        return asyncio.run(serve(settings))
    if args.command == "send":
        from bot.serve import send

        return asyncio.run(send(settings))
    if args.command == "report":
        return asyncio.run(run_report(settings, args, sys.stdout))
    if args.command == "simulate":
        return asyncio.run(simulate(settings, args, sys.stdout))
    try:
        return asyncio.run(_admin(settings, args, sys.stdout))
    except BrokenPipeError:
        # The reader went away (`bot11 admin tree | head`): not an error; stop writing to the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


async def _admin(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    if args.task == "template":
        (write_members_template if args.what == "members" else write_units_template)(args.file)
        return 0
    if args.task == "sample-org":
        write_sample(args.folder, out)
        return 0
    if args.task == "new-key":
        out.write(f"{new_key()}\n")
        return 0
    try:
        app = build_app(settings)
    except ValueError as refused:  # SENSITIVE_KEYS malformed or missing beside a platform token
        out.write(f"refused: {refused}\n")
        return 1
    try:
        await app.prepare()
        if args.task == "tree":
            await _print_tree(app, out)
            return 0
        if args.task in REORGANISE_TASKS:
            return await reorganise(app, args, out)
        if args.task == "import-units":
            return await import_units(app, args, out)
        if args.task == "invites":
            return await make_invites(app, args, out)
        if args.task == "import-members":
            return await import_members(app, args, out)
        if args.task == "transfer":
            return await transfer_member(app, args, out)
        if args.task == "leave":
            return await leave_member(app, args, out)
        if args.task == "seed-demo":
            return await _seed_demo(app, out)
        if args.task == "rotate-key":
            return await _rotate_key(app, args.batch, out)
        if args.task == "audit":
            return await list_audit(app, args, out)
        return await _make_invite(app, args, out)
    finally:
        await app.close()


async def _seed_demo(app: App, out: TextIO) -> int:
    if not await app.seed_demo():
        out.write("refused: the database already holds units (see `bot11 admin tree`); the demo organisation is "
                  "seeded only into an empty database, so its public codes never reach a real organisation\n")
        return 1
    out.write(f"seeded the demo organisation; its invite codes: {', '.join(DEMO_INVITES)}\n")
    return 0


async def _rotate_key(app: App, batch: int, out: TextIO) -> int:
    """Re-seal every sealed value with the first key, a batch per transaction; a second run re-seals nothing."""
    if batch < 1:
        out.write("--batch must be at least 1\n")
        return 2
    after, seen, resealed = 0, 0, 0
    while True:
        try:
            async with app.sessions() as session, session.begin():
                after, looked, changed = await rotate_batch(session, after_id=after, limit=batch)
        except SealError as failed:
            out.write(f"stopped after {seen} young people ({resealed} re-sealed): {failed}\n")
            return 1
        if not looked:
            break
        seen, resealed = seen + looked, resealed + changed
    out.write(f"young people with sealed values: {seen}; re-sealed with the first key: {resealed}\n")
    try:
        async with app.sessions() as session, session.begin():
            dialogs, changed = await rotate_dialogs(session)
    except SealError as failed:
        out.write(f"dialogs under way not re-sealed: {failed}\n")
        return 1
    out.write(f"dialogs under way: {dialogs}; re-sealed with the first key: {changed}\n")
    return 0


async def _print_tree(app: App, out: TextIO) -> None:
    async with app.sessions() as session:
        units = await subtree_units(session)
    codes = {unit.id: unit.code for unit in units}
    for unit in units:
        depth = unit.path.count("/") - 2
        state = "" if unit.active else (f" [merged into {codes.get(unit.merged_into_id, '?')}]"
                                        if unit.merged_into_id else " [inactive]")
        out.write(f"{'  ' * depth}{unit.code:<10} {unit.name} ({unit.kind}){state}\n")


async def _make_invite(app: App, args: argparse.Namespace, out: TextIO) -> int:
    if args.days < 1 or args.uses < 1:
        out.write("--days and --uses must be at least 1\n")
        return 2
    now = app.clock()
    async with app.sessions() as session, session.begin():
        unit = await unit_by_code(session, code=args.unit.strip().upper())
        if unit is None or unit.id is None:
            out.write(f"no unit with code {args.unit!r}; see `bot11 admin tree`\n")
            return 2
        invite = await create_invite(session, unit_id=unit.id, role=args.role, max_uses=args.uses,
                                     expires_at=now + timedelta(days=args.days), created_at=now)
    out.write(f"{invite.code}\t{unit.code}\t{args.role}\texpires {invite.expires_at:%Y-%m-%d}\tuses {args.uses}\n")
    return 0
