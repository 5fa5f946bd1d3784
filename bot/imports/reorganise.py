"""`bot11 admin move-unit CODE --to PARENT`, `bot11 admin merge-units CODE... --into CODE` and
`bot11 admin deactivate-unit CODE`: the operator's reorganisations of the unit tree (storage/reorganise.py).

Each runs in one transaction, prints what it did (or why it refused, changing nothing) and writes an audit row.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TextIO

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from conversations.i18n import LOCALES, Translator
from storage import audit
from storage.models import Unit
from storage.reorganise import MergeCounts, Refused, deactivate_unit, merge_units, move_unit
from storage.units import unit_by_code, unit_by_id, units_by_codes

__all__ = ["REORGANISE_TASKS", "add_reorganise_parsers", "reorganise"]

REORGANISE_TASKS = frozenset({"move-unit", "merge-units", "deactivate-unit"})


def add_reorganise_parsers(admin: Any) -> None:
    """Add `move-unit`, `merge-units` and `deactivate-unit` to the `admin` subparsers."""
    move = admin.add_parser("move-unit", help="move a unit, with the units below it, under another parent")
    move.add_argument("code", help="the unit to move, e.g. CS-PBA")
    move.add_argument("--to", required=True, help="the code of its new parent")
    merge = admin.add_parser("merge-units", help="merge units into one (they are kept deactivated)")
    merge.add_argument("codes", nargs="+", help="the units to merge")
    merge.add_argument("--into", required=True, help="the code of the unit they merge into")
    deactivate = admin.add_parser("deactivate-unit", help="deactivate a unit without members or active children")
    deactivate.add_argument("code", help="the unit to deactivate")
    for parser in (move, merge, deactivate):
        parser.add_argument("--locale", choices=LOCALES, help="language of the messages (default: the bot's)")


async def reorganise(app: App, args: argparse.Namespace, out: TextIO) -> int:
    """Run one reorganisation task; return 0, 1 when it was refused, 2 when a code is unknown."""
    t = app.catalogs.get(args.locale)
    async with app.sessions() as session, session.begin():
        try:
            if args.task == "move-unit":
                text = await _move(session, t, args.code, args.to, now=app.clock())
            elif args.task == "merge-units":
                text = await _merge(session, t, args.codes, args.into, now=app.clock())
            else:
                text = await _deactivate(session, t, args.code, now=app.clock())
        except _UnknownCode as error:
            out.write(t("reorg.unknown_code", code=error.code) + "\n")
            return 2
        except Refused as refused:
            out.write(_refusal(t, refused) + "\n")
            return 1
    out.write(text + "\n")
    return 0


class _UnknownCode(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _code(typed: str) -> str:
    return typed.strip().upper()


async def _unit(session: AsyncSession, typed: str) -> Unit:
    unit = await unit_by_code(session, code=_code(typed))
    if unit is None:
        raise _UnknownCode(typed)
    return unit


async def _move(session: AsyncSession, t: Translator, code: str, to: str, *, now: datetime) -> str:
    unit, parent = await _unit(session, code), await _unit(session, to)
    old = await unit_by_id(session, unit_id=unit.parent_id) if unit.parent_id is not None else None
    moved = await move_unit(session, unit=unit, new_parent=parent)
    if not moved:
        return t("reorg.already_there", code=unit.code, parent=parent.name)
    await audit.record(session, actor_member_id=None, action="unit.moved",
                       target=f"unit:{unit.id}:to:{parent.id}", at=now)
    return t("reorg.moved", code=unit.code, name=unit.name, old=old.name if old else t("reorg.top_level"),
             new=parent.name, units=t.number(moved))


async def _merge(session: AsyncSession, t: Translator, codes: Sequence[str], into_code: str, *,
                 now: datetime) -> str:
    wanted = list(dict.fromkeys(_code(code) for code in codes))
    found = {unit.code: unit for unit in await units_by_codes(session, codes=wanted)}
    missing = next((code for code in wanted if code not in found), None)
    if missing is not None:
        raise _UnknownCode(missing)
    into = await _unit(session, into_code)
    sources = [found[code] for code in wanted]
    counts = await merge_units(session, sources=sources, into=into, now=now)
    for source in sources:
        await audit.record(session, actor_member_id=None, action="unit.merged",
                           target=f"unit:{source.id}:into:{into.id}", at=now)
    return "\n".join(_merged_lines(t, counts, [s.code for s in sources], into))


def _merged_lines(t: Translator, counts: MergeCounts, codes: list[str], into: Unit) -> list[str]:
    n = t.number
    lines = [
        t("reorg.merged", codes=", ".join(codes), into=into.code, name=into.name),
        t("reorg.merged_followed", members=n(counts.members), youth=n(counts.youth), units=n(counts.units),
          evaluations=n(counts.evaluations), surveys=n(counts.surveys), targets=n(counts.targets),
          invites=n(counts.invites), roles=n(counts.roles), transfers=n(counts.transfers), flags=n(counts.flags)),
    ]
    if counts.evaluations_kept or counts.surveys_kept:
        lines.append(t("reorg.merged_kept", evaluations=n(counts.evaluations_kept), surveys=n(counts.surveys_kept),
                       into=into.code))
    lines.append(t("reorg.merged_history"))
    return lines


async def _deactivate(session: AsyncSession, t: Translator, code: str, *, now: datetime) -> str:
    unit = await _unit(session, code)
    await deactivate_unit(session, unit=unit)
    await audit.record(session, actor_member_id=None, action="unit.deactivated", target=f"unit:{unit.id}", at=now)
    return t("reorg.deactivated", code=unit.code, name=unit.name)


def _refusal(t: Translator, refused: Refused) -> str:
    return t(f"reorg.refused_{refused.refusal.value}", unit=refused.unit, other=refused.other,
             children=t.number(refused.children), members=t.number(refused.members))
