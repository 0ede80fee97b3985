"""What announcements say: the coordinator's wizard (audience, texts, summary, preview), the
live progress and final report, and the announcement as each reader sees it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel import Locale
from babel.dates import format_timedelta

from bot.db.models import Broadcast, Club
from bot.domain.audiences import (
    PROGRAMME_MATCHED,
    PROGRAMME_WAITING,
    Audience,
    estimated_seconds,
    version_for,
)
from bot.domain.languages import LANGUAGES, SUPPORTED_LANGUAGES
from bot.domain.roles import Role
from bot.i18n.text import current_locale, fmt
from bot.services.broadcasts import MAX_TEXT, Progress, Reach
from bot.telegram.callbacks import BroadcastAction, MuteChoice
from bot.telegram.screens import Screen

KINDS = ("roles", "languages", "clubs", "areas", "programme")


def _button(text: str, broadcast: int, act: str, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=BroadcastAction(id=broadcast, act=act, value=value).pack()
    )


def language_name(code: str, locale: str | None = None) -> str:
    """A language's name in the reader's language (Babel), else its own name."""
    try:
        name = Locale.parse(locale or current_locale()).languages.get(code)
    except (ValueError, LookupError):
        name = None
    known = SUPPORTED_LANGUAGES.get(code)
    return str(name) if name else (known.native_name if known else code)


def role_names() -> dict[str, str]:
    return {
        Role.PARENT.value: _("parents"),
        Role.BUDDY.value: _("buddies"),
        Role.COORDINATOR.value: _("coordinators"),
    }


def programme_names() -> dict[str, str]:
    """The buddy programme's segments in words."""
    return {
        PROGRAMME_WAITING: _("Families waiting for a buddy"),
        PROGRAMME_MATCHED: _("In a buddy match"),
    }


def club_name_of(names: Mapping[str, str], source_language: str, locale: str | None = None) -> str:
    """A club's name in the reader's language if it has one, else as it was written."""
    return str(names.get(locale or current_locale()) or names.get(source_language) or "?")


def club_name(club: Club, locale: str | None = None) -> str:
    return club_name_of(club.name or {}, club.source_language, locale)


def describe(audience: Audience, clubs: Mapping[int, str]) -> str:
    """The audience in words: 'everyone', or e.g. 'parents · Arabic, Somali · Petonen ·
    Families waiting for a buddy'."""
    if audience.everyone:
        return _("everyone")
    roles = role_names()
    programme = programme_names()
    parts = [
        ", ".join(roles.get(role, role) for role in sorted(audience.roles)),
        ", ".join(language_name(code) for code in sorted(audience.languages)),
        ", ".join(clubs.get(club, f"#{club}") for club in sorted(audience.clubs)),
        ", ".join(sorted(audience.areas)),
        ", ".join(programme.get(value, value) for value in sorted(audience.programme)),
    ]
    return " · ".join(part for part in parts if part)


def _reach_lines(reach: Reach) -> list[str]:
    lines = [
        fmt(
            ngettext("It reaches {count} person.", "It reaches {count} people.", reach.total),
            count=reach.total,
        )
    ]
    if reach.by_language:
        lines.append(
            ", ".join(f"{language_name(code)} {count}" for code, count in reach.by_language.items())
        )
    if reach.muted:
        lines.append(
            fmt(
                ngettext(
                    "{count} person turned announcements off and is left out.",
                    "{count} people turned announcements off and are left out.",
                    reach.muted,
                ),
                count=reach.muted,
            )
        )
    return lines


