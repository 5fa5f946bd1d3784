"""Fuzzing every dialog from its command: arbitrary text, numbers and Unicode, real and forged buttons, and
commands in the middle, sent by someone who may use the command. For every message:

1. nothing raises out of `engine.handle`, and the bot never gives its internal-error apology;
2. an answer that refuses or asks again (a refusal or re-ask text of the catalogs) writes nothing: the row
   counts of the domain tables are unchanged (only the audit log and the integrity flags may note the attempt);
3. a button not shown under the step in progress (forged, someone else's, from an earlier step or an ended
   dialog) gets the stale-button answer alone, and writes nothing;
4. a command in the middle of a dialog never drops it silently: only /huy ends it; a command that only shows
   something leaves it where it was; one that starts another dialog says which one it replaced (starting the
   same one over needs no notice). Browsing (a report's drill-down, /cuatoi's pages) is not work in progress.

Every example starts from the same database: the demo organisation and the cast of tests/authz_support.py. It
sends the command (with arguments or not), follows the dialog's usual way for a drawn number of lines, then
sends up to MAX_STEPS arbitrary messages. A failure prints the transcript that reproduces it.
`FUZZ_EXAMPLES=500` runs longer than the default (commands that open no dialog get a third of it).
"""

from __future__ import annotations

import asyncio
import os
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import Table, text
from sqlmodel import SQLModel

from bot.app import App, build_app
from bot.settings import Settings
from conversations.engine import Command, Midway
from conversations.flows import default_commands
from conversations.i18n import LOCALES, Catalogs
from conversations.messages import Reply
from conversations.text import fold, nfc
from storage.rollups import ROLLUP_TABLES, ROLLUP_VIEWS
from tests.authz_support import CALLERS, UNKNOWN_CODE, Caller, Cast, answers_with, build_cast, footprint
from tests.conftest import Clock
from tests.transcript import Chat

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
MAX_STEPS = 8
MAX_COMMAND = 32  # the engine reads at most this many characters of a command name

# Answers that refuse what was sent, or ask for it again; after them nothing may have been written.
REFUSALS = (
    "engine.stale_choice", "engine.unknown_command", "engine.join_first", "engine.not_allowed", "engine.expired",
    "engine.fallback_member", "engine.fallback_stranger", "engine.choose_one", "cancel.done", "cancel.nothing",
    "join.code_malformed", "join.code_invalid", "join.code_wait", "join.role_already",
    "evaluation.not_your_branch", "evaluation.no_branch", "evaluation.which_branch", "evaluation.bad_member",
    "evaluation.bad_admission", "evaluation.bad_number", "evaluation.text_too_long", "evaluation.incomplete",
    "branch.unknown_code", "remind.already_today", "report.bad_args", "report.unit_not_found", "report.unit_gone",
    "report.overdue_half_only", "report.targets_bad_value", "youth.none_yet", "youth.not_found",
    "youth.event_not_allowed", "youth.no_consent", "youth.phone_taken", "youth.phone_taken_now",
    "youth.phone_try_later", "youth.same_person_stop", "youth.edit_same_stop", "evaluation.closed",
    "validate.name_empty", "validate.name_too_long", "validate.name_bad_chars",
    "validate.year_format", "validate.year_range", "validate.phone_format", "validate.phone_bad_chars",
    "validate.phone_foreign", "validate.date_format", "validate.date_impossible", "validate.date_future",
    "validate.date_too_early", "validate.text_empty", "validate.text_too_long", "validate.text_bad_chars",
    "validate.label_empty", "validate.label_bad_chars", "validate.gender",
    "transfer.code_malformed", "transfer.code_unknown", "transfer.code_own", "transfer.code_inactive",
    "transfer.code_not_branch", "transfer.member_gone", "transfer.decision_gone", "transfer.nothing_pending",
    "transfer.already_pending", "transfer.target_gone", "transfer.dropped", "transfer.kept",
)
STALE, SET_ASIDE, INTERNAL_ERROR = "engine.stale_choice", "engine.set_aside", "engine.internal_error"
# What a refusal may add to: the audit log and the integrity flags record refused attempts (wrong invite codes,
# a phone number registered elsewhere). A stale button adds to nothing at all.
LOGS = frozenset({"audit", "integrity_flag"})

