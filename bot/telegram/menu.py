"""The role-aware main menu: a registry that each feature adds its entries to.

The entry list decides both what a user sees and what they may press: a button whose entry is
not offered to the user's role is refused on the server side, whatever the client sends.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import lazy_gettext as __
from babel.support import LazyProxy

from bot.domain.roles import Role
from bot.telegram.callbacks import MenuAction

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class MenuEntry:
    """One button of the main menu, the roles that see it and its place in the order."""

    key: str
    icon: str
    label: LazyProxy
    roles: frozenset[Role]
    order: int


_ENTRIES: dict[str, MenuEntry] = {}


def register(key: str, icon: str, label: LazyProxy, roles: frozenset[Role], order: int) -> None:
    """Add an entry (features call this at import time); `label` is a lazy gettext string."""
    if key in _ENTRIES:
        raise ValueError(f"menu entry {key!r} registered twice")
    _ENTRIES[key] = MenuEntry(key=key, icon=icon, label=label, roles=roles, order=order)


def entries_for(role: Role | None) -> list[MenuEntry]:
    """The entries a user with this role sees, in menu order."""
    if role is None:
        return []
    return sorted((e for e in _ENTRIES.values() if role in e.roles), key=lambda e: e.order)


def is_allowed(key: str, role: Role | None) -> bool:
    """Whether a pressed entry is one this role is offered."""
    entry = _ENTRIES.get(key)
    return entry is not None and role is not None and role in entry.roles


def menu_keyboard(role: Role | None) -> InlineKeyboardMarkup:
    """The menu as inline buttons, two short ones per row."""
    buttons = [
        InlineKeyboardButton(
            text=f"{entry.icon} {entry.label}", callback_data=MenuAction(entry=entry.key).pack()
        )
        for entry in entries_for(role)
    ]
    rows = [buttons[index : index + 2] for index in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(inline_keyboard=rows)


# The foundation's own entries. Later features register theirs in their own modules.
register("guides", "🧭", __("Guides"), ALL_ROLES, 10)
register("clubs", "🏠", __("Clubs and groups"), ALL_ROLES, 20)
register("buddy", "🤝", __("My buddy"), frozenset({Role.PARENT, Role.BUDDY}), 30)
register("buddies", "🤝", __("Buddy programme"), frozenset({Role.COORDINATOR}), 80)
register("broadcast", "📢", __("Send an announcement"), frozenset({Role.COORDINATOR}), 85)
register("inbox", "📥", __("Requests for a person"), frozenset({Role.COORDINATOR}), 90)
register("invite", "✉️", __("Invite a person"), frozenset({Role.COORDINATOR}), 95)
register("figures", "📊", __("Programme figures"), frozenset({Role.COORDINATOR}), 100)
register("announcements", "🔔", __("Announcements"), ALL_ROLES, 880)
register("language", "🌐", __("Language"), ALL_ROLES, 900)
register("help", "❓", __("Help"), ALL_ROLES, 910)
register("mydata", "📄", __("My data"), ALL_ROLES, 920)
register("role", "👤", __("Change my role"), frozenset({Role.PARENT, Role.BUDDY}), 930)
register("delete", "🗑", __("Delete my data"), ALL_ROLES, 940)
