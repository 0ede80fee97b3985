"""Every language is complete, keeps placeholders, and fits Telegram's limits."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from bot.config import PROJECT_ROOT
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.i18n import tools
from bot.i18n.catalogs import catalog_path
from bot.i18n.core import SiltaI18n
from bot.telegram.bot_profile import commands, description, short_description

LOCALES = PROJECT_ROOT / "locales"


def test_every_language_is_complete() -> None:
    results = tools.stats(LOCALES)
    assert {row.language for row in results} == set(SUPPORTED_LANGUAGES)
    incomplete = [
        (row.language, row.percent, row.placeholder_errors) for row in results if not row.complete
    ]
    assert incomplete == []


def test_catalogs_match_the_code() -> None:
    """The template holds exactly what the code marks: extract would change nothing."""
    with (LOCALES / "messages.pot").open("rb") as handle:
        committed = {message.id for message in read_po(handle) if message.id}
    fresh_dir = PROJECT_ROOT / "var" / "pot-check"
    fresh_dir.mkdir(parents=True, exist_ok=True)
    pot = tools.extract(PROJECT_ROOT, fresh_dir)
    with pot.open("rb") as handle:
        fresh = {message.id for message in read_po(handle) if message.id}
    assert fresh == committed, "run `silta i18n extract && silta i18n update` and translate"


def test_placeholder_mismatch_is_reported(tmp_path: pytest.TempPathFactory) -> None:
    from babel.messages.catalog import Catalog

    template = Catalog()
    template.add("Hello, {name}!")
    catalog = Catalog(locale="fi")
    catalog.add("Hello, {name}!", "Hei, {nimi}!")
    result = tools.coverage(template, catalog, "fi")
    assert result.translated == 1 and not result.complete
    assert result.placeholder_errors


@pytest.mark.parametrize("language", sorted(SUPPORTED_LANGUAGES))
def test_profile_texts_fit_telegram_limits(language: str) -> None:
    i18n = SiltaI18n(path=LOCALES)
    assert len(description(i18n, language)) <= 512
    assert len(short_description(i18n, language)) <= 120
    for command in commands(i18n, language):
        assert 1 <= len(command.description) <= 256


@pytest.mark.parametrize("language", [code for code in SUPPORTED_LANGUAGES if code != "en"])
def test_catalog_file_parses_with_plural_forms(language: str) -> None:
    with catalog_path(LOCALES, language).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    plural = catalog.get("It reaches {count} person.")
    assert plural is not None and isinstance(plural.string, tuple)
    assert len(plural.string) == catalog.num_plurals