# --- What people send.

NASTY = [
    unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết"), unicodedata.normalize("NFD", "hôm nay"),
    unicodedata.normalize("NFD", "Đúng, lưu lại"), unicodedata.normalize("NFD", "Bỏ qua"),
    "Bi\u200dch Trần", "Trần\u200bThị\u200cBích", "\u202eBích Trần", "\u202e2006", "Bích 🌸", "👨‍👩‍👧‍👦", "🇻🇳",
    "²", "①", "٣", "٢٠٠٦", "२००६", "２００１", "２", "𝟐𝟎𝟎𝟔", "Ⅻ", "½", "1" * 4300, "9" * 4301,
    "a" * 4000, "ạ" * 4001, "\x00", "Bích\x00", "\x07\x08\x7f", "\x1b[31mđỏ\x1b[0m", "\r\n", "\t", " ", "",
    "'; DROP TABLE youth; --", "%s %d {0} {name} {{", "-1", "0", "00", "+1", "1e9", "1_000", "3.5",
    "99999999999999999999", "NaN", "\ufeff2006", "2006\u200b", "\u00a02006", "0912\u2009345\u2009678",
    "<b>đậm</b>", "\\", "\ud7ff\ue000\uffff", "\U0010ffff",
]
PLAUSIBLE = [
    "Trần Thị Bích", "Lê Văn Cường", "nguyễn văn an", "2006", "2001", "1995", "0912 345 678", "+84 388 123 456",
    "nữ", "nam", "hôm nay", "hôm qua", "20/11/2026", "2026-11-01", "1/1", "120", "1.200", "0", "1, 2", "1",
    "2", "3", "4", "Sinh hoạt hè", "Kinh", "Phật giáo", "DEMO-DOANVIEN", "DEMO-BITHU", "CD-KP1", "QD-HB 2026-H1",
    "2026", "2026-H1", "en", "vi", "Bỏ qua", "Đúng, lưu lại", "Hủy", "Xong",
]
TEXTS = st.one_of(
    st.sampled_from(NASTY), st.sampled_from(PLAUSIBLE), st.text(max_size=40), st.integers().map(str),
    st.tuples(st.sampled_from(PLAUSIBLE), st.sampled_from(NASTY)).map("".join),
)
# Payloads in the vocabulary of the dialogs, some of them malformed.
WORDS = ["yes", "no", "save", "edit", "cancel", "submit", "done", "skip", "today", "confirm", "correct",
         "fulfilled", "later", "vi", "en", "m0", "u0", "m1", "p0", "p1", "p-1", "p" + "9" * 40, "y" + "9" * 5000,
         "y0", "y-1", "y١", "y²", "u²", "u" + "٣" * 3, "name", "phone", "activity", "admitted", "stopped", ""]
MID_DIALOG = ["/cuatoi", "/trogiup", "/huy", "/ngonngu", "/ngonngu en", "/ngonngu vi", "/cancel", "/help",
              "/mine", "/Huỷ", "/HUY@bot11_bot", "/khongco", "/", "/ gioithieu", "/batdau DEMO-DOANVIEN"]
DIGITS = ["²", "①", "٣", "２", "𝟐", "١", " 1 ", "1.", "01", "+1", "1" * 4300, "9" * 4301]
ACTIONS = ["press"] * 3 + ["answer"] * 2 + ["number", "label", "old"] + ["type"] * 3 + ["forge"] * 2 + ["command"] * 2
# The way through each dialog, as typed (a number picks that button): an example follows a drawn number of these
# lines before arbitrary ones, so that every step of a dialog gets its share of ugly input.
SCRIPTS = {
    "batdau": ["DEMO-DOANVIEN", "Nguyễn Văn Mới", "2000", "1", "1"],  # not on the roster: skip the phone, join
    "gioithieu": ["1", "Trần Thị Mai", "2006", "Nữ", "0912 345 679", "1", "1", "1", "Bỏ qua", "1"],
    "capnhat": ["1", "1", "Sinh hoạt hè", "hôm nay"],
    "cuatoi": ["1", "1"],
    "sua": ["1", "1", "Trần Thị Mai"],
    "xoa": ["1", "1"],
    "ngonngu": ["2"],
    "danhgia": ["1", "0", "120", "3", "Bỏ qua", "Bài học", "Khó khăn", "Đề xuất", "1"],
    "baocao": ["1", "1", "3"],
    "chitieu": ["1", "1", "120"],
    "chuyen": ["1", "1", "CD-KP2", "1"],
}
COMMANDS = [command.names[0] for command in default_commands()]
# Kept by triggers on youth, participation and member: emptied after them, never restored (the views read them).
ROLLUPS = (*ROLLUP_TABLES, *ROLLUP_VIEWS)


