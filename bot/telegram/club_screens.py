"""What the clubs feature says: the list, a club's page, reminders and changed meetings, the
coordinator's wizard. Every text goes through gettext; club names and addresses are the
coordinator's own words and are shown as written."""

from __future__ import annotations

from datetime import datetime

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from babel.numbers import format_decimal

from bot.db.models import Club, User
from bot.domain.clubs.schedule import Meeting, compact_key
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.i18n.text import fmt, format_meeting
from bot.services.clubs import Attendance, ClubView, localized
from bot.telegram.callbacks import ClubAction, ClubAnswer, ClubOpen, MeetingPick, WizardChoice
from bot.telegram.screens import Screen

KIND_NAMES = {
    "family_club": __("Family club"),
    "homework_group": __("Homework group"),
    "language_cafe": __("Language café"),
    "sports": __("Sports"),
    "other": __("Other group"),
}


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def club_name(club: Club, user: User) -> str:
    return localized(club.name, user.language, club.source_language)


def when(moment: datetime, user: User) -> str:
    return format_meeting(moment, user.timezone, user.language)


def club_list(clubs: list[tuple[Club, bool]], user: User, can_create: bool = False) -> Screen:
    """The clubs, the user's own marked; a club speaking the user's language comes first."""
    extra = [[nearest_button()]] if any(c.latitude is not None for c, _ in clubs) else []
    extra += [[new_club_button()]] if can_create else []
    if not clubs:
        return Screen(
            _("There are no clubs in the bot yet. Please come back later."),
            InlineKeyboardMarkup(inline_keyboard=extra) if extra else None,
        )
    rows = [
        [_button(("✓ " if mine else "") + club_name(club, user), ClubOpen(club=club.id).pack())]
        for club, mine in clubs
    ] + extra
    return Screen(
        _("Family clubs and groups. Tap one to see when and where it meets."),
        InlineKeyboardMarkup(inline_keyboard=rows),
    )


def club_page(current: ClubView, user: User, meetings: list[Meeting], can_manage: bool) -> Screen:
    """A club: what, where, in which languages, for which ages, the next meetings, and the
    buttons that fit (join, waiting list, leave, calendar, reminders, who is coming)."""
    club = current.club
    languages = ", ".join(
        SUPPORTED_LANGUAGES[code].native_name
        for code in club.languages
        if code in SUPPORTED_LANGUAGES
    )
    lines = [f"🏠 {club_name(club, user)}", str(KIND_NAMES.get(club.kind, KIND_NAMES["other"]))]
    description = localized(club.description, user.language, club.source_language)
    if description:
        lines += ["", description]
    lines += [
        "",
        fmt(_("📍 Place: {address}"), address=club.address),
        fmt(_("🗣 Languages: {languages}"), languages=languages),
        fmt(_("👧 Ages: {low} to {high}"), low=club.age_min, high=club.age_max),
        "",
    ]
    if meetings:
        lines.append(_("Next meetings:"))
        for meeting in meetings:
            moved = " " + _("(moved)") if meeting.status == "moved" else ""
            lines.append("• " + when(meeting.starts_at, user) + moved)
    else:
        lines.append(_("No meetings planned at the moment."))
    lines.append("")
    mine = current.mine
    if mine is not None and mine.status == "member":
        lines.append(_("You are a member."))
    elif mine is not None:
        lines.append(_("You are on the waiting list. I will tell you when a place is free."))
    elif current.full:
        lines.append(fmt(_("The club is full. Waiting list: {count}."), count=current.waiting))
    else:
        lines.append(fmt(_("Places free: {count}."), count=club.capacity - current.members))
    rows: list[list[InlineKeyboardButton]] = []

    def act(name: str) -> str:
        return ClubAction(club=club.id, act=name).pack()

    if mine is None:
        label = _("Join the waiting list") if current.full else _("Join")
        rows.append([_button("➕ " + label, act("join"))])
    if mine is not None and mine.status == "member":
        rows.append([_button("📅 " + _("Add to my calendar"), act("cal"))])
        if mine.reminders:
            rows.append([_button("🔕 " + _("Turn reminders off"), act("off"))])
        else:
            rows.append([_button("🔔 " + _("Turn reminders on"), act("on"))])
    if club.latitude is not None and club.longitude is not None:
        rows.append([_button("🗺 " + _("Show on the map"), act("map"))])
    if can_manage:
        rows.append(
            [
                _button("👥 " + _("Who is coming"), act("who")),
                _button("✏ " + _("Edit"), act("edit")),
            ]
        )
        rows.append(
            [
                _button("✖ " + _("Cancel a meeting"), act("cancel")),
                _button("↔ " + _("Move a meeting"), act("move")),
            ]
        )
    if mine is not None:
        label = _("Leave the waiting list") if mine.status == "waiting" else _("Leave the club")
        rows.append([_button("➖ " + label, act("leave"))])
    rows.append([_button("← " + _("All clubs"), ClubOpen(club=0).pack())])
    return Screen("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


def joined(status: str, club: Club, user: User) -> str:
    name = club_name(club, user)
    if status == "member":
        return fmt(_("Welcome to {club}! I will remind you before each meeting."), club=name)
    if status == "waiting":
        return fmt(
            _("{club} is full. You are on the waiting list: I will tell you when a place is free."),
            club=name,
        )
    return fmt(_("You are already in {club}."), club=name)


def left(club: Club, user: User) -> str:
    return fmt(_("You have left {club}."), club=club_name(club, user))


def reminders_set(on: bool) -> str:
    return (
        _("Reminders are on.") if on else _("Reminders are off. You can turn them on again here.")
    )


def reminder(club: Club, user: User, meeting: Meeting) -> Screen:
    """The reminder before a meeting, with 'I'm coming' / 'I can't come'."""
    text = "\n".join(
        [
            fmt(
                _("🔔 Reminder: {club} meets {when}."),
                club=club_name(club, user),
                when=when(meeting.starts_at, user),
            ),
            fmt(_("📍 Place: {address}"), address=club.address),
            "",
            _("Are you coming?"),
        ]
    )
    key = compact_key(meeting.key)
    return Screen(
        text,
        InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    _button(
                        "✅ " + _("I'm coming"), ClubAnswer(club=club.id, key=key, yes=True).pack()
                    ),
                    _button(
                        "❌ " + _("I can't come"),
                        ClubAnswer(club=club.id, key=key, yes=False).pack(),
                    ),
                ]
            ]
        ),
    )


