"""The translators' workflow (pybabel extract, update, compile) and a coverage report.

`stats` also checks that every translation keeps the message's `{placeholders}`: a lost or
misspelt placeholder would otherwise break the message at run time, in one language only.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.i18n.catalogs import DOMAIN, SOURCE_LANGUAGE, catalog_path

# "ngettext:1,2": singular and plural are the first two arguments (a bare name takes only one).
KEYWORDS = ["_", "__", "gettext", "ngettext:1,2", "lazy_gettext"]
TRANSLATED_LANGUAGES = [code for code in SUPPORTED_LANGUAGES if code != SOURCE_LANGUAGE]


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])  # type: ignore[no-untyped-call]


def extract(project_root: Path, locales_dir: Path) -> Path:
    """Collect every marked string of the code into locales/messages.pot."""
    pot = locales_dir / f"{DOMAIN}.pot"
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    _pybabel(
        "extract",
        "-F",
        str(project_root / "babel.cfg"),
        *keywords,
        "--no-location",
        "--sort-output",
        "--project",
        "Silta",
        "--copyright-holder",
        "Silta contributors",
        "-o",
        str(pot),
        str(project_root),
    )
    return pot


def update(locales_dir: Path) -> None:
    """Merge messages.pot into every language's catalog (creating missing ones)."""
    pot = locales_dir / f"{DOMAIN}.pot"
    for language in TRANSLATED_LANGUAGES:
        exists = catalog_path(locales_dir, language).exists()
        command = ["update", "--ignore-obsolete"] if exists else ["init"]
        _pybabel(
            *command,
            "-i",
            str(pot),
            "-d",
            str(locales_dir),
            "-D",
            DOMAIN,
            "-l",
            language,
            "--no-wrap",
        )


def compile_catalogs(locales_dir: Path) -> None:
    """Write the .mo files (for the Docker image; the bot can also read .po directly)."""
    _pybabel("compile", "-d", str(locales_dir), "-D", DOMAIN, "--statistics")


@dataclass(frozen=True)
class Coverage:
    """How complete one language is."""

    language: str
    total: int
    translated: int
    fuzzy: int
    review: int
    placeholder_errors: list[str]

    @property
    def percent(self) -> float:
        return 100.0 if self.total == 0 else 100.0 * self.translated / self.total

    @property
    def complete(self) -> bool:
        return self.translated == self.total and not self.placeholder_errors


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return {"<unbalanced braces>"}


def _as_list(value: object) -> list[str]:
    """Babel keeps plural forms as tuples or lists and singular ones as strings."""
    if isinstance(value, tuple | list):
        return [str(item) for item in value]
    return [value] if isinstance(value, str) else [""]


def _ids(message: Message) -> list[str]:
    return _as_list(message.id)


def _strings(message: Message) -> list[str]:
    return _as_list(message.string)


def coverage(template: Catalog, catalog: Catalog, language: str) -> Coverage:
    """Count translated, fuzzy and to-be-reviewed messages against the template."""
    total = translated = fuzzy = review = 0
    errors: list[str] = []
    for source in template:
        if not source.id:
            continue
        total += 1
        message = catalog.get(source.id)
        if message is None or not all(_strings(message)):
            continue
        if message.fuzzy:
            fuzzy += 1
            continue
        translated += 1
        if any("review" in comment.lower() for comment in message.user_comments):
            review += 1
        wanted = set().union(*(_placeholders(text) for text in _ids(message)))
        for text in _strings(message):
            if _placeholders(text) != wanted:
                errors.append(f"{language}: {_ids(message)[0]!r} -> {text!r}")
    return Coverage(language, total, translated, fuzzy, review, errors)


def stats(locales_dir: Path) -> list[Coverage]:
    """Coverage of every supported language; English is the source and always complete."""
    with (locales_dir / f"{DOMAIN}.pot").open("rb") as handle:
        template = read_po(handle)
    size = len([message for message in template if message.id])
    results = [Coverage(SOURCE_LANGUAGE, size, size, 0, 0, [])]
    for language in TRANSLATED_LANGUAGES:
        path = catalog_path(locales_dir, language)
        if not path.exists():
            results.append(Coverage(language, size, 0, 0, 0, []))
            continue
        with path.open("rb") as handle:
            results.append(coverage(template, read_po(handle, locale=language), language))
    return results
