"""Guided conversations in the chat: the guide list, questions with buttons, typed answers,
'Step 3 of 7', Back, coming back later, and deep links (t.me/<bot>?start=flow-<id>)."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import BaseFilter, CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.models import User, utcnow
from bot.domain.flows.runtime import (
    Answer,
    Back,
    ChecklistDone,
    Finished,
    FollowUpRequested,
    HandoffRequested,
    NotNow,
    Picked,
    Question,
    Retry,
    Say,
    Ticked,
    Typed,
)
from bot.domain.roles import Role
from bot.i18n.text import fmt, for_reader, format_when
from bot.services import flows as flow_service
from bot.services.flows import FlowLibrary, Progress
from bot.services.users import onboarding_state
from bot.telegram import screens
from bot.telegram.callbacks import GuidePick, GuideStep, MenuAction
from bot.telegram.magic import Magic
from bot.telegram.replies import answer_stale, send_screen


def _first_name(event: Message | CallbackQuery) -> str:
    """The name Telegram shows for the person, kept only in a request for a person."""
    return event.from_user.first_name if event.from_user is not None else ""


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def guide_list(
    library: FlowLibrary, role: Role | None, progress: Progress | None
) -> screens.Screen:
    """The guides for this role, with 'Continue' first when one is under way."""
    flows = library.for_role(role)
    if not flows and progress is None:
        return screens.Screen(_("No guides yet. Please come back later."))
    lines: list[str] = []
    rows: list[list[InlineKeyboardButton]] = []
    if progress is not None:
        lines.append(
            fmt(
                _("You were at step {number} of {total} of “{title}”."),
                number=progress.number,
                total=progress.total,
                title=_(progress.title),
            )
        )
        rows.append([_button("▶ " + _("Continue"), GuidePick(flow="").pack())])
        rows.append(
            [_button("↺ " + _("Start again"), GuidePick(flow=progress.session.flow_id).pack())]
        )
        lines.append("")
    lines.append(_("Which guide would you like?"))
    rows += [[_button(_(flow.title), GuidePick(flow=flow.id).pack())] for flow in flows]
    return screens.Screen("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


def _question_screen(progress: Progress, question: Question) -> screens.Screen:
    session_id = progress.session.id
    header = fmt(_("Step {number} of {total}"), number=progress.number, total=progress.total)
    text = header + ("\n\n" + _(question.text) if question.text else "")
    rows: list[list[InlineKeyboardButton]] = []
    if question.mode == "choices":
        rows = [
            [
                _button(
                    _(label),
                    GuideStep(session=session_id, step=question.step, act="p", index=i).pack(),
                )
            ]
            for i, label in enumerate(question.options)
        ]
    elif question.mode == "checklist":
        rows = [
            [
                _button(
                    ("☑ " if i in question.ticked else "☐ ") + _(item),
                    GuideStep(session=session_id, step=question.step, act="t", index=i).pack(),
                )
            ]
            for i, item in enumerate(question.options)
        ]
        rows.append(
            [
                _button(
                    "✓ " + _("Done"),
                    GuideStep(session=session_id, step=question.step, act="d").pack(),
                )
            ]
        )
    if question.can_go_back:
        rows.append(
            [
                _button(
                    "← " + _("Back"),
                    GuideStep(session=session_id, step=question.step, act="b").pack(),
                )
            ]
        )
    return screens.Screen(text, InlineKeyboardMarkup(inline_keyboard=rows) if rows else None)


def render(progress: Progress, user: User) -> list[screens.Screen]:
    """Screens for what the interpreter produced, in the reader's language."""
    shown: list[screens.Screen] = []
    said_something = False
    for output in progress.outputs:
        if isinstance(output, Say):
            links = [[InlineKeyboardButton(text=_(label), url=url)] for label, url in output.links]
            shown.append(
                screens.Screen(
                    _(output.text), InlineKeyboardMarkup(inline_keyboard=links) if links else None
                )
            )
            said_something = True
        elif isinstance(output, Question):
            shown.append(_question_screen(progress, output))
        elif isinstance(output, Retry):
            shown.append(
                screens.Screen(
                    _(output.text) if output.text else _("I could not read that. Please try again.")
                )
            )
        elif isinstance(output, HandoffRequested) and not said_something:
            shown.append(screens.Screen(_("A person from the programme will write to you here.")))
        elif isinstance(output, FollowUpRequested):
            when = format_when(utcnow() + output.after, user.timezone)
            shown.append(screens.Screen(fmt(_("I will remind you on {date}."), date=when)))
        elif isinstance(output, Finished) and output.text:
            shown.append(screens.Screen(_(output.text)))
    return shown


async def _show(target: Message | CallbackQuery, progress: Progress, user: User) -> None:
    for screen in render(progress, user):
        await send_screen(target, screen)


class WaitingForText(BaseFilter):
    """A text message while the person's guide waits for a typed answer."""

    async def __call__(self, message: Message, **data: Any) -> bool | dict[str, Any]:
        user: User | None = data.get("user")
        if user is None or not message.text or message.text.startswith("/"):
            return False
        library: FlowLibrary = data["flow_library"]
        record = await flow_service.running_session(data["session"], library, user)
        if record is None:
            return False
        progress = await flow_service.resume(library, user, data.get("role"), record)
        waiting = any(isinstance(o, Question) and o.mode == "input" for o in progress.outputs)
        return {"flow_record": record} if waiting else False


async def open_guides(
    query: CallbackQuery,
    session: AsyncSession,
    flow_library: FlowLibrary,
    user: User,
    role: Role | None,
) -> None:
    await query.answer()
    record = await flow_service.running_session(session, flow_library, user)
    progress = await flow_service.resume(flow_library, user, role, record) if record else None
    await send_screen(query, guide_list(flow_library, role, progress))