def audience_screen(draft: Broadcast, reach: Reach, clubs: Mapping[int, str]) -> Screen:
    audience = Audience.from_json(draft.audience)
    text = "\n".join(
        [
            "📢 " + _("New announcement. Who should get it?"),
            "",
            fmt(_("Audience: {audience}"), audience=describe(audience, clubs)),
            *_reach_lines(reach),
            "",
            _("Choose from the groups below; choices in different groups must all match."),
        ]
    )
    rows = [
        [_button("👪 " + _("Roles"), draft.id, "k", "roles")],
        [_button("🌐 " + _("Languages"), draft.id, "k", "languages")],
        [_button("🏠 " + _("Clubs"), draft.id, "k", "clubs")],
        [_button("📍 " + _("Areas"), draft.id, "k", "areas")],
        [_button("🤝 " + _("Buddy programme"), draft.id, "k", "programme")],
    ]
    if not audience.everyone:
        rows.append([_button("♻️ " + _("Everyone again"), draft.id, "e")])
    if reach.total:
        rows.append([_button("✍️ " + _("Write the message"), draft.id, "w")])
    rows.append([_button("✖ " + _("Cancel"), draft.id, "q")])
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


def choices_screen(
    draft: Broadcast, kind: str, options: Sequence[tuple[str, str]], reach: Reach
) -> Screen:
    """Toggle buttons for one kind of segment; `options` are (value, label) pairs."""
    chosen = {str(value) for value in Audience.from_json(draft.audience).to_json()[kind]}
    heading = {
        "roles": _("Which roles?"),
        "languages": _("Readers of which languages?"),
        "clubs": _("Members of which clubs?"),
        "areas": _("Members of clubs in which areas?"),
        "programme": _("Who in the buddy programme?"),
    }[kind]
    text = "\n".join(
        [
            heading,
            _("Tap to choose or unchoose. Nothing chosen: no limit."),
            "",
            *_reach_lines(reach),
        ]
    )
    if not options:
        text += "\n\n" + _("There is nothing to choose here yet.")
    buttons = [
        _button(("✅ " if value in chosen else "▫️ ") + label, draft.id, "t", f"{kind[0]}.{value}")
        for value, label in options
    ]
    per_row = 1 if kind == "programme" else 2  # long labels get a row each
    rows = [buttons[index : index + per_row] for index in range(0, len(buttons), per_row)]
    rows.append([_button("⬅ " + _("Back"), draft.id, "a")])
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


def role_options() -> list[tuple[str, str]]:
    return list(role_names().items())


def programme_options() -> list[tuple[str, str]]:
    return list(programme_names().items())


def language_options() -> list[tuple[str, str]]:
    return [(language.code, language.native_name) for language in LANGUAGES]


def ask_text(draft: Broadcast) -> Screen:
    return Screen(
        "✍️ "
        + fmt(_("Write the announcement in one message (at most {max} characters)."), max=MAX_TEXT),
        InlineKeyboardMarkup(inline_keyboard=[[_button("⬅ " + _("Back"), draft.id, "a")]]),
    )


def too_long(length: int) -> str:
    return fmt(
        _("That is {length} characters; at most {max} fit. Please make it shorter."),
        length=length,
        max=MAX_TEXT,
    )


def text_only() -> str:
    return _("Please write the announcement as text.")


def ask_source_language(draft: Broadcast) -> Screen:
    guess = draft.source_language or "en"
    text = fmt(
        _("Which language is this text in? I guessed {language}."), language=language_name(guess)
    )
    buttons = [
        _button(
            ("✅ " if lang.code == guess else "") + lang.native_name, draft.id, "src", lang.code
        )
        for lang in LANGUAGES
    ]
    rows = [buttons[index : index + 2] for index in range(0, len(buttons), 2)]
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


def ask_version(draft: Broadcast, language: str, readers: int) -> Screen:
    instead = version_for(language, draft.texts, draft.source_language or "en")
    text = "\n".join(
        [
            fmt(
                ngettext("{language}: {count} reader.", "{language}: {count} readers.", readers),
                language=language_name(language),
                count=readers,
            ),
            fmt(
                _("Send the text in {language}, or skip: they will get the text in {instead}."),
                language=language_name(language),
                instead=language_name(instead),
            ),
        ]
    )
    rows = [
        [_button("⏭ " + _("Skip"), draft.id, "sk", language)],
        [_button("⏩ " + _("Skip the other languages"), draft.id, "sa")],
    ]
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


def _duration(seconds: int) -> str:
    return str(format_timedelta(seconds, threshold=1.1, locale=current_locale()))


