"""Inline keyboards of the first steps (language, consent, role, delete confirmation)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain.languages import LANGUAGES
from bot.telegram.callbacks import ConsentAnswer, DeleteAnswer, LanguageChoice, RoleChoice


def language_keyboard(current: str | None) -> InlineKeyboardMarkup:
    """Native language names, two per row; the current guess or choice is ticked."""
    buttons = [
        InlineKeyboardButton(
            text=("✓ " if language.code == current else "") + language.native_name,
            callback_data=LanguageChoice(code=language.code).pack(),
        )
        for language in LANGUAGES
    ]
    return InlineKeyboardMarkup(
        inline_keyboard=[buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    )


def consent_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text="✅ " + _("I agree"), callback_data=ConsentAnswer(agree=True).pack()
                )
            ],
            [
                InlineKeyboardButton(
                    text=_("No, thanks"), callback_data=ConsentAnswer(agree=False).pack()
                )
            ],
        ]
    )


def role_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text="👪 " + _("Parent or family member"),
                    callback_data=RoleChoice(role="parent").pack(),
                )
            ],
            [
                InlineKeyboardButton(
                    text="🤝 " + _("Volunteer buddy"), callback_data=RoleChoice(role="buddy").pack()
                )
            ],
        ]
    )


def delete_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("Yes, delete everything"),
                    callback_data=DeleteAnswer(confirm=True).pack(),
                )
            ],
            [
                InlineKeyboardButton(
                    text=_("No, keep it"), callback_data=DeleteAnswer(confirm=False).pack()
                )
            ],
        ]
    )
