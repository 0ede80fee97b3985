"""The buddy programme's codes in the reader's words: languages, topics, children's ages, free
times, check-in answers and the matching's reasons. Shared by the participants' and the
coordinators' screens. Topic, age and time labels are the ones the flows ask with, so each is
translated once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from babel import Locale, UnknownLocaleError
from babel.lists import format_list

from bot.i18n.text import current_locale, fmt
from bot.services.buddies import AVAILABILITY_SLOTS

TOPICS = {
    "school": __("School matters"),
    "language_practice": __("Language practice"),
    "transport": __("Public transport and services"),
    "work": __("Work and job search"),
    "homework": __("Homework"),
}
AGE_BANDS = {
    "under7": __("Children under 7"),
    "7-12": __("Children 7 to 12"),
    "13-17": __("Young people 13 to 17"),
}
# The sign-up's coarse free times; the matching keeps day parts (mon_morning ...).
TIMES = {
    "weekday_morning": __("Weekday mornings"),
    "weekday_afternoon": __("Weekday afternoons"),
    "weekday_evening": __("Weekday evenings"),
    "weekend": __("Weekends"),
}
ANSWERS = {
    "met_ok": __("Met, all good"),
    "met_help": __("Met, need help"),
    "not_yet": __("Not yet"),
    "pause": __("Pause for now"),
    "good": __("Good"),
    "okay": __("Okay"),
    "concern": __("Not good"),
}
ANSWER_ICONS = {
    "met_ok": "✅",
    "met_help": "🆘",
    "not_yet": "⏳",
    "pause": "⏸",
    "good": "😊",
    "okay": "🙂",
    "concern": "😟",
}


def listed(items: Iterable[str]) -> str:
    """'a, b and c' in the reader's language."""
    values = [item for item in items if item]
    if not values:
        return "–"
    try:
        return format_list(values, locale=current_locale())
    except (UnknownLocaleError, ValueError):
        return ", ".join(values)


def language_name(code: str) -> str:
    """A language's name in the reader's language ('arabia' for a Finnish reader)."""
    try:
        name = Locale.parse(current_locale()).languages.get(code)
    except (UnknownLocaleError, ValueError):
        name = None
    return str(name) if name else code


def languages(codes: Iterable[str]) -> str:
    return listed(language_name(code) for code in codes)


def topics(codes: Iterable[str]) -> str:
    return listed(str(TOPICS[code]) for code in codes if code in TOPICS)


def ages(codes: Iterable[str]) -> str:
    return listed(str(AGE_BANDS[code]) for code in codes if code in AGE_BANDS)


def coarse_times(slots: Iterable[str]) -> list[str]:
    """Matching slots back to the sign-up's coarse times, in the sign-up's order."""
    wanted = set(slots)
    return [code for code, parts in AVAILABILITY_SLOTS.items() if wanted & set(parts)]


def times(slots: Iterable[str]) -> str:
    return listed(str(TIMES[code]) for code in coarse_times(slots))


def answer(code: str | None) -> str:
    if code is None:
        return _("no answer yet")
    return f"{ANSWER_ICONS.get(code, '')} {ANSWERS[code]}" if code in ANSWERS else code


def reason(item: Mapping[str, Any]) -> str:
    """One of the matching's reasons (bot/domain/buddies/matching.py REASON_CODES) in words."""
    code = item.get("code")
    if code == "language":
        return fmt(_("both speak {language}"), language=language_name(str(item.get("value"))))
    if code == "area":
        return fmt(_("same area ({area})"), area=str(item.get("value") or ""))
    if code == "topics":
        return fmt(_("the buddy helps with {topics}"), topics=topics(item.get("values") or ()))
    if code == "availability":
        return _("free at the same times")
    if code == "gender":
        if item.get("value") == "female":
            return _("a woman, as the family wished")
        return _("a man, as the family wished")
    if code == "load":
        return fmt(_("room for {count} more"), count=int(item.get("count") or 0))
    return str(code)


def reasons(items: Iterable[Mapping[str, Any]]) -> str:
    """'both speak Arabic, same area (Petonen) and the buddy helps with school matters'."""
    return listed(reason(item) for item in items)
