"""The console channel: `@name message` lines, numbered choices, and the real `python -m bot run` on a pipe."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import App
from bot.console import ConsoleChannel, parse_line

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("line", "expected"), [
    ("xin chào\n", ("me", "xin chào")),
    ("@an /batdau DEMO\n", ("an", "/batdau DEMO")),
    ("@an\n", ("an", "")),
    ("@ just text", ("me", "@ just text")),
    ("  spaced  \r\n", ("me", "spaced")),
], ids=["plain", "named", "name-only", "bare-at", "crlf"])
def test_parse_line(line: str, expected: tuple[str, str]) -> None:
    assert parse_line(line) == expected


async def test_script_with_two_people_prints_numbered_choices(demo: App, tmp_path: Path) -> None:
    script = "@an /batdau DEMO-DOANVIEN\n@an Nguyễn Văn An\n\n@binh xin chào\n@an 2001\n@an 1\n"
    out = io.StringIO()
    console = ConsoleChannel(demo.engine.handle, t=demo.catalogs.get(None), stdin=io.StringIO(script),
                             stdout=out, attachment_dir=tmp_path)
    await console.run()
    text = out.getvalue()
    assert "[an] › /batdau DEMO-DOANVIEN" in text
    assert "[bot → binh] Chào bạn! Đây là Bot 1+1" in text
    assert "    1. Đúng, tham gia\n    2. Sửa họ tên\n    3. Sửa năm sinh\n    4. Hủy" in text
    assert "[bot → an] Xong! Nguyễn Văn An đã tham gia Chi đoàn Khu phố 1" in text


def test_make_run_style_pipe_completes_onboarding_and_exits(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db", "SEED_DEMO": "true",
           "ATTACHMENT_DIR": str(tmp_path / "files")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("ZALO_BOT_TOKEN", None)
    script = "/batdau DEMO-DOANVIEN\nNguyễn Văn An\n2001\n1\n"
    result = subprocess.run([sys.executable, "-m", "bot", "run"], input=script, capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "Xong! Nguyễn Văn An đã tham gia Chi đoàn Khu phố 1 trên Bot 1+1." in result.stdout
    # A second run on the same database remembers the console user, and does not seed the demo twice.
    again = subprocess.run([sys.executable, "-m", "bot", "run"], input="/batdau\n", capture_output=True, text=True,
                           cwd=tmp_path, env=env, timeout=120, check=False)
    assert again.returncode == 0, again.stderr
    assert "[bot → me] Bạn đã tham gia rồi: Nguyễn Văn An, Chi đoàn Khu phố 1." in again.stdout
