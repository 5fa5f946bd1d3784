"""Settings read from the environment and `.env` (pydantic-settings)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.sealed import DEVELOPMENT_KEY, Sealer

__all__ = ["NO_SENSITIVE_KEYS", "WEB_KEY_BYTES", "Settings"]

# A platform serves real people: their ethnicity and religion are never sealed with the published development key.
NO_SENSITIVE_KEYS = ("SENSITIVE_KEYS is not set: a young person's ethnicity and religion are stored sealed with it. "
                     "Set it to a key made by `bot11 admin new-key` (the same for every process, kept apart from "
                     "the database's backups)")

WEB_KEY_BYTES = 32


class Settings(BaseSettings):
    """Every setting the bot reads; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./data/bot.db"
    default_locale: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    conversation_ttl_hours: int = 24
    # A young person's record nobody wrote for this many years is anonymised (the counts stay).
    retention_years: int = Field(default=3, ge=1)
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    zalo_bot_token: SecretStr | None = None
    zalo_api_base_url: str = "https://bot-api.zaloplatforms.com/bot"
    zalo_webhook_url: str | None = None
    zalo_webhook_secret: SecretStr | None = None
    zalo_bot_link: str | None = None
    http_listen: str = "127.0.0.1"
    http_port: int = 8080
    log_level: str = "WARNING"
    attachment_dir: str = "./data/attachments"
    # Evaluation calendar and pushes (defaults: storage.calendar.EvaluationCalendar).
    evaluation_opens_days_before_end: int = 15
    evaluation_due_days_after_end: int = 10
    evaluation_reminder_every_days: int = 3
    annual_report_day: int = 15
    annual_report_month: int = 10
    annual_reminder_days_before: int = 14
    quiet_hours_start: int = 21
    quiet_hours_end: int = 7
    nudge_day_of_month: int = 5
    evaluation_escalate_within_days: int = 30
    scheduler_enabled: bool = True
    outbox_rate_per_second: float = 25.0
    outbox_per_chat_interval_seconds: float = 1.0
    outbox_lease_seconds: int = 120
    outbox_max_attempts: int = 8
    telegram_bot_username: str | None = None
    web_base_url: str | None = None
    web_secret_key: SecretStr | None = None
    # Fernet keys, comma-separated, newest first: the first seals, all open (storage/sealed.py).
    sensitive_keys: SecretStr | None = None

    def web_address(self) -> str:
        """Return the address the web pages' links start with: WEB_BASE_URL, else the HTTP server on this host."""
        if self.web_base_url:
            return self.web_base_url.rstrip("/")
        host = "127.0.0.1" if self.http_listen in ("", "0.0.0.0", "::") else self.http_listen
        return f"http://{f'[{host}]' if ':' in host else host}:{self.http_port}"

    def web_key(self) -> bytes | None:
        """Return the key web sessions and file links are signed with, None when unset; raise ValueError (the
        key not in it) when it is shorter than `WEB_KEY_BYTES`, which one signed cookie would let be guessed."""
        if self.web_secret_key is None:
            return None
        key = self.web_secret_key.get_secret_value().encode()
        if len(key) < WEB_KEY_BYTES:
            raise ValueError(f"WEB_SECRET_KEY is shorter than {WEB_KEY_BYTES} bytes")
        return key

    def sealer(self) -> Sealer:
        """Return the sealer of the sensitive columns from SENSITIVE_KEYS; without it, the development key, unless
        a platform token is set. Raise ValueError (no key in it) when a key is malformed or one is needed."""
        keys = [k.strip() for k in (self.sensitive_keys.get_secret_value() if self.sensitive_keys else "").split(",")]
        keys = [k for k in keys if k]
        if not keys:
            if self.telegram_bot_token is not None or self.zalo_bot_token is not None:
                raise ValueError(NO_SENSITIVE_KEYS)
            return Sealer([DEVELOPMENT_KEY])
        try:
            return Sealer(keys)
        except ValueError as bad:
            raise ValueError(f"SENSITIVE_KEYS: {bad}") from None