def summary(draft: Broadcast, reach: Reach, clubs: Mapping[int, str], per_second: float) -> Screen:
    audience = Audience.from_json(draft.audience)
    source = draft.source_language or "en"
    lines = [
        "📢 " + _("Ready to send."),
        "",
        fmt(_("Audience: {audience}"), audience=describe(audience, clubs)),
        *_reach_lines(reach)[:1],
    ]
    for code, count in reach.by_language.items():
        got = version_for(code, draft.texts, source)
        if got == code:
            lines.append(
                fmt(
                    _("• {language} {count}: their own text"),
                    language=language_name(code),
                    count=count,
                )
            )
        else:
            lines.append(
                fmt(
                    _("• {language} {count}: the text in {instead}"),
                    language=language_name(code),
                    count=count,
                    instead=language_name(got),
                )
            )
    if reach.muted:
        lines.append(_reach_lines(reach)[-1])
    lines.append("")
    lines.append(
        fmt(
            _("Delivery takes about {duration} at {rate} messages a second."),
            duration=_duration(estimated_seconds(reach.total, per_second)),
            rate=f"{per_second:g}",
        )
    )
    if draft.urgent:
        lines.append("🔴 " + _("Urgent: sent at once, also in quiet hours, and marked as urgent."))
    elif reach.quiet_now:
        lines.append(
            fmt(
                ngettext(
                    "{count} reader is in their quiet hours now and gets it in their morning.",
                    "{count} readers are in their quiet hours now and get it in their morning.",
                    reach.quiet_now,
                ),
                count=reach.quiet_now,
            )
        )
    urgent = "⚪️ " + _("Not urgent") if draft.urgent else "🔴 " + _("Mark as urgent")
    rows = [
        [_button("👁 " + _("Preview"), draft.id, "p"), _button(urgent, draft.id, "u")],
        [
            _button("👪 " + _("Audience"), draft.id, "a"),
            _button("✍️ " + _("Write again"), draft.id, "w"),
        ],
        [
            _button(
                "✅ "
                + fmt(
                    ngettext("Send to {count} person", "Send to {count} people", reach.total),
                    count=reach.total,
                ),
                draft.id,
                "go",
            )
        ],
        [_button("✖ " + _("Cancel"), draft.id, "q")],
    ]
    return Screen("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


def preview(draft: Broadcast, language: str, reach: Reach, seen: str) -> Screen:
    """One language's preview: a heading, then the message exactly as its readers see it."""
    readers = reach.by_language.get(language, 0)
    heading = "👁 " + fmt(
        ngettext(
            "Preview for {language} ({count} reader):",
            "Preview for {language} ({count} readers):",
            readers,
        ),
        language=language_name(language),
        count=readers,
    )
    others = [
        _button(
            SUPPORTED_LANGUAGES[code].native_name if code in SUPPORTED_LANGUAGES else code,
            draft.id,
            "p",
            code,
        )
        for code in reach.by_language
        if code != language
    ]
    rows = [others[index : index + 3] for index in range(0, len(others), 3)]
    rows.append([_button("⬅ " + _("Back"), draft.id, "s")])
    return Screen(heading + "\n\n" + seen, InlineKeyboardMarkup(inline_keyboard=rows))


def announcement(text: str, urgent: bool) -> str:
    """The announcement as a reader sees it (in the reader's locale)."""
    heading = (
        "🔴 " + _("Urgent announcement from the programme")
        if urgent
        else "📢 " + _("Announcement from the programme")
    )
    return "\n\n".join([heading, text, _("/stop: no more announcements")])


def nobody() -> str:
    return _("Nobody is in this audience. Please change the choice.")


def discarded() -> str:
    return _("The announcement was not sent.")


def already_sent() -> str:
    return _("This announcement is already on its way.")


def progress(broadcast: Broadcast, state: Progress, per_second: float) -> Screen:
    """The live progress message, edited in place while the announcement goes out."""
    lines = [
        "📢 "
        + fmt(
            _("Sending the announcement: {done} of {total}"),
            done=state.settled,
            total=broadcast.total,
        ),
        "",
        *_status_lines(state),
    ]
    left = state.open - state.waiting_for_morning
    if left > 0:
        lines.append(
            fmt(
                _("About {duration} left."),
                duration=_duration(estimated_seconds(left, per_second)),
            )
        )
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[_button("⏹ " + _("Stop sending"), broadcast.id, "x")]]
    )
    return Screen("\n".join(lines), keyboard)


