"""What the two sides of a buddy match see: the introduction with a suggested first meeting and
its checklist, messages relayed between them, contact details once both agree, check-in
questions, the offer to close and the end with its survey. Short sentences: many readers
have little time and some read slowly."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.db.models import BuddyMatch, BuddyProfile, BuddyRequest
from bot.domain.buddies.rhythm import BUDDY_ANSWERS, FAMILY_ANSWERS
from bot.i18n.text import fmt
from bot.services.buddy_matches import MAX_RELAYED
from bot.telegram import buddy_words as words
from bot.telegram.callbacks import BuddyAction, CheckInAnswer, GuidePick
from bot.telegram.screens import Screen

SURVEY_FLOW = "closing-survey"
REQUEST_FLOW = "buddy-request"
TRAINING_FLOW = "buddy-training"


def _act(text: str, match: int, act: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=BuddyAction(match=match, act=act).pack())


def _guide(text: str, flow: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=GuidePick(flow=flow).pack())


def _name(name: str) -> str:
    return name or _("your buddy")


def match_buttons(
    match: BuddyMatch, other: str, shared: bool, several: bool = False
) -> InlineKeyboardMarkup:
    """Write to the other side; share contact details (until both agreed); end. With several
    matches on one screen the end button names the person."""
    rows = [[_act("✉ " + fmt(_("Write to {name}"), name=_name(other)), match.id, "w")]]
    if not shared:
        rows.append([_act("📇 " + _("Share my contact details"), match.id, "c")])
    end = fmt(_("End with {name}"), name=other) if several else _("End the buddy time")
    rows.append([_act("🏁 " + end, match.id, "e")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _first_meeting(common_slots: list[str]) -> list[str]:
    when = words.times(common_slots) if common_slots else _("a time that suits you both")
    return [
        fmt(_("📅 A first meeting: {when}, in a public place such as a library."), when=when),
        _("A coordinator can come to the first meeting too. Just ask."),
        "",
        _("✅ For the first meeting:"),
        "• " + _("agree on the day and place here in the chat"),
        "• " + _("talk about what help is needed first"),
        "• " + _("agree how often to meet: every week or every two weeks"),
        "• " + _("ask the coordinator if anything feels wrong"),
    ]


def _common_times(buddy: BuddyProfile, request: BuddyRequest) -> list[str]:
    return sorted(set(buddy.availability or ()) & set(request.availability or ()))


def introduction_to_family(
    match: BuddyMatch, buddy: BuddyProfile, request: BuddyRequest, shared_language: str | None
) -> Screen:
    """The family meets its buddy: who, what they can help with, the first meeting."""
    name = _name(buddy.name or "")
    helps = [code for code in buddy.topics or () if code in (request.topics or ())]
    lines = [
        fmt(_("🤝 Good news: you have a buddy! Your buddy is {name}."), name=name),
        fmt(
            _("{name} speaks {languages}."),
            name=name,
            languages=words.languages(
                [shared_language] if shared_language else list(buddy.languages or {})
            ),
        ),
    ]
    if helps:
        lines.append(
            fmt(_("{name} can help with {topics}."), name=name, topics=words.topics(helps))
        )
    lines += ["", *_first_meeting(_common_times(buddy, request))]
    lines += ["", _("Your phone number is not shown. You can write to your buddy here.")]
    return Screen("\n".join(lines), match_buttons(match, name, match.family_shares_contact))


def introduction_to_buddy(
    match: BuddyMatch, buddy: BuddyProfile, request: BuddyRequest, family_language: str
) -> Screen:
    """The buddy meets the family: its languages, children's ages, needs, the first meeting."""
    name = request.name or _("the family")
    spoken = [family_language] + [
        code for code in request.languages or () if code != family_language
    ]
    lines = [
        fmt(_("🤝 You have a new family: {name}."), name=name),
        fmt(_("They speak {languages}."), languages=words.languages(spoken)),
    ]
    if request.age_bands:
        lines.append(fmt(_("Children: {ages}."), ages=words.ages(request.age_bands)))
    if request.topics:
        lines.append(fmt(_("They need help with {topics}."), topics=words.topics(request.topics)))
    if request.area:
        lines.append(fmt(_("Area: {area}"), area=request.area))
    lines += ["", *_first_meeting(_common_times(buddy, request))]
    lines += ["", _("Keep what the family tells you to yourself. Write to them here.")]
    return Screen("\n".join(lines), match_buttons(match, name, match.buddy_shares_contact))


def relayed(match: BuddyMatch, name: str, from_buddy: bool, text: str) -> Screen:
    head = (
        fmt(_("💬 {name}, your buddy, writes:"), name=_name(name))
        if from_buddy
        else fmt(_("💬 {name} writes:"), name=name or _("the family"))
    )
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[_act("↩ " + _("Reply"), match.id, "w")]])
    return Screen(head + "\n\n" + text, keyboard)


def write_prompt(name: str) -> str:
    return fmt(
        _(
            "Write your message to {name}. I pass it on with your first name. Your phone number is not shown."
        ),
        name=name,
    )


def relay_sent(name: str) -> str:
    return fmt(_("✓ Sent to {name}."), name=name)


def contact_waiting(name: str) -> str:
    return fmt(
        _("Thank you. When {name} agrees too, you both get each other's contact details."),
        name=name,
    )