def answer_mark(coming: bool) -> str:
    """Kept under a reminder once answered (the buttons stay, to change one's mind)."""
    return "✓ " + (_("I'm coming") if coming else _("I can't come"))


def calendar_caption() -> str:
    return _("Open this file to add the meetings to your phone's calendar.")


def answer_noted(coming: bool) -> str:
    return _("Thank you! See you there.") if coming else _("Thank you for telling us.")


def meeting_cancelled(club: Club, user: User, was: datetime, note: str | None) -> str:
    text = fmt(
        _("❗ {club}: the meeting on {when} is cancelled."),
        club=club_name(club, user),
        when=when(was, user),
    )
    return text + ("\n" + note if note else "")


def meeting_moved(club: Club, user: User, was: datetime, now: datetime, note: str | None) -> str:
    text = fmt(
        _("❗ {club}: the meeting on {was} is moved to {when}."),
        club=club_name(club, user),
        was=when(was, user),
        when=when(now, user),
    )
    return text + ("\n" + note if note else "")


def meeting_added(club: Club, user: User, when_: datetime, note: str | None) -> str:
    text = fmt(
        _("📅 {club}: an extra meeting on {when}."),
        club=club_name(club, user),
        when=when(when_, user),
    )
    return text + ("\n" + note if note else "")


def place_free(club: Club, user: User, next_meeting: Meeting | None) -> str:
    text = fmt(
        _("🎉 A place in {club} is free for you: you are now a member."),
        club=club_name(club, user),
    )
    if next_meeting is not None:
        text += "\n" + fmt(_("Next meeting: {when}"), when=when(next_meeting.starts_at, user))
    return text


def who_is_coming(club: Club, user: User, meeting: Meeting | None, people: Attendance) -> str:
    if meeting is None:
        return _("No meetings planned at the moment.")
    lines = [
        fmt(_("{club}, {when}"), club=club_name(club, user), when=when(meeting.starts_at, user)),
        fmt(
            _("✅ Coming ({count}): {names}"),
            count=len(people.coming),
            names=", ".join(people.coming) or "–",
        ),
        fmt(
            _("❌ Not coming ({count}): {names}"),
            count=len(people.not_coming),
            names=", ".join(people.not_coming) or "–",
        ),
        fmt(_("No answer yet: {count}"), count=people.no_answer),
    ]
    return "\n".join(lines)