def _short(value: str) -> str:
    """Return a Python expression for `value` that stays short in a transcript."""
    if len(value) <= 60:
        return repr(value)
    if len(set(value)) == 1:
        return f"{value[0]!r} * {len(value)}"
    return f"{value[:30]!r} + … ({len(value)} characters)"


def _may_use(command: Command, caller: Caller) -> bool:
    if caller.unit is None:
        return not command.members_only and not command.roles
    return not command.roles or caller.role in command.roles


def _command_named(commands: tuple[Command, ...], said: str) -> Command | None:
    """Return the command `said` invokes, read the way the engine reads it."""
    head = nfc(said)[1:].partition(" ")[0]
    name = fold(head.split("@", 1)[0])[:MAX_COMMAND]
    return next((command for command in commands if name in command.names), None)


@dataclass(frozen=True, slots=True)
class Shown:
    """A button as the bot showed it: its label, the payload pressing it sends, and the step it was shown at."""

    label: str
    payload: str
    step: int


@dataclass
class Run:
    """One example: who talks, the buttons the bot showed them, and the transcript so far.

    Steps are counted from what the database says of the person's dialog (flow, step, version): any change of
    it is a new step, and only the buttons shown at the current step may answer it.
    """

    app: App
    chat: Chat
    cast: Cast
    caller: Caller
    transcript: list[str] = field(default_factory=list)
    shown: list[Shown] = field(default_factory=list)
    latest: list[Shown] = field(default_factory=list)  # the buttons of the latest answer that had any
    step: int = 0
    dialog: tuple[str, str, int] | None = None  # (flow, step, version) of the dialog in progress
    underneath: str | None = None  # the dialog a short one (the language question) was opened on top of

    @property
    def user(self) -> str:
        return self.caller.user

    def failure(self, problem: str) -> str:
        return f"{problem}; transcript:\n  " + "\n  ".join(self.transcript)

    async def observe(self) -> None:
        """Read the person's dialog from the database; a change of it starts a new step."""
        async with self.app.db.connect() as connection:
            row = (await connection.execute(text(
                "SELECT flow, step, version FROM conversation WHERE channel = 'test' AND external_id = :user"),
                {"user": self.user})).first()
        found = (str(row[0]), str(row[1]), int(row[2])) if row is not None else None
        if found == self.dialog:
            return
        aside = {c.flow.name for c in self.app.engine.commands if c.midway is Midway.ASIDE}
        if found is None or found[0] not in aside:
            self.underneath = None
        elif self.dialog is not None and self.dialog[0] not in aside:
            self.underneath = self.dialog[0]
        self.dialog, self.step = found, self.step + 1

    def heard(self, replies: list[Reply]) -> None:
        buttons = [Shown(c.label, c.payload, self.step) for reply in replies for c in reply.choices]
        for reply in replies:
            body = reply.text if len(reply.text) <= 300 else reply.text[:300] + "…"
            self.transcript.append("bot> " + body.replace("\n", "\n       "))
            if reply.choices:
                self.transcript.append("     buttons: " + "  ".join(f"[{c.label}]" for c in reply.choices))
        if buttons:
            self.latest = buttons
            self.shown += buttons

    def live(self, payload: str) -> bool:
        """Tell whether `payload` is that of a button shown at the step in progress."""
        return self.dialog is not None and any(b.payload == payload and b.step == self.step for b in self.shown)


def _says(app: App, keys: tuple[str, ...], reply: str) -> bool:
    return any(answers_with(app, key, reply, locale) for key in keys for locale in LOCALES)


