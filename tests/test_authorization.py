"""Authorization as a table: every command of the engine × every kind of caller × every kind of target, each cell
with the answer it must get. A command added to the engine without its row here fails the first test.

Callers (tests/authz_support.py): a stranger, a member and the secretary of Chi đoàn Khu phố 1, the secretary of
another branch (Khu phố 2), an officer of the parent unit (Đoàn phường Bình An), of a sibling unit (Đoàn trường
THPT Lê Lợi), and of the unit above (Quận Đoàn Hòa Bình). Targets, where a command takes one (a unit code after
it, or a young person picked from its list): one in the caller's scope, one outside it, and a code or name that
does not exist; and for every command, a forged button payload naming a unit or young person outside the scope,
sent under the stamp of the buttons last shown.

- allowed → the command's normal first answer;
- refused → the localized refusal, whatever the target;
- out of scope → the same answer as an unknown code (nothing tells a caller what exists outside their scope);
- forged payload → the stale-button answer;
and every answer but an allowed one writes nothing (row counts of the domain tables, by SQL).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import text

from bot.app import App
from conversations.flows import default_commands
from tests.authz_support import (
    CALLERS,
    UNKNOWN_CODE,
    YOUTH_BIRTH_YEAR,
    Caller,
    Cast,
    answers_with,
    build_cast,
    footprint,
    forge,
)
from tests.conftest import Clock
from tests.transcript import Chat

# Targets.
NONE, HOME, AWAY, UNKNOWN, FORGED = "-", "in scope", "out of scope", "unknown code", "forged payload"
# How a command names its target: a unit code typed after it, or a young person picked from its list.
UNIT, YOUTH = "unit", "youth"

EVERYONE = frozenset(c.name for c in CALLERS)
MEMBERS = EVERYONE - {"stranger"}
SECRETARIES = frozenset({"secretary", "other_secretary"})
OFFICERS = frozenset({"parent_officer", "sibling_officer", "officer_above"})
LEADERS = SECRETARIES | OFFICERS

NOT_ALLOWED, JOIN_FIRST = "engine.not_allowed", "engine.join_first"
STALE, CHOOSE_ONE = "engine.stale_choice", "engine.choose_one"
NOT_FOUND = "report.unit_not_found"
NOT_YOURS = "evaluation.not_your_branch"
NO_SUCH_YOUTH = "Nguyễn Không Có"


@dataclass(frozen=True, slots=True)
class Row:
    """One command: who may use it, and the answer to them per target; everyone else gets `refusal`."""

    allowed: frozenset[str]
    answers: dict[str, str]
    refusal: str = NOT_ALLOWED
    takes: str | None = None
    by_caller: dict[str, str] = field(default_factory=dict)
    refused_by: dict[str, str] = field(default_factory=dict)

    def expected(self, caller: str, target: str) -> str:
        if target == FORGED:
            return STALE
        if caller not in self.allowed:
            return self.refused_by.get(caller, self.refusal)
        if target == NONE and caller in self.by_caller:
            return self.by_caller[caller]
        return self.answers[target]


def _youth_row(picked: str) -> Row:
    return Row(MEMBERS, {HOME: picked, AWAY: CHOOSE_ONE, UNKNOWN: CHOOSE_ONE}, JOIN_FIRST, YOUTH)


def _unit_row(allowed: frozenset[str], normal: str, unknown: str) -> Row:
    return Row(allowed, {HOME: normal, AWAY: unknown, UNKNOWN: unknown}, takes=UNIT)


TABLE: dict[str, Row] = {
    "batdau": Row(EVERYONE, {NONE: "join.already_member"}, by_caller={"stranger": "join.ask_code"}),
    # A secretary is first asked who introduced the young person (themselves, or a member of the roster).
    "gioithieu": Row(MEMBERS, {NONE: "youth.ask_consent"}, JOIN_FIRST,
                     by_caller=dict.fromkeys(SECRETARIES, "youth.ask_who")),
    "capnhat": _youth_row("youth.update_what"),
    "cuatoi": Row(MEMBERS, {NONE: "youth.mine_empty"}, JOIN_FIRST, by_caller={"member": "youth.mine_head"}),
    "sua": _youth_row("youth.edit_which"),
    "xoa": _youth_row("youth.delete_confirm"),
    "ngonngu": Row(EVERYONE, {NONE: "language.ask"}),
    "huy": Row(EVERYONE, {NONE: "cancel.nothing"}),
    "chidoan": _unit_row(LEADERS, "branch.progress", "branch.unknown_code"),
    # On the fixture's day (24/11/2026) the 2026-H1 evaluation is past its deadline and open for a late submission.
    "danhgia": _unit_row(SECRETARIES, "evaluation.intro_late", NOT_YOURS),
    "moi": _unit_row(SECRETARIES, "invite.made", NOT_YOURS),
    # Of the branch's members on the bot, one introduced Bích this year and the other is the secretary.
    "nhacnho": _unit_row(SECRETARIES, "remind.nobody", NOT_YOURS),
    # No transfer waits for either branch, so the secretary is offered the branch's members at once.
    "chuyen": _unit_row(SECRETARIES, "transfer.pick", NOT_YOURS),
    # Only an inspector (ủy ban kiểm tra), whom this cast lacks: tests/test_inspect_flags.py plays one.
    "kiemtra": Row(frozenset(), {NONE: "inspect.none"}),
    "tatnhac": Row(MEMBERS, {NONE: "nudge.off"}, JOIN_FIRST),
    "batnhac": Row(MEMBERS, {NONE: "nudge.on"}, JOIN_FIRST),
    "baocao": _unit_row(LEADERS, "report.working", NOT_FOUND),
    "xephang": _unit_row(LEADERS, "report.ranking_none", NOT_FOUND),
    "chamnop": _unit_row(LEADERS, "report.overdue_head", NOT_FOUND),
    "chitieu": _unit_row(OFFICERS, "report.targets_no_children", NOT_FOUND),
    "web": Row(LEADERS, {NONE: "web.link"}),
    # A person's file goes to whoever introduced them and their branch's secretary; an officer sees aggregates.
    "dulieu": Row(MEMBERS - OFFICERS, _youth_row("privacy.export").answers, JOIN_FIRST, YOUTH,
                  refused_by=dict.fromkeys(OFFICERS, "privacy.officer_no_files")),
    "rutdongy": Row(MEMBERS - OFFICERS, _youth_row("privacy.withdraw_confirm").answers, JOIN_FIRST, YOUTH,
                    refused_by=dict.fromkeys(OFFICERS, "privacy.officer_no_files")),
    "toi": Row(MEMBERS, {NONE: "privacy.me"}, JOIN_FIRST),
    "trogiup": Row(EVERYONE, {NONE: "help.intro_member"}, by_caller={"stranger": "help.intro_stranger"}),
}

COMMANDS = [command.names[0] for command in default_commands()]


def _bot(answer: list[str]) -> list[str]:
    return ["bot> " + text.replace("\n", "\n         ") for text in answer]


def _label(app: App, name: str) -> str:
    return app.catalogs.get("vi")("youth.pick_label", name=name, year=YOUTH_BIRTH_YEAR)


async def _clear_dialogs(app: App) -> None:
    async with app.sessions() as session, session.begin():
        await session.exec(text("DELETE FROM conversation"))  # type: ignore[call-overload]


def _messages(app: App, cast: Cast, row: Row, command: str, caller: Caller, target: str) -> list[tuple[str, str]]:
    """Return what the caller sends in one cell, as (how, what): "say" a line, "press" the button with that
    label, or "forge" a payload. The cell's answer is the answer to the last one."""
    opened = caller.name in row.allowed
    if target == FORGED:
        named = f"u{cast.units[caller.away]}" if row.takes == UNIT else f"y{cast.youth[caller.away_youth]}"
        return [("say", f"/{command}"), ("forge", named)]
    if row.takes == UNIT:
        code = {HOME: caller.home, AWAY: caller.away, UNKNOWN: UNKNOWN_CODE}[target]
        return [("say", f"/{command} {code}")]
    if row.takes != YOUTH or not opened:
        return [("say", f"/{command}")]
    if target == HOME:
        return [("say", f"/{command}"), ("press", _label(app, caller.home_youth))]
    return [("say", f"/{command}"), ("say", _label(app, caller.away_youth if target == AWAY else NO_SUCH_YOUTH))]


