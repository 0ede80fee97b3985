from __future__ import annotations

from bot.i18n.bidi import FSI, LRI, PDI, RLM, first_strong_direction, isolate, orient_rtl
from bot.i18n.text import fmt, for_reader


def test_isolate_wraps_value() -> None:
    assert isolate("Sara") == f"{FSI}Sara{PDI}"


def test_first_strong_skips_isolated_values() -> None:
    assert first_strong_direction(f"{FSI}Sara{PDI} مرحبا") == "rtl"
    assert first_strong_direction("123 Hello") == "ltr"
    assert first_strong_direction("123 !") is None


def test_orient_rtl_marks_lines_that_would_run_left_to_right() -> None:
    text = "مرحبا\nSilta يساعد\n\n42"
    assert orient_rtl(text).split("\n") == ["مرحبا", RLM + "Silta يساعد", "", RLM + "42"]


def test_orient_rtl_keeps_commands_whole() -> None:
    assert orient_rtl("أرسل /start للبدء") == f"أرسل {LRI}/start{PDI} للبدء"
    assert orient_rtl("https://a.fi/x/y") == RLM + "https://a.fi/x/y", (
        "paths in links are left alone"
    )


def test_fmt_isolates_only_in_rtl_locales() -> None:
    assert fmt("Hello, {name}!", "en", name="Sara") == "Hello, Sara!"
    assert fmt("مرحبا {name}", "ar", name="Sara") == f"مرحبا {FSI}Sara{PDI}"
    assert fmt("{n} کەس", "ckb", n=3) == f"{FSI}3{PDI} کەس"


def test_for_reader_changes_nothing_for_left_to_right_readers() -> None:
    assert for_reader("Send /start", "fi") == "Send /start"
    assert for_reader("Send /start", "fa").startswith(RLM)


def test_dates_in_the_readers_zone_and_language() -> None:
    from datetime import UTC, datetime

    from bot.i18n.text import format_when

    moment = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    assert format_when(moment, "Europe/Helsinki", "fi") == "2. joulukuuta 2026 17.00"
    assert format_when(moment, "Europe/Helsinki", "en") == "December 2, 2026, 5:00\u202fPM"
    assert format_when(moment, "Europe/Stockholm", "sv") == "2 december 2026 16:00"