async def _send(run: Run, how: str, *, said: str | None = None, pressed: str | None = None,
                live: bool | None = None) -> None:
    """Send one message as the caller and check the properties of its answer. A pressed button is `live` when
    it was shown at the step in progress (by default: when any button shown then has that payload)."""
    app = run.app
    run.transcript.append(f"{run.user}> {how}")
    before, dialog, underneath = await footprint(app), run.dialog, run.underneath
    stale = pressed is not None and not (run.live(pressed) if live is None else live and dialog is not None)
    try:
        replies = await app.engine.handle(run.chat.inbound(run.user, text=said, choice=pressed))
    except Exception as error:  # any exception out of the engine is the failure to report
        raise AssertionError(run.failure(f"engine.handle raised {error!r}")) from error
    await run.observe()
    run.heard(replies)
    if replies:
        run.chat.last[run.user] = replies
    answer = [reply.text for reply in replies]
    changed = {k: (before[k], v) for k, v in (await footprint(app)).items() if before[k] != v}
    apologised = any(_says(app, (INTERNAL_ERROR,), text) for text in answer)
    assert not apologised, run.failure("the bot answered with its internal-error apology")
    refused = bool(answer) and _says(app, REFUSALS, answer[0])
    wrote = {k: v for k, v in changed.items() if k not in LOGS}
    assert not (refused and wrote), run.failure(f"a refusal wrote {wrote}")
    if stale:
        refused = len(answer) == 1 and _says(app, (STALE,), answer[0])
        assert refused, run.failure("a button not shown at the step in progress was not refused as stale")
        assert not changed, run.failure(f"a stale button wrote {changed}")
    if said is not None and dialog is not None and nfc(said).startswith("/"):
        _check_midway(run, said, (dialog[0], underneath), run.dialog[0] if run.dialog else None, answer)


def _check_midway(run: Run, said: str, before: tuple[str, str | None], now: str | None, answer: list[str]) -> None:
    """Property 4: what a command sent in the middle of a dialog may do to it. `before` is the dialog in progress
    and the one under it, if it is a short one on top; `now` is the dialog after. Starting over the dialog in
    progress needs no notice."""
    commands = run.app.engine.commands
    command = _command_named(commands, said)
    browsing = {c.flow.name for c in commands if c.midway is Midway.SHOW}
    dialog, underneath = before
    if dialog in browsing or (command is not None and command.midway is Midway.CANCEL):
        return
    notice = any(_says(run.app, (SET_ASIDE,), text) for text in answer)
    dropped = now is None and not notice
    assert not dropped, run.failure(f"{_short(said)} silently dropped the dialog {underneath or dialog}")
    replaced = now not in (None, dialog, underneath) and (command is None or command.midway is not Midway.ASIDE)
    assert not (replaced and not notice), run.failure(
        f"{_short(said)} replaced the dialog {underneath or dialog} silently")


