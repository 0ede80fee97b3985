"""What `/stats` and `silta report` say: the programme's figures as short text in the reader's
language, with buttons for the charts and the spreadsheet file."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date

from bot.db.models import as_utc
from bot.domain.flows.model import Flow
from bot.domain.roles import Role
from bot.i18n.text import current_locale, fmt
from bot.services.figures import OPEN, UNANSWERED, BuddyFigures, Figures
from bot.telegram import buddy_words
from bot.telegram.broadcast_screens import club_name_of, language_name
from bot.telegram.callbacks import FiguresAction
from bot.telegram.screens import Screen, role_name

STEP_LABEL = 40  # characters of a step's text shown in the funnel


def step_label(flow: Flow | None, step: str) -> str:
    """A step as coordinators recognise it: the start of its question or text, translated."""
    item = flow.steps.get(step) if flow is not None else None
    text = ""
    for attribute in ("ask", "say", "title", "end"):
        value = getattr(item, attribute, None)
        if isinstance(value, str) and value.strip():
            text = _(value.strip())
            break
    if not text:
        return step
    text = " ".join(text.split())
    return text if len(text) <= STEP_LABEL else text[: STEP_LABEL - 1] + "…"


def role_label(key: str | None) -> str:
    try:
        return role_name(Role(key)) if key else role_name(None)
    except ValueError:
        return key or ""


def buddy_status_words() -> dict[str, dict[str, str]]:
    """The buddy programme's states in words: volunteers, families' requests, matches."""
    return {
        "buddies": {
            "training": _("in training"),
            "ready": _("waiting for approval"),
            "approved": _("approved"),
            "paused": _("paused"),
            "declined": _("declined"),
        },
        "requests": {
            "waiting": _("waiting for a buddy"),
            "proposed": _("proposal to decide"),
            "matched": _("matched"),
            "closed": _("closed"),
            "withdrawn": _("withdrawn"),
        },
        "matches": {
            "proposed": _("proposed"),
            "active": _("active"),
            "rejected": _("rejected"),
            "closed": _("ended"),
        },
    }


def checkin_answer_label(who: str, answer: str) -> str:
    """A check-in answer in the words its buttons show ("Met, need help")."""
    if answer == UNANSWERED:
        return _("unanswered after 3 days")
    if answer == OPEN:
        return _("not answered yet")
    return str(buddy_words.ANSWERS.get(answer, answer))


def _counts_line(counts: dict[str, int], words: dict[str, str]) -> str:
    """'label count · label count' for the states that have any."""
    return " · ".join(f"{words.get(key, key)} {count}" for key, count in counts.items() if count)


def buddy_lines(buddy: BuddyFigures) -> list[str]:
    """The buddy programme's part of the figures; nothing while the programme is empty."""
    if buddy.empty:
        return []
    words = buddy_status_words()
    lines = ["", "🤝 " + _("Buddy programme")]
    for heading, counts, kind in (
        (_("Buddies: {count}"), buddy.buddies, "buddies"),
        (_("Families' requests for a buddy: {count}"), buddy.requests, "requests"),
        (_("Matches: {count}"), buddy.matches, "matches"),
    ):
        lines.append("   " + fmt(heading, count=sum(counts.values())))
        if any(counts.values()):
            lines.append("      " + _counts_line(counts, words[kind]))
    for who, heading in (
        ("buddy", _("Check-ins with buddies: {count}")),
        ("family", _("Check-ins with families: {count}")),
    ):
        answers = buddy.checkins.get(who, {})
        if not any(answers.values()):
            continue
        lines.append("   " + fmt(heading, count=sum(answers.values())))
        lines.append(
            "      "
            + " · ".join(
                f"{checkin_answer_label(who, answer)} {count}"
                for answer, count in answers.items()
                if count
            )
        )
    lines.append("   " + fmt(_("Closing surveys answered: {count}"), count=buddy.closing_surveys))
    return lines


