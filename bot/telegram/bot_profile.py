"""The bot's command list and descriptions, in every language, as Telegram shows them.

Telegram picks the list by the app's language; a user whose chosen language differs from
their app's gets a list for their own chat in the chosen language.
"""

from __future__ import annotations

import structlog
from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n

from bot.domain.languages import SUPPORTED_LANGUAGES

log = structlog.get_logger("silta.profile")

# Telegram takes two-letter ISO 639-1 codes only; Sorani has none, so it is offered to
# Kurdish ("ku") app users, who in Finland mostly read Sorani.
TELEGRAM_LANGUAGE_CODES: dict[str, str] = {"ckb": "ku"}


def telegram_language_code(code: str) -> str:
    """The code Telegram accepts for one of our languages."""
    return TELEGRAM_LANGUAGE_CODES.get(code, code)


def commands(i18n: I18n, locale: str) -> list[BotCommand]:
    """The command list in one language."""
    with i18n.use_locale(locale):
        return [
            BotCommand(command="start", description=i18n.gettext("Start or start again")),
            BotCommand(command="menu", description=i18n.gettext("Main menu")),
            BotCommand(command="language", description=i18n.gettext("Change the language")),
            BotCommand(command="help", description=i18n.gettext("Help")),
            BotCommand(command="mydata", description=i18n.gettext("What I keep about you")),
            BotCommand(command="delete", description=i18n.gettext("Delete your data")),
            BotCommand(command="stop", description=i18n.gettext("No more announcements")),
        ]


def description(i18n: I18n, locale: str) -> str:
    """The text an empty chat shows before /start (at most 512 characters)."""
    with i18n.use_locale(locale):
        return i18n.gettext(
            "Silta helps families who are new in Finland to find their way into school and the community, in their own language. Press Start to begin."
        )


def short_description(i18n: I18n, locale: str) -> str:
    """The line on the bot's profile page (at most 120 characters)."""
    with i18n.use_locale(locale):
        return i18n.gettext("Help for families who are new in Finland, in their own language.")


async def publish_profile(bot: Bot, i18n: I18n, default_locale: str) -> None:
    """Set commands and descriptions for every language, and the default for all others."""
    for code in SUPPORTED_LANGUAGES:
        language_code = telegram_language_code(code)
        await bot.set_my_commands(commands(i18n, code), BotCommandScopeDefault(), language_code)
        await bot.set_my_description(description(i18n, code), language_code)
        await bot.set_my_short_description(short_description(i18n, code), language_code)
    await bot.set_my_commands(commands(i18n, default_locale), BotCommandScopeDefault())
    await bot.set_my_description(description(i18n, default_locale))
    await bot.set_my_short_description(short_description(i18n, default_locale))
    log.info("profile_published", languages=len(SUPPORTED_LANGUAGES))


async def set_chat_commands(bot: Bot, i18n: I18n, chat_id: int, locale: str) -> None:
    """Show this user's command list in their chosen language, whatever their app's language."""
    await bot.set_my_commands(commands(i18n, locale), BotCommandScopeChat(chat_id=chat_id))


async def clear_chat_commands(bot: Bot, chat_id: int) -> None:
    """Forget a user's own command list (after /delete)."""
    await bot.delete_my_commands(BotCommandScopeChat(chat_id=chat_id))