async def _send(chat: Chat, user: str, how: str, what: str, log: list[str]) -> list[str]:
    """Send one message of a cell, logging it and the answer."""
    if how == "press":
        log.append(f"{user} presses [{what}]")
        answer = await chat.press(user, what)
    elif how == "forge":
        log.append(f"{user} sends the forged payload {what!r} under the stamp of the buttons last shown")
        answer = await forge(chat, user, what)
    else:
        log.append(f"{user}> {what}")
        answer = await chat.say(user, what)
    log.extend(_bot(answer))
    return answer


def test_every_command_has_its_row(app: App) -> None:
    assert sorted(TABLE) == sorted(command.names[0] for command in app.engine.commands)


async def _cell(app: App, chat: Chat, cast: Cast, command: str, caller: Caller, target: str) -> str | None:
    """Play one cell; return what is wrong with its answer, with the transcript, or None."""
    row = TABLE[command]
    key = row.expected(caller.name, target)
    allowed = caller.name in row.allowed and target in (NONE, HOME)
    *lead, last = _messages(app, cast, row, command, caller, target)
    log: list[str] = []
    await _clear_dialogs(app)
    try:
        for how, what in lead:
            await _send(chat, caller.user, how, what, log)
        before = await footprint(app)
        answer = await _send(chat, caller.user, *last, log)
    except AssertionError as error:  # a button the cell presses was not offered
        return f"/{command} × {caller.name} × {target}: {error}\n    " + "\n    ".join(log)
    changed = {k: (before[k], n) for k, n in (await footprint(app)).items() if before[k] != n}
    problems = []
    if not answer or not answers_with(app, key, answer[0]) or (not allowed and len(answer) != 1):
        problems.append(f"expected {key}")
    if not allowed and changed:
        problems.append(f"wrote {changed} (before, after)")
    if not problems:
        return None
    return f"/{command} × {caller.name} × {target}: {'; '.join(problems)}\n    " + "\n    ".join(log)


@pytest.mark.parametrize("command", COMMANDS)
async def test_authorization_table(app: App, clock: Clock, command: str) -> None:
    assert command in TABLE, f"/{command} has no row in the authorization table"
    cast = await build_cast(app, now=clock())
    chat = Chat(app.engine)
    targets = [t for t in (NONE, HOME, AWAY, UNKNOWN) if t in TABLE[command].answers] + [FORGED]
    wrong = [problem for caller in CALLERS for target in targets
             if (problem := await _cell(app, chat, cast, command, caller, target)) is not None]
    assert not wrong, f"{len(wrong)} cell(s) of /{command} answered wrongly:\n" + "\n".join(wrong)