def figures_text(figures: Figures, flows: dict[str, Flow]) -> str:
    locale = current_locale()
    day = format_date(as_utc(figures.generated_at).date(), format="long", locale=locale)
    lines = ["📊 " + fmt(_("Programme figures, {date}"), date=day), ""]

    lines.append("👥 " + fmt(_("People: {count}"), count=figures.people_total))
    roles = sorted(figures.people_by_role().items(), key=lambda item: -item[1])
    languages: dict[str, int] = {}
    for row in figures.people:
        languages[row.language] = languages.get(row.language, 0) + row.count
    if roles:
        lines.append("   " + " · ".join(f"{role_label(role)} {count}" for role, count in roles))
        lines.append(
            "   "
            + " · ".join(
                f"{language_name(code)} {count}"
                for code, count in sorted(languages.items(), key=lambda item: -item[1])
            )
        )
    if figures.muted:
        lines.append("   🔕 " + fmt(_("Announcements off: {count}"), count=figures.muted))

    if figures.guides:
        lines += ["", "🧭 " + _("Guides")]
        for guide in figures.guides:
            flow = flows.get(guide.flow_id)
            title = _(flow.title) if flow is not None else guide.flow_id
            lines.append(
                "   "
                + fmt(
                    _("{guide}: started {started}, finished {finished} ({share})"),
                    guide=title,
                    started=guide.started,
                    finished=guide.finished,
                    share=f"{guide.share_finished:.0%}",
                )
            )
            for step, count in list(guide.stopped_at.items())[:2]:
                lines.append(
                    "      "
                    + fmt(_("now at “{step}”: {count}"), step=step_label(flow, step), count=count)
                )

    if figures.clubs:
        lines += ["", "🏠 " + _("Clubs")]
        for club in figures.clubs:
            lines.append(
                "   "
                + fmt(
                    _(
                        "{club}: members {members}, waiting {waiting}; "
                        "coming {coming}, not coming {not_coming}"
                    ),
                    club=club_name_of(club.name, club.source_language),
                    members=club.members,
                    waiting=club.waiting,
                    coming=club.coming,
                    not_coming=club.not_coming,
                )
            )

    if figures.broadcasts:
        lines += ["", "📢 " + _("Announcements")]
        for item in figures.broadcasts[:5]:
            when = (
                format_date(as_utc(item.started_at).date(), format="medium", locale=locale)
                if item.started_at
                else ""
            )
            lines.append(
                "   "
                + fmt(
                    _(
                        "#{number} {date}: delivered {delivered} of {total} "
                        "(blocked {blocked}, failed {failed})"
                    ),
                    number=item.broadcast_id,
                    date=when,
                    delivered=item.delivered,
                    total=item.total,
                    blocked=item.blocked,
                    failed=item.failed,
                )
            )

    requests = figures.requests
    lines += [
        "",
        "📥 "
        + fmt(
            _("Requests for a person: waiting {waiting}, answered {answered}, closed {closed}"),
            waiting=requests.get("open", 0) + requests.get("taken", 0),
            answered=requests.get("answered", 0),
            closed=requests.get("closed", 0),
        ),
    ]
    lines += buddy_lines(figures.buddy)
    return "\n".join(lines)


def figures_screen(figures: Figures, flows: dict[str, Flow]) -> Screen:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text="📈 " + _("Charts"), callback_data=FiguresAction(act="charts").pack()
                ),
                InlineKeyboardButton(
                    text="📄 " + _("Spreadsheet (CSV)"),
                    callback_data=FiguresAction(act="csv").pack(),
                ),
            ]
        ]
    )
    return Screen(figures_text(figures, flows), keyboard)


def chart_titles() -> dict[str, str]:
    """The charts' words in the reader's language (matplotlib draws them)."""
    return {
        "people": _("People by language and role"),
        "guides": _("Guides: conversations started and finished"),
        "started": _("started"),
        "finished": _("finished"),
        "broadcasts": _("Announcements: what became of each message"),
        "delivered": _("delivered"),
        "blocked": _("blocked the bot"),
        "failed": _("failed"),
        "people_axis": _("people"),
        "checkins": _("Buddy programme: check-in answers"),
        "from_buddies": _("buddies"),
        "from_families": _("families"),
        "answers_axis": _("answers"),
    }


def charts_caption() -> str:
    return _("Programme figures as charts.")


def csv_caption() -> str:
    return _("Programme figures for a spreadsheet (UTF-8 CSV).")
