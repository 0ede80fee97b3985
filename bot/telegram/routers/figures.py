"""Programme figures for coordinators: `/stats` and the menu's "Programme figures" show them
as text, with the charts (PNG) and a spreadsheet file (CSV) a tap away. Every entry checks
the role on the server side."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.models import User, utcnow
from bot.domain.languages import is_rtl
from bot.domain.roles import Role
from bot.i18n.text import for_reader
from bot.services import figure_charts
from bot.services.figure_csv import figures_csv
from bot.services.figures import Figures, collect
from bot.services.flows import FlowLibrary
from bot.telegram import figure_screens, screens
from bot.telegram.broadcast_screens import language_name
from bot.telegram.callbacks import FiguresAction, MenuAction
from bot.telegram.magic import Magic
from bot.telegram.replies import send_screen


async def _show(
    target: Message | CallbackQuery,
    session: AsyncSession,
    settings: Settings,
    library: FlowLibrary,
) -> None:
    figures = await collect(session, settings.coordinator_ids, utcnow())
    await send_screen(target, figure_screens.figures_screen(figures, library.flows))


async def stats_command(
    message: Message,
    session: AsyncSession,
    settings: Settings,
    flow_library: FlowLibrary,
    role: Role | None,
) -> None:
    if role is not Role.COORDINATOR:
        await send_screen(message, screens.Screen(screens.not_for_you()))
        return
    await _show(message, session, settings, flow_library)


async def figures_entry(
    query: CallbackQuery, session: AsyncSession, settings: Settings, flow_library: FlowLibrary
) -> None:
    """The menu entry (the menu's refusal filter checked the role)."""
    await query.answer()
    await _show(query, session, settings, flow_library)


def charts(figures: Figures, library: FlowLibrary, i18n: I18n, locale: str) -> list[bytes]:
    """The charts in the reader's language (English for right-to-left readers: matplotlib
    does not join Arabic-script letters)."""
    drawn_in = "en" if is_rtl(locale) else locale
    with i18n.use_locale(drawn_in):
        words = figure_screens.chart_titles()

        def guide(flow_id: str) -> str:
            flow = library.flows.get(flow_id)
            return i18n.gettext(flow.title) if flow is not None else flow_id

        images = [
            figure_charts.people_chart(
                figures,
                words,
                lambda code: language_name(code, drawn_in),
                lambda role: figure_screens.role_label(role),
            ),
            figure_charts.guides_chart(figures, words, guide),
            figure_charts.broadcasts_chart(figures, words),
            figure_charts.checkins_chart(figures, words, figure_screens.checkin_answer_label),
        ]
    return [image for image in images if image is not None]


async def figures_file(
    query: CallbackQuery,
    callback_data: FiguresAction,
    session: AsyncSession,
    settings: Settings,
    flow_library: FlowLibrary,
    i18n: I18n,
    user: User | None,
    role: Role | None,
) -> None:
    if user is None or role is not Role.COORDINATOR:
        await query.answer(for_reader(screens.not_for_you()), show_alert=True)
        return
    await query.answer()
    if query.message is None or query.bot is None:
        return
    chat_id = query.message.chat.id
    figures = await collect(session, settings.coordinator_ids, utcnow())
    day = figures.generated_at.date().isoformat()
    if callback_data.act == "csv":
        data = figures_csv(figures).encode("utf-8-sig")
        await query.bot.send_document(
            chat_id,
            BufferedInputFile(data, filename=f"silta-figures-{day}.csv"),
            caption=for_reader(figure_screens.csv_caption()),
        )
        return
    images = charts(figures, flow_library, i18n, user.language)
    for index, image in enumerate(images):
        await query.bot.send_photo(
            chat_id,
            BufferedInputFile(image, filename=f"silta-figures-{day}-{index + 1}.png"),
            caption=for_reader(figure_screens.charts_caption()) if index == 0 else None,
        )


def build_router() -> Router:
    router = Router(name="figures")
    router.message.filter(Magic(F.chat.type == "private"))
    router.message.register(stats_command, Command("stats"))
    router.callback_query.register(figures_entry, MenuAction.filter(F.entry == "figures"))
    router.callback_query.register(figures_file, FiguresAction.filter())
    return router
