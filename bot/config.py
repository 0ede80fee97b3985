"""Settings from the environment and `.env`, validated once at start-up.

A missing or invalid setting stops start-up with one line that names it, so an operator
never has to read a traceback to find a typo in `.env`.
"""

from __future__ import annotations

import os
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.buddies.rhythm import Rhythm, months
from bot.domain.clubs.reminders import QuietHours
from bot.domain.languages import SUPPORTED_LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"


def _user_cache() -> Path:
    """The user's cache folder (XDG_CACHE_HOME, else ~/.cache)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


class SettingsError(Exception):
    """A setting is missing or invalid; the message is one line naming it."""


class Settings(BaseSettings):
    """Everything an operator can set. Names are the environment variables, upper-cased."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: str | None = None
    telegram_api_url: str = DEFAULT_TELEGRAM_API_URL
    database_url: str = "sqlite+aiosqlite:///silta.db"
    coordinator_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_locale: str = "en"
    default_timezone: str = "Europe/Helsinki"
    flows_dir: Path = PROJECT_ROOT / "flows"
    locales_dir: Path = PROJECT_ROOT / "locales"
    # Parsed flow files kept between starts (bot/domain/flows/parse_cache.py); safe to delete.
    cache_dir: Path = Field(default_factory=lambda: _user_cache() / "silta")
    log_level: str = "INFO"
    log_format: str = "json"
    demo_host: str = "127.0.0.1"
    demo_port: int = 8080
    api_max_retries: int = 5
    # The outbox sender (bot/delivery/): Telegram allows about 30 messages a second overall and
    # one a second per chat; quiet hours hold back what is not urgent, in each reader's zone.
    send_rate: float = Field(30.0, gt=0)
    send_rate_per_chat: float = Field(1.0, gt=0)
    send_max_attempts: int = Field(5, ge=1)
    quiet_hours: str = "21:00-08:00"
    # The buddy programme's rhythm (bot/domain/buddies/rhythm.py): weekly check-ins for the
    # first weeks, then every few days; the family's question; the length before a close.
    buddy_weekly_checkins: int = Field(4, ge=0, le=52)
    buddy_checkin_days: int = Field(14, ge=1, le=90)
    family_checkin_days: int = Field(30, ge=1, le=180)
    buddy_programme_months: float = Field(6.0, gt=0, le=36)
    scheduler: bool = True  # the periodic jobs (reminders, outbox); off only in some tests

    @field_validator("bot_token")
    @classmethod
    def _check_token(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        value = value.strip()
        head, _, tail = value.partition(":")
        if not head.isdigit() or len(tail) < 10:
            raise ValueError("expected the form 123456789:ABC... that @BotFather gives")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST/DB")
        return value

    @field_validator("coordinator_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            bad = [part for part in parts if not part.lstrip("-").isdigit()]
            if bad:
                raise ValueError(f"not a Telegram user id: {bad[0]!r}")
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("default_locale")
    @classmethod
    def _check_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("not an IANA time zone such as Europe/Helsinki") from error
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _check_quiet_hours(cls, value: str) -> str:
        parse_quiet_hours(value)
        return value

    @field_validator("log_format")
    @classmethod
    def _check_log_format(cls, value: str) -> str:
        if value not in ("json", "console"):
            raise ValueError("must be json or console")
        return value

    @field_validator("locales_dir")
    @classmethod
    def _check_locales_dir(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"folder {value} does not exist")
        return value

    @property
    def quiet(self) -> QuietHours:
        return parse_quiet_hours(self.quiet_hours)

    @property
    def rhythm(self) -> Rhythm:
        return Rhythm(
            weekly_checkins=self.buddy_weekly_checkins,
            later_every=timedelta(days=self.buddy_checkin_days),
            family_every=timedelta(days=self.family_checkin_days),
            programme=months(self.buddy_programme_months),
        )

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded default database."""
        return self.database_url.startswith("sqlite")


def parse_quiet_hours(value: str) -> QuietHours:
    """'21:00-08:00' -> QuietHours; '' or 'off' for none."""
    if value.strip().lower() in ("", "off", "none"):
        return QuietHours(time(0, 0), time(0, 0))
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise ValueError("write two times like 21:00-08:00, or off") from None
    return QuietHours(start, end)


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one line per the first bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"Invalid setting {name}: {reason}") from None
