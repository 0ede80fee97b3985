from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Settings come from the environment and .env: start each test from neither."""
    for name in list(__import__("os").environ):
        if name.upper() in Settings.model_fields or name.upper() in {
            f.upper() for f in Settings.model_fields
        }:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults_run_on_sqlite_without_token() -> None:
    settings = load_settings()
    assert settings.bot_token is None
    assert settings.is_sqlite
    assert settings.default_timezone == "Europe/Helsinki"
    assert settings.telegram_api_url == "https://api.telegram.org"


def test_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("COORDINATOR_IDS=12, 34\nDEFAULT_LOCALE=fi\n")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    settings = load_settings()
    assert settings.coordinator_ids == frozenset({12, 34})
    assert settings.default_locale == "fi"
    assert settings.telegram_api_url == "http://127.0.0.1:8081"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("BOT_TOKEN", "not-a-token", "Invalid setting BOT_TOKEN: expected the form 123456789:ABC"),
        (
            "COORDINATOR_IDS",
            "12,abc",
            "Invalid setting COORDINATOR_IDS: not a Telegram user id: 'abc'",
        ),
        ("DATABASE_URL", "mysql://x", "Invalid setting DATABASE_URL: use sqlite+aiosqlite"),
        (
            "DEFAULT_TIMEZONE",
            "Mars/Olympus",
            "Invalid setting DEFAULT_TIMEZONE: not an IANA time zone",
        ),
        ("DEFAULT_LOCALE", "de", "Invalid setting DEFAULT_LOCALE: must be one of en, fi"),
        ("TELEGRAM_API_URL", "ftp://x", "Invalid setting TELEGRAM_API_URL: must start with http"),
        ("DEMO_PORT", "eighty", "Invalid setting DEMO_PORT: Input should be a valid integer"),
        (
            "LOCALES_DIR",
            "/nonexistent",
            "Invalid setting LOCALES_DIR: folder /nonexistent does not exist",
        ),
    ],
)
def test_bad_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith(expected)
    assert "\n" not in message
