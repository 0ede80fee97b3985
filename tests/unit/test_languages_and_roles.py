from __future__ import annotations

import pytest

from bot.domain.languages import LANGUAGES, SUPPORTED_LANGUAGES, guess_language, is_rtl
from bot.domain.roles import Role, effective_role


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        ("ar", "ar"),
        ("fi-FI", "fi"),
        ("sv_SE", "sv"),
        ("uk", "uk"),
        ("ku", "ckb"),
        ("prs", "fa"),
        ("CKB", "ckb"),
        ("de", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_guess_language_from_telegram(reported: str | None, expected: str) -> None:
    assert guess_language(reported, "en") == expected


def test_guess_falls_back_to_configured_default() -> None:
    assert guess_language("pt-br", "fi") == "fi"


def test_ten_languages_three_right_to_left() -> None:
    assert [language.code for language in LANGUAGES] == [
        "en",
        "fi",
        "sv",
        "ru",
        "uk",
        "et",
        "ar",
        "fa",
        "so",
        "ckb",
    ]
    assert {code for code in SUPPORTED_LANGUAGES if is_rtl(code)} == {"ar", "fa", "ckb"}
    assert not is_rtl("xx")


def test_coordinator_ids_override_the_stored_role() -> None:
    assert effective_role(Role.PARENT, 5, frozenset({5})) is Role.COORDINATOR
    assert effective_role(Role.BUDDY, 6, frozenset({5})) is Role.BUDDY
    assert effective_role(None, 6, frozenset()) is None
