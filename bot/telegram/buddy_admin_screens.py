"""What coordinators see of the buddy programme: the overview, volunteers to approve (with the
record-extract date where the role needs it), the batch matching's proposals with the reasons in
words, other candidates, waiting families for a match by hand, and running matches with their
latest check-ins."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.db.models import BuddyMatch, BuddyProfile, BuddyRequest, CheckIn, User, as_utc
from bot.domain.buddies import matching
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.i18n.text import fmt, format_when
from bot.telegram import buddy_words as words
from bot.telegram.callbacks import BuddyAdmin
from bot.telegram.screens import Screen


@dataclass(frozen=True)
class Counts:
    to_approve: int
    waiting: int
    proposals: int
    running: int


def _b(text: str, act: str, id: int = 0, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=BuddyAdmin(act=act, id=id, value=value).pack()
    )


def _back() -> list[InlineKeyboardButton]:
    return [_b("← " + _("Buddy programme"), "o")]


def overview(counts: Counts) -> Screen:
    text = "\n".join(
        [
            "🤝 " + _("Buddy programme"),
            fmt(_("Volunteers to approve: {count}"), count=counts.to_approve),
            fmt(_("Families waiting for a buddy: {count}"), count=counts.waiting),
            fmt(_("Proposals to decide: {count}"), count=counts.proposals),
            fmt(_("Running matches: {count}"), count=counts.running),
        ]
    )
    rows = [
        [_b("🧑‍🏫 " + _("Volunteers to approve"), "v")],
        [_b("🧮 " + _("Find buddies for waiting families"), "m")],
        [_b("📋 " + _("Proposals"), "p"), _b("👪 " + _("Waiting families"), "f")],
        [_b("🤝 " + _("Running matches"), "a")],
    ]
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


def _who(name: str | None, user_id: int) -> str:
    return name or fmt(_("Person {number}"), number=user_id)


def volunteers(profiles: list[BuddyProfile]) -> Screen:
    if not profiles:
        return Screen(
            _("No volunteers are waiting for approval."),
            InlineKeyboardMarkup(inline_keyboard=[_back()]),
        )
    rows = [[_b(_who(p.name, p.user_id), "vo", p.id)] for p in profiles]
    return Screen(
        fmt(_("Volunteers who finished the training: {count}"), count=len(profiles)),
        InlineKeyboardMarkup(inline_keyboard=[*rows, _back()]),
    )


def _levels(languages: dict[str, str]) -> str:
    well = [code for code, level in languages.items() if level in ("fluent", "native")]
    some = [code for code in languages if code not in well]
    parts = []
    if well:
        parts.append(fmt(_("well: {languages}"), languages=words.languages(well)))
    if some:
        parts.append(fmt(_("a little: {languages}"), languages=words.languages(some)))
    return "; ".join(parts) or "–"


def volunteer(profile: BuddyProfile, reader: User) -> Screen:
    """One volunteer to approve, with what the matching will use."""
    kinds = {"family": _("families"), "pupil": _("pupils")}
    lines = [
        fmt(_("Volunteer {name}"), name=_who(profile.name, profile.user_id)),
        fmt(_("Speaks: {languages}"), languages=_levels(dict(profile.languages or {}))),
        fmt(_("Area: {area}"), area=profile.area or "–"),
        fmt(
            _("Supports: {kinds}, {ages}"),
            kinds=words.listed(str(kinds.get(k, k)) for k in profile.kinds or ()),
            ages=words.ages(profile.age_bands or ()),
        ),
        fmt(_("Helps with: {topics}"), topics=words.topics(profile.topics or ())),
        fmt(_("Free: {times}"), times=words.times(profile.availability or ())),
        fmt(_("Families at once: {count}"), count=profile.capacity),
    ]
    if profile.trained_at is not None:
        lines.append(
            fmt(
                _("Training finished: {when}"),
                when=format_when(as_utc(profile.trained_at), reader.timezone, reader.language),
            )
        )
    rows: list[list[InlineKeyboardButton]] = []
    if profile.alone_with_children and profile.record_seen_on is None:
        lines += [
            "",
            _("Meets children alone: a criminal-record extract is needed."),
            _("Note only the date you saw it. Keep no copy."),
        ]
        rows += [
            [_b("📄 " + _("Extract seen today: approve"), "vt", profile.id)],
            [_b("📅 " + _("Seen on another day"), "vd", profile.id)],
        ]
    else:
        rows.append([_b("✅ " + _("Approve"), "va", profile.id)])
    rows.append([_b("← " + _("Volunteers to approve"), "v")])
    return Screen("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


def ask_record_date() -> str:
    return _("On which day did you see the extract? Write the date, for example 21.11.2026.")


def bad_date() -> str:
    return _("Please write a date that is not in the future, for example 21.11.2026.")


def approved(name: str) -> Screen:
    return Screen(
        fmt(_("✅ {name} is approved and can be matched. They get a message."), name=name),
        InlineKeyboardMarkup(inline_keyboard=[[_b("← " + _("Volunteers to approve"), "v")]]),
    )


def not_approvable(reason: str) -> str:
    if reason == "training":
        return _("The training is not finished yet.")
    if reason == "record":
        return _("The date of the criminal-record extract is needed first.")
    return _("This volunteer has not signed up yet.")


def batch_result(made: int, left: int) -> str:
    return "\n".join(
        [
            fmt(_("🧮 New proposals: {count}"), count=made),
            fmt(_("Families still without a fitting buddy: {count}"), count=left),
            _("Nobody is told anything before you approve."),
        ]
    )


Pair = tuple[BuddyMatch, str, str]  # a proposal, the family's name, the buddy's name


def proposals(pairs: list[Pair], head: str = "") -> Screen:
    if not pairs:
        return Screen(
            (head + "\n\n" if head else "") + _("No proposals are waiting."),
            InlineKeyboardMarkup(inline_keyboard=[_back()]),
        )
    rows = [[_b(f"#{m.id} {family} ↔ {buddy}", "po", m.id)] for m, family, buddy in pairs]
    text = head or fmt(_("Proposals to decide: {count}"), count=len(pairs))
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=[*rows, _back()]))


def proposal(match: BuddyMatch, family: User, family_name: str, buddy_name: str) -> Screen:
    language = SUPPORTED_LANGUAGES[family.language].native_name
    lines = [
        fmt(_("Proposal #{number}"), number=match.id),
        fmt(_("Family: {name} ({language})"), name=family_name, language=language),
        fmt(_("Buddy: {name}"), name=buddy_name),
        fmt(_("Why: {reasons}"), reasons=words.reasons(match.reasons or ())),
        "",
        _("Nobody is told anything before you approve."),
    ]
    rows = [
        [_b("✅ " + _("Approve"), "py", match.id), _b("✖ " + _("Reject"), "pn", match.id)],
        [_b("🔁 " + _("Other candidates"), "pc", match.id)],
        [_b("← " + _("Proposals"), "p")],
    ]
    return Screen("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


def decided(approved_it: bool, family_name: str, buddy_name: str) -> Screen:
    text = (
        fmt(
            _("✅ {family} and {buddy} are matched. Both get an introduction now."),
            family=family_name,
            buddy=buddy_name,
        )
        if approved_it
        else fmt(_("✖ Rejected. {family} waits for a buddy again."), family=family_name)
    )
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=[[_b("← " + _("Proposals"), "p")]]))


def candidates(
    request: BuddyRequest, family_name: str, found: list[tuple[matching.Proposal, str]]
) -> Screen:
    """The best buddies for one family, each with the reasons and a button to choose."""
    if not found:
        return Screen(
            fmt(_("No approved volunteer with room fits {name}."), name=family_name),
            InlineKeyboardMarkup(inline_keyboard=[_back()]),
        )
    lines = [fmt(_("Buddies for {name}:"), name=family_name)]
    rows = []
    for number, (candidate, name) in enumerate(found, start=1):
        reasons = [
            {"code": r.code, "value": r.value, "values": list(r.values), "count": r.count}
            for r in candidate.score.reasons
        ]
        lines.append(f"{number}. {name}: {words.reasons(reasons)}")
        rows.append(
            [
                _b(
                    fmt(_("Choose {name}"), name=name),
                    "pk",
                    request.id,
                    str(candidate.volunteer_id),
                )
            ]
        )
    return Screen("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=[*rows, _back()]))


def waiting_families(items: list[tuple[BuddyRequest, str]], reader: User) -> Screen:
    if not items:
        return Screen(
            _("No families are waiting for a buddy."),
            InlineKeyboardMarkup(inline_keyboard=[_back()]),
        )
    rows = [
        [
            _b(
                f"#{request.id} {name} · "
                + format_when(as_utc(request.created_at), reader.timezone, reader.language),
                "fo",
                request.id,
            )
        ]
        for request, name in items
    ]
    return Screen(
        fmt(_("Families waiting for a buddy: {count}"), count=len(items)),
        InlineKeyboardMarkup(inline_keyboard=[*rows, _back()]),
    )


def request_details(request: BuddyRequest, family: User, name: str) -> str:
    language = SUPPORTED_LANGUAGES[family.language].native_name
    return "\n".join(
        [
            fmt(_("Family: {name} ({language})"), name=name, language=language),
            fmt(
                _("Speaks: {languages}"),
                languages=words.languages([family.language, *(request.languages or ())]),
            ),
            fmt(_("Area: {area}"), area=request.area or "–"),
            fmt(_("Children: {ages}."), ages=words.ages(request.age_bands or ())),
            fmt(_("Helps with: {topics}"), topics=words.topics(request.topics or ())),
            fmt(_("Free: {times}"), times=words.times(request.availability or ())),
        ]
    )


def running(items: list[Pair], reader: User) -> Screen:
    if not items:
        return Screen(_("No matches are running."), InlineKeyboardMarkup(inline_keyboard=[_back()]))
    rows = [[_b(f"#{m.id} {family} ↔ {buddy}", "ao", m.id)] for m, family, buddy in items]
    return Screen(
        fmt(_("Running matches: {count}"), count=len(items)),
        InlineKeyboardMarkup(inline_keyboard=[*rows, _back()]),
    )


def match_details(
    match: BuddyMatch, family_name: str, buddy_name: str, checkins: list[CheckIn], reader: User
) -> Screen:
    """A running match: since when, contact details, the latest check-ins and their notes."""
    since = as_utc(match.decided_at or match.proposed_at)
    lines = [
        fmt(
            _("Match #{number}: {family} ↔ {buddy}"),
            number=match.id,
            family=family_name,
            buddy=buddy_name,
        ),
        fmt(_("Since: {when}"), when=format_when(since, reader.timezone, reader.language)),
        _("Contact details shared: yes")
        if match.buddy_shares_contact and match.family_shares_contact
        else _("Contact details shared: not yet"),
    ]
    if checkins:
        lines += ["", _("Latest check-ins:")]
        for item in checkins:
            who = buddy_name if item.who == "buddy" else family_name
            when = format_when(as_utc(item.due_at), reader.timezone, reader.language)
            lines.append(f"• {when} · {who}: {words.answer(item.answer)}")
            if item.note:
                lines.append(f"  “{item.note}”")
    rows = [
        [_b("🏁 " + _("End this match"), "ax", match.id)],
        [_b("← " + _("Running matches"), "a")],
    ]
    return Screen("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


def end_question(match: BuddyMatch) -> Screen:
    return Screen(
        _("End this match? Both sides are told kindly and get the closing survey."),
        InlineKeyboardMarkup(
            inline_keyboard=[
                [_b(_("Yes, end it"), "axy", match.id), _b(_("No"), "ao", match.id)],
            ]
        ),
    )


def ended() -> Screen:
    return Screen(
        _("🏁 The match has ended. Both sides get the closing survey."),
        InlineKeyboardMarkup(inline_keyboard=[[_b("← " + _("Running matches"), "a")]]),
    )
