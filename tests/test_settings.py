"""`.env.example` documents every setting the bot reads, and the defaults start the console on SQLite."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented_in_env_example() -> None:
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert {name.upper() for name in Settings.model_fields} <= documented


def test_defaults_need_no_token_and_use_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.telegram_bot_token is None and settings.zalo_bot_token is None
    assert settings.database_url.startswith("sqlite+aiosqlite:///./data/")
    assert settings.default_locale == "vi" and settings.timezone == "Asia/Ho_Chi_Minh"
