"""Announcements in the chat. Coordinators: the wizard (audience, text, a version per language,
summary with the reach and the delivery time, preview, urgent, send) and stopping one on its
way. Everyone: `/stop` and the menu's "Announcements" to turn them off and on.

The draft lives in the database (services/broadcasts.py), so every button works from its id;
each checks the role on the server side, and a draft can be changed only by its author.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.models import Broadcast, User, utcnow
from bot.domain.audiences import Audience, version_for
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.domain.roles import Role
from bot.i18n.text import for_reader
from bot.services import audit
from bot.services import broadcasts as service
from bot.telegram import broadcast_screens as bs
from bot.telegram import screens
from bot.telegram.callbacks import BroadcastAction, MenuAction, MuteChoice
from bot.telegram.magic import Magic
from bot.telegram.replies import edit_or_send, send_screen


class BroadcastWizard(StatesGroup):
    text = State()  # the first text
    version = State()  # the text in one more language (data: language)


async def _reach(session: AsyncSession, draft: Broadcast, settings: Settings) -> service.Reach:
    return await service.reach(
        session,
        Audience.from_json(draft.audience),
        settings.coordinator_ids,
        utcnow(),
        settings.quiet,
    )


async def _club_names(session: AsyncSession) -> dict[int, str]:
    return {club.id: bs.club_name(club) for club in await service.clubs(session)}


async def _audience_screen(
    session: AsyncSession, draft: Broadcast, settings: Settings
) -> screens.Screen:
    return bs.audience_screen(
        draft, await _reach(session, draft, settings), await _club_names(session)
    )


async def _summary(session: AsyncSession, draft: Broadcast, settings: Settings) -> screens.Screen:
    return bs.summary(
        draft,
        await _reach(session, draft, settings),
        await _club_names(session),
        settings.send_rate,
    )


async def _options(session: AsyncSession, kind: str) -> list[tuple[str, str]]:
    if kind == "roles":
        return bs.role_options()
    if kind == "languages":
        return bs.language_options()
    if kind == "clubs":
        return [(str(club.id), bs.club_name(club)) for club in await service.clubs(session)]
    if kind == "programme":
        return bs.programme_options()
    return [(str(index), area) for index, area in enumerate(await service.areas(session))]


async def start_wizard(
    query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext, settings: Settings
) -> None:
    """The menu's "Send an announcement" (the menu's own filter refused other roles)."""
    await state.clear()
    await query.answer()
    draft = await service.draft_of(session, user)
    await edit_or_send(query, await _audience_screen(session, draft, settings))


async def _next_version(
    target: Message | CallbackQuery,
    session: AsyncSession,
    draft: Broadcast,
    state: FSMContext,
    settings: Settings,
) -> None:
    """Ask for the next language in the audience without a text, or show the summary."""
    data = await state.get_data()
    skipped = set(data.get("skipped", []))
    reach = await _reach(session, draft, settings)
    wanted = sorted(reach.by_language.items(), key=lambda item: (-item[1], item[0]))
    for language, readers in wanted:
        if not (draft.texts or {}).get(language) and language not in skipped:
            await state.set_state(BroadcastWizard.version)
            await state.update_data(draft=draft.id, language=language)
            await _show(target, bs.ask_version(draft, language, readers))
            return
    await state.clear()
    await _show(target, await _summary(session, draft, settings))


async def _show(target: Message | CallbackQuery, screen: screens.Screen) -> None:
    if isinstance(target, CallbackQuery):
        await edit_or_send(target, screen)
    else:
        await send_screen(target, screen)


async def wizard_button(
    query: CallbackQuery,
    callback_data: BroadcastAction,
    session: AsyncSession,
    state: FSMContext,
    settings: Settings,
    i18n: I18n,
    user: User | None,
    role: Role | None,
) -> None:
    if user is None or role is not Role.COORDINATOR:
        await query.answer(for_reader(screens.not_for_you()), show_alert=True)
        return
    item = await session.get(Broadcast, callback_data.id)
    act = callback_data.act
    if act in ("x", "xy", "xn"):
        await _stop_button(query, session, item, act, user)
        return
    if item is None or item.status != "draft" or item.author_id != user.id:
        await query.answer(
            for_reader(bs.already_sent() if item is not None else screens.stale_button())
        )
        return
    await query.answer()
    if act == "a":
        await state.clear()
        await edit_or_send(query, await _audience_screen(session, item, settings))
    elif act == "k" and callback_data.value in bs.KINDS:
        await _choices(query, session, item, callback_data.value, settings)
    elif act == "t":
        await _toggle(query, session, item, callback_data.value, settings)
    elif act == "e":
        item.audience = Audience().to_json()
        await edit_or_send(query, await _audience_screen(session, item, settings))
    elif act == "w":
        if not (await _reach(session, item, settings)).total:
            await send_screen(query, screens.Screen(bs.nobody()))
            return
        item.texts = {}
        item.source_language = None
        await state.set_state(BroadcastWizard.text)
        await state.update_data(draft=item.id, skipped=[])
        await edit_or_send(query, bs.ask_text(item))
    elif act == "src" and callback_data.value in SUPPORTED_LANGUAGES:
        texts = dict(item.texts or {})
        text = texts.pop(item.source_language or "", "")
        texts[callback_data.value] = text
        item.texts = texts
        item.source_language = callback_data.value
        await _next_version(query, session, item, state, settings)
    elif act == "sk":
        data = await state.get_data()
        await state.update_data(skipped=[*data.get("skipped", []), callback_data.value])
        await _next_version(query, session, item, state, settings)
    elif act in ("s", "sa"):
        await state.clear()
        await edit_or_send(query, await _summary(session, item, settings))
    elif act == "u":
        item.urgent = not item.urgent
        await edit_or_send(query, await _summary(session, item, settings))
    elif act == "p":
        await _preview(query, session, item, callback_data.value, settings, i18n)
    elif act == "go":
        await _send(query, session, item, settings, user)
    elif act == "q":
        await state.clear()
        service.discard(item)
        await edit_or_send(query, screens.Screen(bs.discarded()))


async def _choices(
    query: CallbackQuery, session: AsyncSession, item: Broadcast, kind: str, settings: Settings
) -> None:
    options = await _options(session, kind)
    await edit_or_send(
        query, bs.choices_screen(item, kind, options, await _reach(session, item, settings))
    )


async def _toggle(
    query: CallbackQuery, session: AsyncSession, item: Broadcast, value: str, settings: Settings
) -> None:
    """Choose or unchoose one segment (r.parent, l.ar, c.3, a.<area index>, p.waiting)."""
    letter, _, choice = value.partition(".")
    kind = {"r": "roles", "l": "languages", "c": "clubs", "a": "areas", "p": "programme"}.get(
        letter
    )
    options = dict(await _options(session, kind)) if kind else {}
    if kind is None or choice not in options:
        await edit_or_send(query, await _audience_screen(session, item, settings))
        return
    audience = Audience.from_json(item.audience)
    picked: str | int = choice
    if kind == "clubs":
        picked = int(choice)
    elif kind == "areas":
        picked = options[choice]
    item.audience = audience.toggled(kind, picked).to_json()
    await _choices(query, session, item, kind, settings)


async def _preview(
    query: CallbackQuery,
    session: AsyncSession,
    item: Broadcast,
    language: str,
    settings: Settings,
    i18n: I18n,
) -> None:
    """The announcement exactly as the readers of one language will see it; the buttons
    switch language (edited in place: no burst of messages)."""
    reach = await _reach(session, item, settings)
    if not reach.by_language:
        await edit_or_send(query, await _summary(session, item, settings))
        return
    if language not in reach.by_language:
        language = next(iter(reach.by_language))
    texts = item.texts or {}
    text = texts.get(version_for(language, texts, item.source_language or "en"), "")
    with i18n.use_locale(language):
        seen = for_reader(bs.announcement(text, item.urgent))
    await edit_or_send(query, bs.preview(item, language, reach, seen))


async def _send(
    query: CallbackQuery, session: AsyncSession, item: Broadcast, settings: Settings, user: User
) -> None:
    now = utcnow()
    total = await service.start(session, item, settings.coordinator_ids, now)
    if total is None:
        await send_screen(query, screens.Screen(bs.already_sent()))
        return
    audit.record(
        session,
        user,
        "broadcast_sent",
        f"broadcast {item.id}",
        recipients=total,
        audience=item.audience,
        languages=sorted(item.texts or {}),
        urgent=item.urgent,
    )
    state = await service.progress(session, item, now)
    screen = bs.progress(item, state, settings.send_rate)
    if query.message is not None:
        item.progress_chat_id = query.message.chat.id
        item.progress_message_id = query.message.message_id
        item.progress_text = for_reader(screen.text)
    await session.commit()  # the outbox rows must be there before the sender looks
    await edit_or_send(query, screen)


async def _stop_button(
    query: CallbackQuery, session: AsyncSession, item: Broadcast | None, act: str, user: User
) -> None:
    if item is None or item.status != "sending":
        await query.answer(for_reader(screens.stale_button()))
        return
    await query.answer()
    if act == "x":
        state = await service.progress(session, item, utcnow())
        await send_screen(query, bs.confirm_stop(item, state.open))
    elif act == "xn":
        await edit_or_send(query, screens.Screen(bs.going_on()))
    else:
        dropped = await service.cancel(session, item, utcnow())
        audit.record(session, user, "broadcast_stopped", f"broadcast {item.id}", dropped=dropped)
        await edit_or_send(query, screens.Screen(bs.stopped(dropped or 0)))


async def text_written(
    message: Message,
    session: AsyncSession,
    state: FSMContext,
    settings: Settings,
    user: User | None,
    role: Role | None,
) -> None:
    """The announcement's first text, or its version in the language asked for."""
    data = await state.get_data()
    item = await session.get(Broadcast, int(data.get("draft", 0)))
    if user is None or role is not Role.COORDINATOR or item is None or item.author_id != user.id:
        await state.clear()
        await send_screen(message, screens.Screen(screens.not_for_you()))
        return
    if item.status != "draft":
        await state.clear()
        await send_screen(message, screens.Screen(bs.already_sent()))
        return
    text = (message.text or "").strip()
    if len(text) > service.MAX_TEXT:
        await send_screen(message, screens.Screen(bs.too_long(len(text))))
        return
    if await state.get_state() == BroadcastWizard.text.state:
        item.source_language = user.language
        service.set_text(item, user.language, text)
        await state.set_state(None)
        await send_screen(message, bs.ask_source_language(item))
        return
    service.set_text(item, str(data.get("language")), text)
    await _next_version(message, session, item, state, settings)


