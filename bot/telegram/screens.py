"""What the bot shows at each point, as text and buttons, in the current locale.

Handlers decide *when* to show a screen; this module decides *what* it says, so the same
screen reads the same from a command, a menu button or a stale button.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.db.models import User
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.domain.roles import Role
from bot.i18n.text import fmt, format_when
from bot.services.users import UserData, onboarding_state
from bot.telegram.keyboards import consent_keyboard, language_keyboard, role_keyboard
from bot.telegram.menu import menu_keyboard


@dataclass(frozen=True)
class Screen:
    """A message to send: text and an optional keyboard (inline buttons; rarely Telegram's
    own reply keyboard, e.g. for sharing a location)."""

    text: str
    keyboard: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None


def greeting(name: str, guessed_language: str) -> Screen:
    """The first message: who Silta is, and the language question."""
    text = (
        fmt(_("Hello, {name}! I am Silta."), name=name)
        + " "
        + _(
            "I help families who are new in Finland to find their way into school and the community."
        )
        + "\n\n"
        + _("Which language should I use? Tap your language.")
    )
    return Screen(text, language_keyboard(guessed_language))


def language_question(current: str) -> Screen:
    return Screen(_("Which language should I use? Tap your language."), language_keyboard(current))


def language_set(code: str) -> str:
    return fmt(_("Language: {language}"), language=SUPPORTED_LANGUAGES[code].native_name)


def consent_note() -> Screen:
    text = "\n".join(
        [
            _("Before we start, this is what I keep about you:"),
            "• " + _("your Telegram chat number and your language, so that I can answer you;"),
            "• "
            + _(
                "your role (parent or volunteer) and your later answers, so that I can help you step by step."
            ),
            "",
            _(
                "I never ask for the names of your children. Only the coordinators of the programme can see your answers, to help you."
            ),
            "",
            _("/mydata shows everything I keep. /delete erases it at any time."),
            "",
            _("Do you agree?"),
        ]
    )
    return Screen(text, consent_keyboard())


def consent_declined() -> Screen:
    return Screen(
        _(
            "All right. I keep only your chat number and your language. Send /start when you want to continue, or /delete to erase even these."
        )
    )


def role_question() -> Screen:
    return Screen(_("Who are you?"), role_keyboard())


def role_name(role: Role | None) -> str:
    if role is Role.PARENT:
        return _("parent or family member")
    if role is Role.BUDDY:
        return _("volunteer buddy")
    if role is Role.COORDINATOR:
        return _("coordinator")
    return _("not chosen yet")


def role_confirmed(role: Role) -> str:
    return fmt(_("Thank you! Your role: {role}."), role=role_name(role))


def main_menu(role: Role | None) -> Screen:
    return Screen(_("Main menu. What would you like to do?"), menu_keyboard(role))


def next_onboarding_step(user: User, role: Role | None, coordinator_ids: frozenset[int]) -> Screen:
    """The first missing step of onboarding, or the main menu when nothing is missing."""
    state = onboarding_state(user, coordinator_ids)
    if state.needs_language:
        return language_question(user.language)
    if state.needs_consent:
        return consent_note()
    if state.needs_role:
        return role_question()
    return main_menu(role)


def help_text(role: Role | None) -> str:
    lines = [
        _("I am Silta. I help families who are new in Finland, in their own language."),
        "",
        _("Tap the buttons under my messages. You can also send these commands:"),
        *(
            fmt("{command} – {meaning}", command=command, meaning=meaning)
            for command, meaning in (
                ("/menu", _("Main menu")),
                ("/language", _("Change the language")),
                ("/mydata", _("What I keep about you")),
                ("/delete", _("Delete your data")),
                ("/help", _("Help")),
            )
        ),
    ]
    if role is not None:
        guides = fmt(
            _(
                "In the main menu, {guides} takes you step by step, for example through starting "
                "school. You can stop at any time and go on later."
            ),
            guides="🧭 " + _("Guides"),
        )
        lines += ["", guides]
    if role is Role.COORDINATOR:
        lines += ["", _("As a coordinator you see the people in the programme from the main menu.")]
    if role is None:
        lines += ["", _("Send /start to begin.")]
    return "\n".join(lines)


def my_data(data: UserData, guide_titles: list[str]) -> str:
    consent = format_when(data.consent_at, data.timezone) if data.consent_at else _("not given")
    lines = [
        _("This is everything I keep about you:"),
        "",
        fmt(_("Telegram chat number: {number}"), number=data.telegram_id),
        fmt(_("Language: {language}"), language=SUPPORTED_LANGUAGES[data.language].native_name),
        fmt(_("Role: {role}"), role=role_name(data.role)),
        fmt(_("Consent given: {when}"), when=consent),
        fmt(_("Time zone: {zone}"), zone=data.timezone),
        fmt(_("First message: {when}"), when=format_when(data.created_at, data.timezone)),
        fmt(_("Guides: {guides}"), guides=", ".join(guide_titles) if guide_titles else _("none")),
        fmt(_("Requests for a person: {count}"), count=data.handoff_requests),
        fmt(_("Reminders waiting: {count}"), count=data.follow_ups_waiting),
    ]
    for club, status, name in data.clubs:
        lines.append(
            fmt(_("Club: {club} (member, as {name})"), club=club, name=name or "–")
            if status == "member"
            else fmt(_("Club: {club} (waiting list, as {name})"), club=club, name=name or "–")
        )
    if data.club_answers:
        lines.append(fmt(_("Answers to club meetings: {count}"), count=data.club_answers))
    if data.announcements_off:
        lines.append(_("Announcements are off."))
    if data.buddy_profile:
        lines.append(
            _(
                "Your sign-up as a volunteer buddy: languages, area, ages, topics, "
                "times and how many families."
            )
        )
    if data.buddy_requests:
        lines.append(
            _("Your request for a buddy: languages, area, children's ages, needs and times.")
        )
    if data.buddy_matches:
        lines.append(
            fmt(
                _("Buddy matches, with the check-in answers and notes: {count}"),
                count=data.buddy_matches,
            )
        )
    if data.surveys:
        lines.append(fmt(_("Closing surveys answered: {count}"), count=data.surveys))
    lines += [
        "",
        _("/delete erases it."),
    ]
    return "\n".join(lines)


def nothing_stored() -> str:
    return _("I keep nothing about you.")


def delete_question() -> str:
    return _("Do you want me to delete everything I keep about you? This cannot be undone.")


def deleted() -> str:
    return _(
        "Done. I have deleted everything I kept about you. Send /start if you want to begin again."
    )


def not_deleted() -> str:
    return _("Nothing was deleted.")


def not_understood_text() -> str:
    return _("Sorry, I did not understand that. Please use the buttons, or send /menu.")


def not_understood_media() -> str:
    return _(
        "Sorry, I cannot read stickers, photos, voice messages or files. Please use the buttons, or send /menu."
    )


def unknown_command() -> str:
    return _("I don't know that command. Send /menu for the main menu or /help for help.")


def stale_button() -> str:
    return _("This button no longer works. Here is where you are now.")


def not_for_you() -> str:
    return _("Sorry, this is not available to you.")


def send_start() -> str:
    return _("Send /start to begin.")


def something_went_wrong() -> str:
    return _("Sorry, something went wrong on my side. Please try again in a moment.")