async def _step(run: Run, data: st.DataObject, action: str) -> None:
    """Draw one message of kind `action` and send it."""
    if action in ("press", "number", "label") and run.latest:
        button = data.draw(st.sampled_from(run.latest), label="button")
        if action == "press":
            return await _send(run, f"presses [{button.label}]", pressed=button.payload,
                               live=button.step == run.step)
        number = str(run.latest.index(button) + 1)
        typed = data.draw(st.sampled_from([number, button.label, button.label.upper(), fold(button.label),
                                           *DIGITS]), label="typed")
        return await _send(run, _short(typed), said=typed)
    if action == "answer":
        typed = data.draw(st.sampled_from(PLAUSIBLE), label="answer")
        return await _send(run, _short(typed), said=typed)
    if action == "old" and run.shown:
        button = data.draw(st.sampled_from(run.shown), label="earlier button")
        return await _send(run, f"presses [{button.label}] in an earlier message", pressed=button.payload,
                           live=button.step == run.step)
    if action == "forge":
        stamp = run.latest[0].payload.partition(".")[0] if run.latest else ""
        stamps = st.sampled_from([stamp, "", "0", "1", "١", "²", stamp + "x"])
        ids = [f"y{i}" for i in run.cast.youth.values()] + [f"u{i}" for i in run.cast.units.values()]
        payload = data.draw(st.one_of(
            st.tuples(stamps, st.sampled_from(WORDS + ids)).map(".".join), st.text(max_size=30),
            st.sampled_from(["1.y999", "0.u1", "1.yes", ".", "", "١.yes", "1" * 4300 + ".yes"]),
        ), label="forged payload")
        return await _send(run, f"sends the payload {_short(payload)}", pressed=payload)
    if action == "command":
        names = [f"/{c.names[0]}" for c in run.app.engine.commands]
        said = data.draw(st.one_of(
            st.sampled_from(MID_DIALOG + names),
            st.tuples(st.sampled_from(names), TEXTS).map(" ".join),
        ), label="command")
        return await _send(run, _short(said), said=said)
    typed = data.draw(TEXTS, label="text")
    return await _send(run, _short(typed), said=typed)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The rows of every table but the rollups (their triggers rebuild them), in the order they can be inserted."""

    rows: list[tuple[Table, list[dict[str, Any]]]]

    @classmethod
    async def take(cls, app: App) -> Snapshot:
        async with app.db.connect() as connection:
            return cls([(table, [dict(row._mapping) for row in await connection.execute(table.select())])
                        for table in SQLModel.metadata.sorted_tables if table.name not in ROLLUPS])

    async def restore(self, app: App) -> None:
        """Put every table back as it was taken (rows made since are deleted, sequences only move on)."""
        tables = [table for table, _ in reversed(self.rows)]
        async with app.db.begin() as connection:
            await connection.execute(text("UPDATE unit SET parent_id = NULL"))
            for table in [t for t in tables if t.name != "unit"] + [t for t in SQLModel.metadata.sorted_tables
                                                                   if t.name in ROLLUP_TABLES]:
                await connection.execute(table.delete())
            await connection.execute(text("DELETE FROM unit"))
            for table, rows in self.rows:
                if rows:
                    await connection.execute(table.insert(), rows)


async def _example(app: App, clock: Clock, start: datetime, cast: Cast, snapshot: Snapshot, name: str,
                   data: st.DataObject) -> None:
    clock.now = start
    await snapshot.restore(app)
    command = next(c for c in app.engine.commands if c.names[0] == name)
    caller = data.draw(st.sampled_from([c for c in CALLERS if _may_use(command, c)] or list(CALLERS)),
                       label="caller")
    run = Run(app, Chat(app.engine), cast, caller)
    args = "" if data.draw(st.integers(0, 2), label="with arguments") < 2 else data.draw(st.one_of(
        st.sampled_from([caller.home, caller.away, UNKNOWN_CODE, "2026-H1", f"{caller.home} 2026"]), TEXTS),
        label="arguments")
    said = f"/{name} {args}" if args else f"/{name}"
    await _send(run, _short(said), said=said)
    script = SCRIPTS.get(name, [])
    for line in script[:data.draw(st.integers(0, len(script)), label="scripted lines")]:
        await _send(run, _short(line), said=line)
    for _ in range(data.draw(st.integers(0, MAX_STEPS), label="steps")):
        await _step(run, data, data.draw(st.sampled_from(ACTIONS), label="action"))


def test_refusals_are_catalog_texts() -> None:
    """A refusal key that left the catalogs would silently stop being checked."""
    catalogs = Catalogs()
    missing = [key for key in (*REFUSALS, STALE, SET_ASIDE, INTERNAL_ERROR) for locale in LOCALES
               if catalogs.get(locale)(key) == key]
    assert not missing


@pytest.mark.parametrize("name", COMMANDS)
def test_dialog_survives_anything(settings: Settings, clock: Clock, name: str) -> None:
    loop = asyncio.new_event_loop()
    app = build_app(settings, clock=clock)
    start = clock.now
    try:
        loop.run_until_complete(app.prepare())
        cast = loop.run_until_complete(build_cast(app, now=start))
        snapshot = loop.run_until_complete(Snapshot.take(app))

        # A command that opens no dialog has less to explore than one that does.
        examples = EXAMPLES if name in SCRIPTS else max(1, EXAMPLES // 3)

        # One bug per command is shrunk and reported: shrinking every distinct one takes minutes.
        @hypothesis_settings(max_examples=examples, deadline=None, database=None, report_multiple_bugs=False,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(st.data())
        def dialog(data: st.DataObject) -> None:
            loop.run_until_complete(_example(app, clock, start, cast, snapshot, name, data))

        dialog()
    finally:
        loop.run_until_complete(app.close())
        loop.close()