def _status_lines(state: Progress) -> list[str]:
    lines = [fmt(_("✅ Delivered: {count}"), count=state.delivered)]
    if state.count("blocked"):
        lines.append(fmt(_("🚫 Blocked the bot: {count}"), count=state.count("blocked")))
    if state.count("failed"):
        lines.append(fmt(_("⚠️ Could not be delivered: {count}"), count=state.count("failed")))
        lines.extend(
            f"   • {reason}: {count}"
            for reason, count in sorted(state.failures.items(), key=lambda item: -item[1])[:5]
        )
    if state.count("interrupted"):
        lines.append(
            fmt(
                _("❔ In doubt (the bot stopped while sending): {count}"),
                count=state.count("interrupted"),
            )
        )
    if state.count("skipped"):
        lines.append(
            fmt(_("⏭ Not sent (stopped or turned off): {count}"), count=state.count("skipped"))
        )
    if state.waiting_for_morning:
        lines.append(
            fmt(
                _("🌙 Waiting for the end of their quiet hours: {count}"),
                count=state.waiting_for_morning,
            )
        )
    return lines


def report(broadcast: Broadcast, state: Progress) -> Screen:
    """The final report, in place of the progress message."""
    heading = (
        "⏹ " + _("The announcement was stopped.")
        if broadcast.status == "cancelled"
        else "📢 " + _("The announcement has gone out.")
    )
    lines = [
        heading,
        fmt(
            _("Delivered to {count} of {total} people."),
            count=state.delivered,
            total=broadcast.total,
        ),
        "",
        *_status_lines(state),
    ]
    return Screen("\n".join(lines))


def finished_note(broadcast: Broadcast, delivered: int) -> str:
    """A new message when delivery ends (an edit alone would not notify the coordinator)."""
    return "✅ " + fmt(
        _("Announcement #{number} has finished: delivered to {count} of {total}."),
        number=broadcast.id,
        count=delivered,
        total=broadcast.total,
    )


def confirm_stop(broadcast: Broadcast, left: int) -> Screen:
    text = fmt(
        ngettext(
            "Stop the announcement? {count} person has not got it yet.",
            "Stop the announcement? {count} people have not got it yet.",
            left,
        ),
        count=left,
    )
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button("⏹ " + _("Yes, stop"), broadcast.id, "xy"),
                _button("▶️ " + _("Go on"), broadcast.id, "xn"),
            ]
        ]
    )
    return Screen(text, keyboard)


def stopped(dropped: int) -> str:
    return fmt(
        ngettext(
            "Stopped: {count} person will not get it.",
            "Stopped: {count} people will not get it.",
            dropped,
        ),
        count=dropped,
    )


def going_on() -> str:
    return _("Sending goes on.")


def muted() -> Screen:
    return Screen(
        "🔕 "
        + _("You will get no more announcements.")
        + " "
        + _("Reminders of your clubs and answers to you still come.")
        + "\n"
        + _("To get announcements again: menu → 🔔 Announcements.")
    )


def announcements_setting(muted_now: bool) -> Screen:
    if muted_now:
        text = "🔕 " + _("Announcements are off.")
        button = InlineKeyboardButton(
            text="🔔 " + _("Turn announcements on"), callback_data=MuteChoice(mute=False).pack()
        )
    else:
        text = "🔔 " + _(
            "Announcements are on: news from the programme, e.g. a new club or a change for everyone."
        )
        button = InlineKeyboardButton(
            text="🔕 " + _("Turn announcements off"), callback_data=MuteChoice(mute=True).pack()
        )
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=[[button]]))


def unmuted() -> str:
    return "🔔 " + _("Announcements are on again.")
