"""The bot's I18n object: aiogram's gettext context, fed from our catalogs."""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiogram.utils.i18n import I18n

from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.i18n.catalogs import DOMAIN, load_translations


class SiltaI18n(I18n):
    """aiogram's I18n, but reading .po files when no fresh .mo exists."""

    def __init__(self, *, path: str | Path, default_locale: str = "en") -> None:
        super().__init__(path=path, default_locale=default_locale, domain=DOMAIN)

    @contextmanager
    def context(self) -> Iterator[I18n]:
        """Register as *the* I18n: aiogram's gettext helpers look up the base class's context."""
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        return load_translations(self.path, list(SUPPORTED_LANGUAGES))

    @property
    def available_locales(self) -> tuple[str, ...]:
        """Every supported language: English is served from the source strings."""
        return tuple(SUPPORTED_LANGUAGES)