async def not_text(message: Message) -> None:
    await send_screen(message, screens.Screen(bs.text_only()))


async def stop_command(message: Message, session: AsyncSession, user: User | None) -> None:
    """/stop: no more announcements (reminders and answers still come)."""
    if user is None or user.consent_at is None:
        await send_screen(message, screens.Screen(screens.send_start()))
        return
    if user.muted_at is None:
        user.muted_at = utcnow()
    await send_screen(message, bs.muted())


async def announcements_entry(query: CallbackQuery, user: User | None) -> None:
    await query.answer()
    if user is not None:
        await edit_or_send(query, bs.announcements_setting(user.muted_at is not None))


async def mute_choice(query: CallbackQuery, callback_data: MuteChoice, user: User | None) -> None:
    await query.answer()
    if user is None or user.consent_at is None:
        await send_screen(query, screens.Screen(screens.send_start()))
        return
    user.muted_at = (user.muted_at or utcnow()) if callback_data.mute else None
    if callback_data.mute:
        await edit_or_send(query, bs.muted())
    else:
        await edit_or_send(query, screens.Screen(bs.unmuted()))


def build_router() -> Router:
    router = Router(name="broadcasts")
    router.message.filter(Magic(F.chat.type == "private"))
    router.callback_query.register(start_wizard, MenuAction.filter(F.entry == "broadcast"))
    router.callback_query.register(wizard_button, BroadcastAction.filter())
    router.message.register(stop_command, Command("stop"))
    router.callback_query.register(
        announcements_entry, MenuAction.filter(F.entry == "announcements")
    )
    router.callback_query.register(mute_choice, MuteChoice.filter())
    writing = StateFilter(BroadcastWizard.text, BroadcastWizard.version)
    router.message.register(text_written, writing, Magic(F.text), Magic(~F.text.startswith("/")))
    router.message.register(not_text, writing, Magic(~F.text))
    return router
