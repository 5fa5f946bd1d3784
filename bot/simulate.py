"""Time travel for demonstrations: `bot11 simulate --from 2026-06-01 --to 2027-01-31`.

On a fresh database (a temporary SQLite file unless `--database` is given) with the demo organisation and a
fake clock, every day at 08:00 the reconcile jobs run exactly as the scheduler would run them, the outbox is
drained to the console, and scripted people act through the real dialogs: secretaries do /danhgia (some on
time, one late, one never), a secretary sends /nhacnho, a member turns the monthly nudge off. The console shows
each day on which something happened: prompts, reminders, submissions, notices upward, escalations listing the
late branches, monthly nudges and the annual-report reminders.
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App, build_app
from bot.console.outlet import CHANNEL, ConsoleOutlet
from bot.settings import Settings
from conversations.i18n import Translator
from conversations.messages import Inbound, Reply
from scheduled.runner import default_jobs
from scheduled.sender import Sender, SenderConfig
from scheduled.service import job_runner
from storage.identities import link_member
from storage.members import add_member, grant_role, role_holder
from storage.models import RoleName, UnitKind, YouthStatus
from storage.units import subtree_units, unit_by_code
from storage.youth import add_youth

__all__ = ["add_simulate_parser", "simulate"]

_RUN = uuid.uuid4().hex[:8]  # update ids stay new when a simulation reuses a database
# Who evaluates when: (day, branch code). Khu phố 1 never does; Phân xưởng 1 is late each time.
SUBMISSIONS = [
    (date(2026, 6, 17), "CD-KP2"), (date(2026, 6, 25), "CD-12A1"), (date(2026, 7, 3), "CD-12A2"),
    (date(2026, 7, 8), "CD-APD"), (date(2026, 7, 9), "CD-APT"), (date(2026, 7, 14), "CD-PX1"),
    (date(2026, 12, 18), "CD-KP2"), (date(2026, 12, 28), "CD-12A1"), (date(2026, 12, 28), "CD-12A2"),
    (date(2027, 1, 9), "CD-APD"), (date(2027, 1, 10), "CD-APT"), (date(2027, 1, 15), "CD-PX1"),
]
OTHER_ACTS = [
    (date(2026, 7, 7), "doanvien-b", "/tatnhac"),
    (date(2026, 8, 20), "bithu-cd-kp1", "/nhacnho"),
]
EVALUATION_ANSWERS = ["/danhgia", "1", "{population}", "2", "CLB bóng đá, Đội thanh niên tình nguyện",
                      "Phân công từng đoàn viên phụ trách một nhóm thanh niên trên địa bàn", "Bỏ qua", "Bỏ qua", "1"]


def add_simulate_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sim = commands.add_parser("simulate", help="show a half-year of prompts, reminders and escalation (fake clock)")
    sim.add_argument("--from", dest="start", type=date.fromisoformat, default=date(2026, 6, 1))
    sim.add_argument("--to", dest="end", type=date.fromisoformat, default=date(2027, 1, 31))
    sim.add_argument("--database", help="database URL (default: a new temporary SQLite file)")


@dataclass
class FakeClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


async def simulate(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    """Run the simulation from `args.start` to `args.end` and print it to `out`."""
    if args.end < args.start:
        out.write("--to must not be before --from\n")
        return 2
    with tempfile.TemporaryDirectory(prefix="bot11-simulate-") as folder:
        url = args.database or f"sqlite+aiosqlite:///{Path(folder) / 'simulate.db'}"
        tz = ZoneInfo(settings.timezone)
        clock = FakeClock(_morning(args.start, tz))
        app = build_app(settings.model_copy(update={"database_url": url}), clock=clock)
        try:
            await app.prepare(demo=True)
            await _cast(app, clock.now)
            return await _run(app, clock, args.start, args.end, out)
        finally:
            await app.close()


def _morning(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(8), tzinfo=tz).astimezone(UTC)


async def _cast(app: App, now: datetime) -> None:
    """Put the demo's secretaries, officers of every upper unit and two plain members on the console channel.
    Secretaries and officers have introduced someone this year already (they lead by example), so only the two
    members get the monthly nudge."""
    async with app.sessions() as session, session.begin():
        units = await subtree_units(session)
        for unit in units:
            assert unit.id is not None
            if unit.kind == UnitKind.BRANCH:
                member_id = await role_holder(session, unit_id=unit.id, role=RoleName.SECRETARY)
                if member_id is None:
                    member = await add_member(session, full_name="Trương Thị Bích", birth_year=1998,
                                              unit_id=unit.id, joined_at=now)
                    assert member.id is not None
                    member_id = member.id
                    await grant_role(session, member_id=member_id, role=RoleName.SECRETARY, unit_id=unit.id)
                user = f"bithu-{unit.code.lower()}"
            elif unit.kind == UnitKind.PROVINCE:
                continue
            else:
                member = await add_member(session, full_name="Lâm Quốc Việt", birth_year=1992, unit_id=unit.id,
                                          joined_at=now)
                assert member.id is not None
                member_id = member.id
                await grant_role(session, member_id=member_id, role=RoleName.OFFICER, unit_id=unit.id)
                user = f"canbo-{unit.code.lower()}"
            await link_member(session, channel=CHANNEL, external_id=user, chat_id=user, member_id=member_id, now=now)
            await _introduce(session, member_id=int(member_id), unit_id=unit.id, now=now)
        branch = await unit_by_code(session, code="CD-KP1")
        assert branch is not None and branch.id is not None
        for user, name in (("doanvien-a", "Hồ Minh Tú"), ("doanvien-b", "Kiều Thị Ngân")):
            member = await add_member(session, full_name=name, birth_year=2003, unit_id=branch.id, joined_at=now)
            assert member.id is not None
            await link_member(session, channel=CHANNEL, external_id=user, chat_id=user, member_id=member.id, now=now)


async def _introduce(session: AsyncSession, *, member_id: int, unit_id: int, now: datetime) -> None:
    start = now - timedelta(days=60)
    await add_youth(session, values={
        "full_name": "Nguyễn Thị Thu", "name_key": "nguyen thi thu", "birth_year": 2007, "gender": "female",
        "group_code": "student", "introduced_to": "hoi", "introduced_by": member_id, "unit_id": unit_id,
        "introduced_at": start, "consent_at": start, "status": YouthStatus.INTRODUCED, "status_at": start})


async def _run(app: App, clock: FakeClock, start: date, end: date, out: TextIO) -> int:
    t = app.catalogs.get(None)
    runner = job_runner(app)
    sender = Sender(sessions=app.sessions, outlet=_DayPrinter(out, t), clock=clock,
                    config=SenderConfig(rate=None, per_chat_interval=0.0))
    tz = ZoneInfo(app.settings.timezone)
    submitted, updates = 0, 0
    day = start
    while day <= end:
        clock.now = _morning(day, tz)
        printer = sender.outlet
        assert isinstance(printer, _DayPrinter)
        printer.day = day
        await runner.run_all(default_jobs())
        await sender.drain_until_empty()
        for when, code in SUBMISSIONS:
            if when == day:
                clock.now += timedelta(hours=3)
                updates = await _say_all(app, f"bithu-{code.lower()}", _answers(code), printer, updates)
                submitted += 1
        for when, user, text in OTHER_ACTS:
            if when == day:
                updates = await _say_all(app, user, [text], printer, updates)
        await sender.drain_until_empty()
        day += timedelta(days=1)
    out.write(t("simulate.done", start=start.isoformat(), end=end.isoformat(), pushes=sender.tally.sent,
                submitted=submitted) + "\n")
    return 0


def _answers(code: str) -> list[str]:
    population = str(80 + 15 * len(code))
    return [answer.replace("{population}", population) for answer in EVALUATION_ANSWERS]


async def _say_all(app: App, user: str, texts: Sequence[str], printer: _DayPrinter, count: int) -> int:
    """Send `texts` as `user` through the engine; print each message and the first line of each answer."""
    for text in texts:
        count += 1
        printer.note(app.catalogs.get(None)("simulate.says", who=user, text=text))
        inbound = Inbound(channel=CHANNEL, user_id=user, chat_id=user, update_id=f"sim-{_RUN}-{count}", text=text)
        for reply in await app.engine.handle(inbound):
            printer.note(app.catalogs.get(None)("simulate.says", who="bot", text=reply.text.split("\n", 1)[0]))
    return count


class _DayPrinter(ConsoleOutlet):
    """The console outlet, with a date heading before the first line of each day that has any."""

    def __init__(self, out: TextIO, t: Translator) -> None:
        super().__init__(out)
        self._t = t
        self.day: date | None = None
        self._shown: date | None = None

    def note(self, line: str) -> None:
        if self._shown != self.day:
            self._shown = self.day
            self._out.write("\n" + self._t("simulate.day", day=f"{self.day:%d/%m/%Y}") + "\n")
        self._out.write(line + "\n")

    async def send(self, chat_id: str, reply: Reply) -> None:
        self.note(self._t("simulate.push", who=chat_id, text=reply.text.replace("\n", "\n      ")))
