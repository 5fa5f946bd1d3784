"""Settings read from the environment and `.env` (pydantic-settings)."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Every setting the bot reads; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./data/bot.db"
    default_locale: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    seed_demo: bool = True
    conversation_ttl_hours: int = 24
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    zalo_bot_token: SecretStr | None = None
    log_level: str = "WARNING"
    attachment_dir: str = "./data/attachments"