def pick_meeting(club: Club, user: User, meetings: list[Meeting], act: str) -> Screen:
    """The next meetings as buttons, to cancel (act 'c') or move ('m') one."""
    question = (
        _("Which meeting do you want to cancel?")
        if act == "c"
        else _("Which meeting do you want to move?")
    )
    if not meetings:
        return Screen(_("No meetings planned at the moment."))
    rows = [
        [
            _button(
                when(m.starts_at, user),
                MeetingPick(club=club.id, key=compact_key(m.key), act=act).pack(),
            )
        ]
        for m in meetings
    ]
    rows.append([_button("← " + _("Back"), ClubOpen(club=club.id).pack())])
    return Screen(question, InlineKeyboardMarkup(inline_keyboard=rows))


def confirm_cancel(club: Club, user: User, meeting: Meeting, members: int) -> Screen:
    text = fmt(
        _("Cancel the meeting on {when}? All {count} members will be told at once."),
        when=when(meeting.starts_at, user),
        count=members,
    )
    key = compact_key(meeting.key)
    return Screen(
        text,
        InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    _button(
                        "✖ " + _("Yes, cancel it"),
                        MeetingPick(club=club.id, key=key, act="y").pack(),
                    ),
                    _button("← " + _("No"), ClubOpen(club=club.id).pack()),
                ]
            ]
        ),
    )


def ask_new_time(club: Club, user: User, meeting: Meeting) -> str:
    return fmt(
        _("Write the new day and time for the meeting on {when}, like this: 2026-12-03 17:30"),
        when=when(meeting.starts_at, user),
    )


def meeting_changed(cancelled: bool, members: int) -> str:
    if cancelled:
        return fmt(
            _("Done. The meeting is cancelled; {count} members are being told."), count=members
        )
    return fmt(_("Done. The meeting is moved; {count} members are being told."), count=members)


def bad_new_time() -> str:
    return _("I could not read that. Write the day and time like this: 2026-12-03 17:30")


# ---- the coordinator's wizard ----------------------------------------------------------------
AGE_BANDS = ("0-6", "7-12", "13-17", "0-17")
LENGTHS = (60, 90, 120)


def _choice(text: str, field: str, value: str = "") -> InlineKeyboardButton:
    return _button(text, WizardChoice(field=field, value=value).pack())


def _stop_row() -> list[InlineKeyboardButton]:
    return [_choice("✖ " + _("Stop"), "stop")]


def wizard_name() -> Screen:
    return Screen(
        _("New club, step 1 of 10. Write the club's name."),
        InlineKeyboardMarkup(inline_keyboard=[_stop_row()]),
    )


def wizard_kind() -> Screen:
    rows = [[_choice(str(label), "kind", kind)] for kind, label in KIND_NAMES.items()]
    return Screen(
        _("Step 2 of 10. What kind of club is it?"),
        InlineKeyboardMarkup(inline_keyboard=[*rows, _stop_row()]),
    )


def wizard_address() -> Screen:
    return Screen(
        _("Step 3 of 10. Write the address where the club meets."),
        InlineKeyboardMarkup(inline_keyboard=[_stop_row()]),
    )


def wizard_languages(chosen: list[str]) -> Screen:
    buttons = [
        _choice(("☑ " if code in chosen else "☐ ") + language.native_name, "lang", code)
        for code, language in SUPPORTED_LANGUAGES.items()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_choice("✓ " + _("Done"), "langs_done")])
    return Screen(
        _("Step 4 of 10. Which languages are spoken at the club? Tap all that apply."),
        InlineKeyboardMarkup(inline_keyboard=[*rows, _stop_row()]),
    )


def wizard_ages() -> Screen:
    rows = [[_choice(band.replace("-", "–"), "ages", band) for band in AGE_BANDS]]
    return Screen(
        _("Step 5 of 10. For children of which ages?"),
        InlineKeyboardMarkup(inline_keyboard=[*rows, _stop_row()]),
    )


def wizard_capacity() -> Screen:
    return Screen(
        _("Step 6 of 10. How many families can join at most? Write a number."),
        InlineKeyboardMarkup(inline_keyboard=[_stop_row()]),
    )


def wizard_weekday(day_names: list[str]) -> Screen:
    buttons = [_choice(name, "day", str(index)) for index, name in enumerate(day_names)]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    return Screen(
        _("Step 7 of 10. On which day of the week does it meet?"),
        InlineKeyboardMarkup(inline_keyboard=[*rows, _stop_row()]),
    )


def wizard_time() -> Screen:
    return Screen(
        _("Step 8 of 10. At what time does it start? Write it like this: 17:00"),
        InlineKeyboardMarkup(inline_keyboard=[_stop_row()]),
    )


