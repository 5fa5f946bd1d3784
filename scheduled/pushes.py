"""Checking a push again, when the sender claims its row, that what it says is still true. (Building a push —
its text, dedupe key and quiet hours — is `conversations.pushes.push_for`.)

A payload says what its push is: `kind`, the text key it was rendered from, and `about`, the recipient's member
id plus the ids of what it is about. `CHECKS` holds the condition that made each kind due:

    kind                         about (besides member_id)     still true when
    evaluation.push_prompt       unit_id (branch), period      the branch is active and has not submitted, and the
    evaluation.push_reminder     unit_id (branch), period        recipient is still its secretary
    evaluation.push_escalation   unit_id, period, branches     the recipient is still an officer of the unit and
                                                                 a listed branch has not submitted (the text is
                                                                 rendered again to list only those)
    evaluation.push_nudge        -                             the member is active, introduced nobody since the
                                                                 nudge was queued and has not muted it
    remind.push                  -                             the same, mute aside (a secretary's reminder)
    evaluation.push_annual       unit_id, until                the deadline has not ended and the recipient is
                                                                 still an officer of the unit
    join.push_pending            unit_id, pending_member_id    the person still waits for the secretary
    transfer.push_incoming       transfer_id                   the transfer still waits for the receiving
    transfer.push_member_requested                               secretary (not withdrawn, not decided)
    youth.push_recorded_for_you  youth_id                      the young person is still on record as the
                                                                 member's introduction (not deleted)

Any other kind (the notices of a submission) and rows without an `about` (queued before it existed) are always
true. A nudge or reminder is queued only to a member who introduced nobody this year, so "introduced nobody
since it was queued" is the same as "still introduced nobody this year" (an introduction is dated when it is
registered).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.pushes import branch_list
from storage.branch import members_without_introduction_since
from storage.evaluations import held_roles, unsubmitted_branches
from storage.members import pending_member_ids
from storage.models import Outbox, RoleName
from storage.transfers import pending_transfer_ids
from storage.youth import introductions_held

__all__ = ["CHECKS", "Drop", "Rewrite", "Verdict", "recheck"]


@dataclass(frozen=True, slots=True)
class Drop:
    """Do not send the push: what it says is no longer true."""

    reason: str


@dataclass(frozen=True, slots=True)
class Rewrite:
    """Send this payload instead: the push is still due but its text had to be brought up to date."""

    payload: dict[str, Any]


Verdict = Drop | Rewrite
Check = Callable[[AsyncSession, list[Outbox], datetime], Awaitable[dict[int, Verdict]]]


async def recheck(session: AsyncSession, *, rows: Sequence[Outbox], now: datetime) -> dict[int, Verdict]:
    """Check again the rows whose kind has a condition; return, by row id, the verdict on each that is no longer
    true as queued (a row left out is sent as it is)."""
    by_kind: dict[str, list[Outbox]] = defaultdict(list)
    for row in rows:
        kind = row.payload.get("kind")
        if isinstance(kind, str) and kind in CHECKS and isinstance(row.payload.get("about"), dict):
            by_kind[kind].append(row)
    verdicts: dict[int, Verdict] = {}
    for kind, group in by_kind.items():
        verdicts.update(await CHECKS[kind](session, group, now))
    return verdicts


async def _branch_pending(session: AsyncSession, rows: list[Outbox], now: datetime) -> dict[int, Verdict]:
    known = _known(rows, "member_id", "unit_id", "period")
    if not known:
        return {}
    pending = await _unsubmitted(session, {(period, unit) for _, (_, unit, period) in known})
    secretaries = await held_roles(session, role=RoleName.SECRETARY, pairs=[(m, u) for _, (m, u, _) in known])
    verdicts: dict[int, Verdict] = {}
    for row, (member, unit, period) in known:
        if (period, unit) not in pending:
            verdicts[_id(row)] = Drop("the branch has submitted its evaluation (or is no longer active)")
        elif (member, unit) not in secretaries:
            verdicts[_id(row)] = Drop("the recipient is no longer the branch's secretary")
    return verdicts


async def _branches_late(session: AsyncSession, rows: list[Outbox], now: datetime) -> dict[int, Verdict]:
    known = _known(rows, "member_id", "unit_id", "period", "branches")
    if not known:
        return {}
    officers = await held_roles(session, role=RoleName.OFFICER, pairs=[(m, u) for _, (m, u, _, _) in known])
    late = await _unsubmitted(session, {(period, b) for _, (_, _, period, listed) in known for b, _ in listed})
    verdicts: dict[int, Verdict] = {}
    for row, (member, unit, period, listed) in known:
        left = [(branch, name) for branch, name in listed if (period, branch) in late]
        if (member, unit) not in officers:
            verdicts[_id(row)] = Drop("the recipient is no longer an officer of the unit")
        elif not left:
            verdicts[_id(row)] = Drop("every branch it lists has submitted its evaluation")
        elif len(left) < len(listed) and _renderable(row.payload):
            verdicts[_id(row)] = Rewrite(_listing(row.payload, left))
    return verdicts


def _renderable(payload: dict[str, Any]) -> bool:
    return isinstance(payload.get("template"), str) and isinstance(payload.get("values"), dict)


def _listing(payload: dict[str, Any], branches: list[tuple[int, str]]) -> dict[str, Any]:
    """Return the escalation `payload` rendered again to list only `branches`."""
    values = {**payload["values"], "count": len(branches), "branches": branch_list(name for _, name in branches)}
    about = {**payload["about"], "branches": [[branch, name] for branch, name in branches]}
    return {**payload, "text": payload["template"].format(**values), "values": values, "about": about}


async def _unsubmitted(session: AsyncSession, wanted: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """Return those (period, branch) of `wanted` whose branch is active and has not submitted for the period."""
    found: set[tuple[str, int]] = set()
    for period in {period for period, _ in wanted}:
        units = sorted(unit for p, unit in wanted if p == period)
        found |= {(period, unit) for unit in await unsubmitted_branches(session, period=period, unit_ids=units)}
    return found


async def _introduced_nobody(
    session: AsyncSession, rows: list[Outbox], now: datetime, *, respect_opt_out: bool
) -> dict[int, Verdict]:
    known = _known(rows, "member_id")
    verdicts: dict[int, Verdict] = {}
    reason = ("the member has introduced someone since, muted the nudge or is no longer active" if respect_opt_out
              else "the member has introduced someone since or is no longer active")
    for since in {row.created_at for row, _ in known}:
        group = [(row, member) for row, (member,) in known if row.created_at == since]
        still = await members_without_introduction_since(
            session, member_ids=sorted({member for _, member in group}), since=since, respect_opt_out=respect_opt_out)
        verdicts |= {_id(row): Drop(reason) for row, member in group if member not in still}
    return verdicts


async def _annual_due(session: AsyncSession, rows: list[Outbox], now: datetime) -> dict[int, Verdict]:
    known = _known(rows, "member_id", "unit_id", "until")
    if not known:
        return {}
    officers = await held_roles(session, role=RoleName.OFFICER, pairs=[(m, u) for _, (m, u, _) in known])
    verdicts: dict[int, Verdict] = {}
    for row, (member, unit, until) in known:
        if now >= until:
            verdicts[_id(row)] = Drop("the annual report's deadline has passed")
        elif (member, unit) not in officers:
            verdicts[_id(row)] = Drop("the recipient is no longer an officer of the unit")
    return verdicts


async def _still_pending(session: AsyncSession, rows: list[Outbox], now: datetime) -> dict[int, Verdict]:
    known = _known(rows, "pending_member_id")
    waiting = await pending_member_ids(session, member_ids={member for _, (member,) in known})
    return {_id(row): Drop("the secretary has already confirmed or rejected the person")
            for row, (member,) in known if member not in waiting}


async def _transfer_open(session: AsyncSession, rows: list[Outbox], now: datetime) -> dict[int, Verdict]:
    known = _known(rows, "transfer_id")
    open_ = await pending_transfer_ids(session, transfer_ids={transfer for _, (transfer,) in known})
    return {_id(row): Drop("the transfer was withdrawn or decided") for row, (transfer,) in known
            if transfer not in open_}


async def _introduction_held(session: AsyncSession, rows: list[Outbox], now: datetime) -> dict[int, Verdict]:
    known = _known(rows, "member_id", "youth_id")
    held = await introductions_held(session, pairs={(member, youth) for _, (member, youth) in known})
    return {_id(row): Drop("the record was deleted or is no longer the member's") for row, pair in known
            if pair not in held}


CHECKS: dict[str, Check] = {
    "evaluation.push_prompt": _branch_pending,
    "evaluation.push_reminder": _branch_pending,
    "evaluation.push_escalation": _branches_late,
    "evaluation.push_nudge": partial(_introduced_nobody, respect_opt_out=True),
    "remind.push": partial(_introduced_nobody, respect_opt_out=False),
    "evaluation.push_annual": _annual_due,
    "join.push_pending": _still_pending,
    "transfer.push_incoming": _transfer_open,
    "transfer.push_member_requested": _transfer_open,
    "youth.push_recorded_for_you": _introduction_held,
}


def _int(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(value)


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    raise TypeError(value)


def _instant(value: object) -> datetime:
    instant = datetime.fromisoformat(_text(value))
    if instant.tzinfo is None:
        raise ValueError(value)
    return instant


def _branches(value: object) -> list[tuple[int, str]]:
    if not isinstance(value, list):
        raise TypeError(value)
    return [(_int(branch), _text(name)) for branch, name in value]


_FIELDS: dict[str, Callable[[object], Any]] = {
    "member_id": _int, "unit_id": _int, "period": _text, "until": _instant, "branches": _branches,
    "pending_member_id": _int, "transfer_id": _int, "youth_id": _int}


def _known(rows: list[Outbox], *names: str) -> list[tuple[Outbox, tuple[Any, ...]]]:
    """Return each row with the fields `names` of its `about`, read and typed; a row without them (queued
    before they were recorded) is left out, so it is sent as it is rather than stopping the queue."""
    known = []
    for row in rows:
        about = row.payload["about"]
        try:
            known.append((row, tuple(_FIELDS[name](about[name]) for name in names)))
        except (KeyError, TypeError, ValueError):
            continue
    return known


def _id(row: Outbox) -> int:
    assert row.id is not None
    return row.id
