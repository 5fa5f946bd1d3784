"""The admin command line against a real database."""

from __future__ import annotations

import pytest

from bot.cli import main


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SEED_DEMO", "true")
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return database_url


def test_tree_prints_every_unit_indented(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "tree"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 14
    assert lines[0].startswith("TD-AL") and "Tỉnh Đoàn An Lạc" in lines[0]
    assert any(line.startswith("    CS-PBA") for line in lines)
    assert any(line.startswith("      CD-KP1") and "Chi đoàn Khu phố 1" in line for line in lines)


def test_invite_prints_a_new_code(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "invite", "--unit", "cd-kp2", "--role", "secretary", "--days", "7", "--uses", "1"]) == 0
    code, unit, role, *_ = capsys.readouterr().out.split("\t")
    assert len(code) == 8 and unit == "CD-KP2" and role == "secretary"


@pytest.mark.parametrize("args", [["--unit", "NOPE"], ["--unit", "CD-KP1", "--days", "0"]], ids=["unknown", "zero"])
def test_invite_refuses_bad_arguments(env: str, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    assert main(["admin", "invite", *args]) == 2
    assert capsys.readouterr().out.strip()