def contact_shared(other_telegram_id: int, name: str) -> Screen:
    text = "\n".join(
        [
            fmt(_("📇 You and {name} agreed to share contact details."), name=name),
            _("Press the button to open a chat. If it does not open, ask for a phone number here."),
        ]
    )
    button = InlineKeyboardButton(
        text=fmt(_("Open a chat with {name}"), name=name), url=f"tg://user?id={other_telegram_id}"
    )
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=[[button]]))


def checkin_question(checkin_id: int, who: str, name: str) -> Screen:
    """The buddy's 'Did you meet this week?' or the family's monthly 'How is it going?'."""
    if who == "buddy":
        text = fmt(_("👋 Did you meet {name} this week?"), name=name or _("the family"))
        codes = BUDDY_ANSWERS
    else:
        text = fmt(_("👋 How is it going with your buddy {name}?"), name=_name(name))
        codes = FAMILY_ANSWERS
    rows = [
        [
            InlineKeyboardButton(
                text=words.answer(code),
                callback_data=CheckInAnswer(checkin=checkin_id, answer=code).pack(),
            )
        ]
        for code in codes
    ]
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


def checkin_thanks(checkin_id: int, given: str, alerted: bool) -> Screen:
    if alerted:
        text = _("Thank you for telling us. A coordinator will write to you here soon.")
    elif given == "pause":
        text = _("Thank you. I will not ask for four weeks. Write to the coordinator any time.")
    else:
        text = _("Thank you!")
    note = InlineKeyboardButton(
        text="📝 " + _("Add a note"),
        callback_data=CheckInAnswer(checkin=checkin_id, answer="note").pack(),
    )
    return Screen(
        words.answer(given) + "\n\n" + text, InlineKeyboardMarkup(inline_keyboard=[[note]])
    )


def note_prompt() -> str:
    return _("Write your note. Only the coordinators read it.")


def note_saved() -> str:
    return _("Thank you. Your note is saved.")


def close_offer(match: BuddyMatch, name: str, months: int) -> Screen:
    text = "\n".join(
        [
            fmt(
                _("🌱 You and {name} have been buddies for {months} months."),
                name=name,
                months=months,
            ),
            _("This is when the buddy time usually ends. You can end it now or go on."),
        ]
    )
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [_act("🏁 " + _("End the buddy time"), match.id, "ey")],
            [_act("➡ " + _("Go on with the buddy time"), match.id, "g")],
        ]
    )
    return Screen(text, keyboard)


def end_question(match: BuddyMatch, name: str) -> Screen:
    text = fmt(
        _("End the buddy time with {name}? It is nobody's fault. You both get a short survey."),
        name=name,
    )
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [_act(_("Yes, end it"), match.id, "ey"), _act(_("No"), match.id, "en")],
        ]
    )
    return Screen(text, keyboard)


def going_on() -> str:
    return _("Good! The buddy time goes on.")


def closed(name: str, by_me: bool, family: bool) -> Screen:
    """The end, for either side: thanks, the survey, and for a family a new request."""
    lines = [fmt(_("🏁 The buddy time with {name} has ended. Thank you!"), name=name)]
    if not by_me:
        lines.append(_("Endings are nobody's fault."))
    lines.append(_("Would you answer four short questions? It helps the programme."))
    rows = [[_guide("📝 " + _("Answer the questions"), SURVEY_FLOW)]]
    if family:
        rows.append([_guide("🤝 " + _("Ask for a new buddy"), REQUEST_FLOW)])
    return Screen("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


def approved() -> str:
    return _("🎉 You are approved as a buddy. I will write when a family fits you.")


def no_buddy_yet(request_waiting: bool) -> Screen:
    if request_waiting:
        return Screen(
            _("Your request is waiting. A coordinator is looking for a buddy who fits you.")
        )
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[_guide("🤝 " + _("Ask for a buddy"), REQUEST_FLOW)]]
    )
    return Screen(
        _("You do not have a buddy yet. A buddy is a volunteer who helps your family."), keyboard
    )


def volunteer_status(status: str | None) -> Screen:
    """A buddy without a family yet: where they are in sign-up, training and approval."""
    if status is None:
        return Screen(
            _("You have not signed up as a buddy yet."),
            InlineKeyboardMarkup(
                inline_keyboard=[[_guide("📝 " + _("Become a volunteer buddy"), "buddy-signup")]]
            ),
        )
    if status == "training":
        return Screen(
            _("Your next step is the training: seven short lessons."),
            InlineKeyboardMarkup(
                inline_keyboard=[[_guide("🎓 " + _("Buddy training"), TRAINING_FLOW)]]
            ),
        )
    if status == "ready":
        return Screen(_("You finished the training. A coordinator will approve you soon."))
    return Screen(_("You do not have a family yet. I will write when a family fits you."))


def my_matches(lines: list[tuple[BuddyMatch, str, bool]]) -> Screen:
    """Every running match of the person, each with its buttons (a buddy may have several)."""
    text = _("🤝 Your buddy time:") + "\n" + "\n".join(f"• {name}" for _match, name, _s in lines)
    rows = []
    for match, name, shared in lines:
        rows += match_buttons(match, name, shared, several=len(lines) > 1).inline_keyboard
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


def text_only() -> str:
    return _("I can pass on text only. Please write your message.")


def too_long(length: int) -> str:
    """A message or note longer than fits in one Telegram message with its heading."""
    return fmt(
        _("That is {length} characters; at most {max} fit. Please make it shorter."),
        length=length,
        max=MAX_RELAYED,
    )