def wizard_length() -> Screen:
    lengths = [
        _choice(fmt(_("{minutes} min"), minutes=minutes), "len", str(minutes))
        for minutes in LENGTHS
    ]
    return Screen(
        _("Step 9 of 10. How long is a meeting?"),
        InlineKeyboardMarkup(inline_keyboard=[lengths, _stop_row()]),
    )


def wizard_frequency() -> Screen:
    rows = [
        [_choice(_("Every week"), "every", "1")],
        [_choice(_("Every other week"), "every", "2")],
    ]
    return Screen(
        _("How often does it meet?"), InlineKeyboardMarkup(inline_keyboard=[*rows, _stop_row()])
    )


def wizard_first(dates: list[tuple[str, str]]) -> Screen:
    rows = [[_choice(label, "first", value)] for value, label in dates]
    return Screen(
        _("Step 10 of 10. When is the first meeting?"),
        InlineKeyboardMarkup(inline_keyboard=[*rows, _stop_row()]),
    )


def wizard_summary(lines: list[str]) -> Screen:
    text = "\n".join([_("Please check:"), "", *lines, "", _("Create the club?")])
    rows = [[_choice("✓ " + _("Create the club"), "make")], _stop_row()]
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


def wizard_stopped() -> str:
    return _("Stopped. No club was created.")


def wizard_created(name: str) -> str:
    return fmt(
        _("The club {club} is created. Parents can find it under Clubs and groups."), club=name
    )


def wizard_not_a_number() -> str:
    return _("Please write a number from 1 to 1000.")


def wizard_not_a_time() -> str:
    return _("Please write the time like this: 17:00")


def wizard_too_long() -> str:
    return _("That is too long. Please write at most 200 characters.")


def new_club_button() -> InlineKeyboardButton:
    return _choice("➕ " + _("New club"), "new")


def every_text(weeks: int) -> str:
    return _("Every week") if weeks == 1 else _("Every other week")


EDITABLE = ("name", "address", "capacity")


def edit_menu(club: Club, user: User) -> Screen:
    labels = {"name": _("Name"), "address": _("Address"), "capacity": _("Size")}
    rows = [
        [_button("✏ " + labels[field], ClubAction(club=club.id, act=f"edit_{field}").pack())]
        for field in EDITABLE
    ]
    rows.append(
        [_button("🔒 " + _("Close the club"), ClubAction(club=club.id, act="close").pack())]
    )
    rows.append([_button("← " + _("Back"), ClubOpen(club=club.id).pack())])
    return Screen(
        fmt(_("What do you want to change in {club}?"), club=club_name(club, user)),
        InlineKeyboardMarkup(inline_keyboard=rows),
    )


def ask_new_value(field: str) -> str:
    if field == "name":
        return _("Write the new name.")
    if field == "address":
        return _("Write the new address.")
    return _("Write the new size: how many families can join at most.")


def saved() -> str:
    return _("Saved.")


def confirm_close(club: Club, user: User) -> Screen:
    return Screen(
        fmt(
            _("Close {club}? It leaves the list, and members get no more reminders."),
            club=club_name(club, user),
        ),
        InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    _button(
                        "🔒 " + _("Yes, close it"), ClubAction(club=club.id, act="close_yes").pack()
                    ),
                    _button("← " + _("No"), ClubOpen(club=club.id).pack()),
                ]
            ]
        ),
    )


def closed(club: Club, user: User) -> str:
    return fmt(_("{club} is closed."), club=club_name(club, user))


def nearest_button() -> InlineKeyboardButton:
    return _button("📍 " + _("Nearest first"), ClubAction(club=0, act="near").pack())


def ask_location() -> Screen:
    """A one-time keyboard with Telegram's own 'share location' button."""
    keyboard = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="📍 " + _("Send my location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    return Screen(
        _(
            "Send your location and I will show the nearest clubs first. "
            "I use it only for this and do not keep it."
        ),
        keyboard,
    )


def nearest_list(clubs: list[tuple[Club, float | None, bool]], user: User) -> Screen:
    """Clubs by distance from where the user is (those without a map point last)."""
    rows = []
    for club, km, mine in clubs:
        name = ("✓ " if mine else "") + club_name(club, user)
        if km is not None:
            distance = format_decimal(round(km, 1), locale=user.language)
            name = fmt(_("{club} · {km} km"), club=name, km=distance)
        rows.append([_button(name, ClubOpen(club=club.id).pack())])
    return Screen(_("Clubs nearest to you first:"), InlineKeyboardMarkup(inline_keyboard=rows))
