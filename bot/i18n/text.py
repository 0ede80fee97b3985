"""Filling translated messages: named placeholders, RTL-safe values, Babel formatting."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from babel import Locale
from babel.dates import format_date, format_time

from bot.domain.languages import is_rtl
from bot.i18n.bidi import isolate, orient_rtl


def current_locale() -> str:
    """The locale of the update being handled (set by the i18n middleware)."""
    i18n = I18n.get_current(no_error=True)
    return i18n.current_locale if i18n is not None else "en"


def fmt(message: str, locale: str | None = None, **values: object) -> str:
    """Fill `{name}` placeholders of an already translated message.

    In right-to-left languages each value is isolated, so names, numbers and links stay
    readable wherever the translator put them.
    """
    locale = locale or current_locale()
    if is_rtl(locale):
        return message.format(**{key: isolate(value) for key, value in values.items()})
    return message.format(**values)


def for_reader(text: str, locale: str | None = None) -> str:
    """The final touch before a text leaves: right-to-left layout where the reader needs it."""
    return orient_rtl(text) if is_rtl(locale or current_locale()) else text


def format_when(moment: datetime, timezone: str, locale: str | None = None) -> str:
    """A date and time as the reader writes it, in their zone: '23. marraskuuta 2026 klo 20.15'.

    The long date and the short time (no seconds, no offset), joined by the locale's own
    pattern for date and time.
    """
    code = locale or current_locale()
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    pattern = str(Locale.parse(code).datetime_formats.get("long", "{1} {0}"))
    return pattern.replace("{1}", format_date(local, format="long", locale=code)).replace(
        "{0}", format_time(local, format="short", tzinfo=zone, locale=code)
    )


def format_meeting(moment: datetime, timezone: str, locale: str | None = None) -> str:
    """When a meeting is, with the weekday: 'tiistai 1. joulukuuta 2026 17.00' (Babel's full
    date and short time, joined by the locale's pattern)."""
    code = locale or current_locale()
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    pattern = str(Locale.parse(code).datetime_formats.get("full", "{1} {0}"))
    return pattern.replace("{1}", format_date(local, format="full", locale=code)).replace(
        "{0}", format_time(local, format="short", tzinfo=zone, locale=code)
    )
