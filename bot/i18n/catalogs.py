"""Load the gettext catalogs: compiled .mo files when fresh, else the .po files compiled in memory.

Compiled catalogs are build output and stay out of git; a fresh checkout therefore runs from
the .po files directly, while the Docker image ships compiled ones.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "messages"
SOURCE_LANGUAGE = "en"


def catalog_path(locales_dir: Path, language: str, suffix: str = ".po") -> Path:
    """Where a language's catalog lives: locales/<lang>/LC_MESSAGES/messages.po."""
    return locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


def load_translation(locales_dir: Path, language: str) -> gettext.GNUTranslations | None:
    """One language's translations, or None when it has no catalog."""
    po_path = catalog_path(locales_dir, language)
    mo_path = catalog_path(locales_dir, language, ".mo")
    if mo_path.exists() and (
        not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime
    ):
        with mo_path.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if not po_path.exists():
        return None
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def load_translations(
    locales_dir: Path, languages: list[str]
) -> dict[str, gettext.GNUTranslations]:
    """Translations for every language that has a catalog; English is the source and needs none."""
    loaded: dict[str, gettext.GNUTranslations] = {}
    for language in languages:
        translation = load_translation(locales_dir, language)
        if translation is not None:
            loaded[language] = translation
    return loaded


def translator(locales_dir: Path, languages: list[str]) -> Callable[[str, str], str]:
    """A plain (text, language) -> translation function over the catalogs, for tools and tests
    that run outside aiogram's context (flow tests)."""
    loaded = load_translations(locales_dir, languages)

    def translate(text: str, language: str) -> str:
        translation = loaded.get(language)
        return translation.gettext(text) if translation is not None else text

    return translate
