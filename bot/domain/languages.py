"""The languages Silta speaks, and how to turn Telegram's guess into one of them.

Telegram's `language_code` is only a first guess (it is the app's interface language), so the
user always confirms; their explicit choice is stored and wins from then on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    """One supported language: its code, its name in itself, and its writing direction."""

    code: str
    native_name: str
    english_name: str
    rtl: bool = False


LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", "English"),
    Language("fi", "Suomi", "Finnish"),
    Language("sv", "Svenska", "Swedish"),
    Language("ru", "Русский", "Russian"),
    Language("uk", "Українська", "Ukrainian"),
    Language("et", "Eesti", "Estonian"),
    Language("ar", "العربية", "Arabic", rtl=True),
    Language("fa", "فارسی", "Persian", rtl=True),
    Language("so", "Soomaali", "Somali"),
    Language("ckb", "کوردی", "Kurdish (Sorani)", rtl=True),
)

SUPPORTED_LANGUAGES: dict[str, Language] = {language.code: language for language in LANGUAGES}

# Telegram reports IETF tags such as "pt-br" or "ku"; these map the ones we can serve.
_ALIASES: dict[str, str] = {
    "ku": "ckb",  # Telegram has no Sorani interface; Kurdish users mostly read Sorani here
    "prs": "fa",  # Dari
    "nb": "en",
}


def is_rtl(code: str) -> bool:
    """True when text in this language runs right to left."""
    language = SUPPORTED_LANGUAGES.get(code)
    return language.rtl if language else False


def guess_language(language_code: str | None, default: str) -> str:
    """Map Telegram's `language_code` to a supported language, else the default."""
    if not language_code:
        return default
    tag = language_code.strip().lower().replace("_", "-")
    if tag in SUPPORTED_LANGUAGES:
        return tag
    primary = tag.split("-", 1)[0]
    if primary in SUPPORTED_LANGUAGES:
        return primary
    return _ALIASES.get(primary, default)
