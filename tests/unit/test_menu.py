from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT
from bot.domain.roles import Role
from bot.i18n.core import SiltaI18n
from bot.telegram.callbacks import MenuAction
from bot.telegram.menu import entries_for, is_allowed, menu_keyboard, register


def test_menu_depends_on_role() -> None:
    parent = [entry.key for entry in entries_for(Role.PARENT)]
    coordinator = [entry.key for entry in entries_for(Role.COORDINATOR)]
    assert "figures" in coordinator and "figures" not in parent
    assert "role" in parent and "role" not in coordinator
    assert entries_for(None) == []


def test_only_offered_entries_are_allowed() -> None:
    assert is_allowed("figures", Role.COORDINATOR)
    assert not is_allowed("figures", Role.PARENT)
    assert not is_allowed("nonexistent", Role.COORDINATOR)
    assert not is_allowed("help", None)


def test_duplicate_entries_are_refused() -> None:
    with pytest.raises(ValueError):
        register("help", "?", entries_for(Role.PARENT)[0].label, frozenset({Role.PARENT}), 1)


def test_keyboard_is_translated_and_callback_data_is_short() -> None:
    i18n = SiltaI18n(path=PROJECT_ROOT / "locales")
    with i18n.context(), i18n.use_locale("ar"):
        keyboard = menu_keyboard(Role.BUDDY)
    labels = [button.text for row in keyboard.inline_keyboard for button in row]
    assert labels and all("Help" not in label for label in labels)
    for row in keyboard.inline_keyboard:
        for button in row:
            assert button.callback_data is not None and len(button.callback_data.encode()) <= 64
            assert MenuAction.unpack(button.callback_data).entry
