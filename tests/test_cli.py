"""The admin command line against a real database."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from sqlmodel import func, select

from bot.app import build_app
from bot.cli import main
from bot.settings import Settings
from storage.models import Invite, Member, Unit, UnitKind
from storage.units import add_unit


@pytest.fixture
def empty(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path) -> str:
    """An empty database the command line is pointed at."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return database_url


@pytest.fixture
def env(empty: str, capsys: pytest.CaptureFixture[str]) -> str:
    """The same, with the demo organisation seeded."""
    assert main(["admin", "seed-demo"]) == 0
    capsys.readouterr()
    return empty


def counts(database_url: str) -> tuple[int, ...]:
    """Return how many units, members and invites the database holds."""
    async def read() -> tuple[int, ...]:
        app = build_app(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
        try:
            await app.prepare()
            async with app.sessions() as session:
                return tuple([(await session.exec(select(func.count()).select_from(table))).one()
                              for table in (Unit, Member, Invite)])
        finally:
            await app.close()
    return asyncio.run(read())


def add_one_unit(database_url: str) -> None:
    async def add() -> None:
        app = build_app(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
        try:
            await app.prepare()
            async with app.sessions() as session, session.begin():
                await add_unit(session, code="TD-THAT", name="Tỉnh Đoàn Thật", kind=UnitKind.PROVINCE, parent=None)
        finally:
            await app.close()
    asyncio.run(add())


def test_seed_demo_seeds_an_empty_database(empty: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert counts(empty) == (0, 0, 0)  # the admin commands themselves seed nothing
    assert main(["admin", "seed-demo"]) == 0
    assert "DEMO-QUANDOAN" in capsys.readouterr().out
    assert counts(empty) == (14, 42, 5)


@pytest.mark.parametrize("organisation", ["demo", "real"])
def test_seed_demo_refuses_a_database_with_units(empty: str, capsys: pytest.CaptureFixture[str],
                                                  organisation: str) -> None:
    if organisation == "demo":
        assert main(["admin", "seed-demo"]) == 0
    else:
        add_one_unit(empty)
    before = counts(empty)
    capsys.readouterr()
    assert main(["admin", "seed-demo"]) == 1
    assert "refused: the database already holds units" in capsys.readouterr().out
    assert counts(empty) == before


def test_tree_prints_every_unit_indented(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "tree"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 14
    assert lines[0].startswith("TD-AL") and "Tỉnh Đoàn An Lạc" in lines[0]
    assert any(line.startswith("    CS-PBA") for line in lines)
    assert any(line.startswith("      CD-KP1") and "Chi đoàn Khu phố 1" in line for line in lines)


def test_tree_marks_merged_and_inactive_units(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "merge-units", "CD-KP2", "--into", "CD-KP1"]) == 0
    capsys.readouterr()
    assert main(["admin", "tree"]) == 0
    lines = capsys.readouterr().out.splitlines()
    merged = [line for line in lines if "CD-KP2" in line]
    assert len(merged) == 1 and merged[0].endswith("[merged into CD-KP1]")
    assert not any("[" in line for line in lines if "CD-KP2" not in line)


def test_tree_into_a_closed_pipe_is_quiet(env: str) -> None:
    """`bot11 admin tree | head -1`: the reader leaves early; no traceback, exit 0."""
    process = subprocess.Popen([sys.executable, "-m", "bot", "admin", "tree"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.close()  # before the tree is written: every write hits a closed pipe
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors.decode()
    assert b"Traceback" not in errors and b"BrokenPipe" not in errors


def test_invite_prints_a_new_code(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "invite", "--unit", "cd-kp2", "--role", "secretary", "--days", "7", "--uses", "1"]) == 0
    code, unit, role, *_ = capsys.readouterr().out.split("\t")
    assert len(code) == 8 and unit == "CD-KP2" and role == "secretary"


@pytest.mark.parametrize("args", [["--unit", "NOPE"], ["--unit", "CD-KP1", "--days", "0"]], ids=["unknown", "zero"])
def test_invite_refuses_bad_arguments(env: str, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    assert main(["admin", "invite", *args]) == 2
    assert capsys.readouterr().out.strip()