async def guide_picked(
    query: CallbackQuery,
    callback_data: GuidePick,
    session: AsyncSession,
    settings: Settings,
    flow_library: FlowLibrary,
    user: User | None,
    role: Role | None,
) -> None:
    """Start a guide, or continue the one under way."""
    if user is None or not onboarding_state(user, settings.coordinator_ids).complete:
        await answer_stale(query, user, role, settings)
        return
    await query.answer()
    if callback_data.flow == "":
        record = await flow_service.running_session(session, flow_library, user)
        if record is None:
            await send_screen(query, guide_list(flow_library, role, None))
            return
        await _show(query, await flow_service.resume(flow_library, user, role, record), user)
        return
    if callback_data.flow not in {flow.id for flow in flow_library.for_role(role)}:
        await send_screen(query, guide_list(flow_library, role, None))
        return
    await _show(
        query,
        await flow_service.start(
            session, flow_library, user, role, callback_data.flow, _first_name(query)
        ),
        user,
    )


def _answer_of(data: GuideStep) -> Answer:
    """The interpreter's answer for a pressed button (an unknown act answers nothing)."""
    if data.act == "t":
        return Ticked(data.step, data.index)
    if data.act == "d":
        return ChecklistDone(data.step)
    if data.act == "b":
        return Back()
    return Picked(data.step, data.index if data.act == "p" else -1)


async def step_answered(
    query: CallbackQuery,
    callback_data: GuideStep,
    session: AsyncSession,
    settings: Settings,
    flow_library: FlowLibrary,
    user: User | None,
    role: Role | None,
) -> None:
    """A button on a question: answer it, or show the current question for an old one."""
    if user is None:
        await answer_stale(query, user, role, settings)
        return
    record = await flow_service.running_session(session, flow_library, user)
    if record is None or record.id != callback_data.session:
        await query.answer(for_reader(screens.stale_button()))
        await send_screen(query, guide_list(flow_library, role, None))
        return
    given = _answer_of(callback_data)
    progress = await flow_service.answer(
        session, flow_library, user, role, record, given, _first_name(query)
    )
    stale = any(isinstance(output, NotNow) for output in progress.outputs)
    if stale:
        await query.answer(for_reader(screens.stale_button()))
    else:
        await query.answer()
    if isinstance(given, Ticked) and isinstance(query.message, Message) and progress.outputs:
        question = progress.outputs[-1]
        if isinstance(question, Question):
            screen = _question_screen(progress, question)
            keyboard = (
                screen.keyboard if isinstance(screen.keyboard, InlineKeyboardMarkup) else None
            )
            await query.message.edit_text(for_reader(screen.text), reply_markup=keyboard)
            return
    if isinstance(query.message, Message) and not isinstance(given, Ticked):
        answered = None if stale else _with_answer(query.message, query.data or "", given)
        if answered is not None:
            await query.message.edit_text(answered, reply_markup=None)
        else:
            await query.message.edit_reply_markup(reply_markup=None)
    await _show(query, progress, user)


def _with_answer(message: Message, data: str, given: Answer) -> str | None:
    """The question's text with the answer under it ("✓ Not yet", or the items ticked), so the
    chat keeps a readable record once the buttons are gone; None when there is nothing to add."""
    buttons = [b for row in getattr(message.reply_markup, "inline_keyboard", []) for b in row]
    if isinstance(given, Picked):
        lines = [f"✓ {b.text}" for b in buttons if b.callback_data == data]
    elif isinstance(given, ChecklistDone):
        lines = [b.text for b in buttons if b.text.startswith("☑")]
    else:
        return None
    if not lines or not message.text:
        return None
    text = message.text + "\n\n" + for_reader("\n".join(lines))
    return text if len(text) <= 4096 else None


async def text_answered(
    message: Message,
    session: AsyncSession,
    flow_library: FlowLibrary,
    user: User,
    role: Role | None,
    flow_record: Any,
) -> None:
    progress = await flow_service.answer(
        session,
        flow_library,
        user,
        role,
        flow_record,
        Typed(message.text or ""),
        _first_name(message),
    )
    await _show(message, progress, user)


async def deep_link(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    settings: Settings,
    flow_library: FlowLibrary,
    user: User | None,
    role: Role | None,
) -> None:
    """t.me/<bot>?start=flow-<id>: open that guide (after the first steps, for a newcomer)."""
    flow_id = (command.args or "").removeprefix("flow-")
    if user is None or not onboarding_state(user, settings.coordinator_ids).complete:
        from bot.telegram.routers.onboarding import start

        await start(message, session, settings, user)
        return
    if flow_id not in {flow.id for flow in flow_library.for_role(role)}:
        await send_screen(message, guide_list(flow_library, role, None))
        return
    await _show(
        message,
        await flow_service.start(session, flow_library, user, role, flow_id, _first_name(message)),
        user,
    )


def build_router() -> Router:
    """A fresh router with this module's handlers, in the order they are tried."""
    router = Router(name="flows")
    router.message.filter(Magic(F.chat.type == "private"))
    router.message.register(
        deep_link, CommandStart(deep_link=True, magic=F.args.startswith("flow-"))
    )
    router.callback_query.register(open_guides, MenuAction.filter(F.entry == "guides"))
    router.callback_query.register(guide_picked, GuidePick.filter())
    router.callback_query.register(step_answered, GuideStep.filter())
    router.message.register(text_answered, Magic(F.text), WaitingForText())
    return router
