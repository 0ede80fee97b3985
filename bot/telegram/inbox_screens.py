"""What the coordinators' inbox says: the waiting requests, one request with its context, and
the answer the person receives from the programme."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.db.models import HandoffRequest, User, as_utc
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.i18n.text import fmt, format_when
from bot.telegram.callbacks import InboxAction
from bot.telegram.screens import Screen

# Topics that are reports (bullying, racism): marked in the list; only coordinators see any item.
CONFIDENTIAL = frozenset({"report_bullying"})


def _button(text: str, item: int, act: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=InboxAction(item=item, act=act).pack())


def _who(item: HandoffRequest) -> str:
    return str(item.context.get("name") or "") or fmt(_("Person {number}"), number=item.user_id)


def inbox(items: list[HandoffRequest], reader: User) -> Screen:
    if not items:
        return Screen(_("No requests are waiting. Well done!"))
    rows = [
        [
            _button(
                ("✋ " if item.status == "taken" else "🆕 ")
                + ("🛡 " if item.topic in CONFIDENTIAL else "")
                + f"#{item.id} {_who(item)} · "
                + format_when(as_utc(item.created_at), reader.timezone, reader.language),
                item.id,
                "o",
            )
        ]
        for item in items
    ]
    return Screen(
        fmt(_("Requests for a person waiting for an answer: {count}"), count=len(items)),
        InlineKeyboardMarkup(inline_keyboard=rows),
    )


def request(
    item: HandoffRequest, person: User | None, guide: str | None, taker: str | None, reader: User
) -> Screen:
    """One request: who, in which language, from which guide and step, the answers so far."""
    language = SUPPORTED_LANGUAGES[person.language].native_name if person else "–"
    lines = [
        fmt(_("Request #{number} from {name}"), number=item.id, name=_who(item)),
        fmt(_("Language: {language}"), language=language),
        fmt(
            _("Asked: {when}"),
            when=format_when(as_utc(item.created_at), reader.timezone, reader.language),
        ),
        fmt(
            _("Guide: {guide}, step {step}"),
            guide=guide or item.flow_id or "–",
            step=item.step or "–",
        ),
    ]
    alert = item.context.get("alert")
    if isinstance(alert, dict):
        lines += ["", *alert_lines(alert)]
    answers = item.context.get("answers") or {}
    if answers:
        lines.append(_("Answers so far:"))
        lines += [f"• {key}: {value}" for key, value in answers.items()]
    for reply in item.context.get("replies") or []:
        lines += ["", person_wrote_again(_who(item), item.id, str(reply.get("text", "")))]
    if taker:
        lines.append(fmt(_("Taken by {name}."), name=taker))
    rows = []
    if item.status == "open":
        rows.append([_button("✋ " + _("I'll take it"), item.id, "t")])
    rows.append(
        [_button("✉ " + _("Answer"), item.id, "a"), _button("✓ " + _("Close"), item.id, "c")]
    )
    rows.append([_button("← " + _("All requests"), 0, "o")])
    return Screen("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


def ask_answer(item: HandoffRequest) -> str:
    return fmt(
        _("Write your answer to {name}. It is sent as a message from the programme."),
        name=_who(item),
    )


def answer_sent() -> str:
    return _("Your answer is on its way. Close the request when it is settled.")


def closed() -> str:
    return _("The request is closed.")


def from_programme(text: str) -> str:
    return _("💬 A message from the programme:") + "\n\n" + text


def waiting_reminder(count: int) -> str:
    return fmt(
        _(
            "📥 Requests for a person have waited more than a day: {count}. Open them from the main menu."
        ),
        count=count,
    )


def reply_passed_on() -> str:
    return _("Thank you. Your message has been passed on to the coordinator.")


def person_wrote_again(name: str, number: int, text: str) -> str:
    head = fmt(_("💬 {name} wrote again (request #{number}):"), name=name or "–", number=number)
    return head + "\n\n" + text


def alert_lines(alert: dict[str, object]) -> list[str]:
    """A buddy alert: which match, what was answered (or left unanswered), the note."""
    from bot.telegram import buddy_words

    buddy, family = str(alert.get("buddy") or "–"), str(alert.get("family") or "–")
    lines = [
        fmt(
            _("🤝 Buddy match #{number}: {family} ↔ {buddy}"),
            number=str(alert.get("match")),
            family=family,
            buddy=buddy,
        )
    ]
    reason = str(alert.get("reason"))
    if reason == "unanswered":
        lines.append(
            fmt(
                _("⏰ {name} has not answered {count} check-ins in a row."),
                name=buddy,
                count=str(alert.get("count") or 2),
            )
        )
    else:
        who = buddy if alert.get("who") == "buddy" else family
        lines.append(
            fmt(
                _("{name} answered the check-in: {answer}"),
                name=who,
                answer=buddy_words.answer(reason),
            )
        )
    if alert.get("note"):
        lines.append(fmt(_("Note: {note}"), note=str(alert["note"])))
    return lines
