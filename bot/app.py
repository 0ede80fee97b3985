"""Assemble the bot: database, translations, Bot, Dispatcher, middlewares and routers."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import ErrorEvent, LinkPreviewOptions
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.db.inline_sqlite import checkpoint
from bot.db.migrate import upgrade
from bot.db.models import utcnow
from bot.db.session import create_engine, create_session_factory, sqlite_file
from bot.delivery import messages  # noqa: F401  (registers the outbox renderers)
from bot.delivery.progress import BroadcastProgress
from bot.delivery.sender import Sender
from bot.i18n.core import SiltaI18n
from bot.i18n.text import for_reader
from bot.scheduler.setup import build_scheduler, plan_once
from bot.services import buddies  # noqa: F401  (registers the buddy programme's forms)
from bot.services.flows import FlowLibrary
from bot.services.users import set_reachable
from bot.telegram import screens
from bot.telegram.api_retry import ApiRetryMiddleware
from bot.telegram.api_session import KeepingSession
from bot.telegram.bot_profile import publish_profile
from bot.telegram.middlewares.db import CommitBeforeRequest, DbSessionMiddleware
from bot.telegram.middlewares.locale import LocaleMiddleware
from bot.telegram.middlewares.logging import UpdateLogMiddleware
from bot.telegram.middlewares.user import UserMiddleware
from bot.telegram.routers import all_routers

log = structlog.get_logger("silta.app")
PUBLISH_AFTER = 1.0  # seconds after polling begins that the commands are published


@dataclass
class SiltaApp:
    """Everything one running bot holds; `close()` releases it."""

    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    i18n: SiltaI18n
    bot: Bot
    dispatcher: Dispatcher
    sender: Sender
    progress: BroadcastProgress
    clock: Callable[[], datetime] = utcnow
    scheduler: AsyncIOScheduler | None = None

    def set_clock(self, clock: Callable[[], datetime]) -> None:
        """Use another clock for the jobs and the sender (tests move time by hand)."""
        self.clock = clock
        self.sender.clock = clock
        self.progress.clock = clock

    async def tick(self) -> int:
        """One round of the periodic jobs now: plan what is due, send it, show progress."""
        await plan_once(
            self.session_factory,
            self.clock,
            self.settings.quiet,
            self.settings.coordinator_ids,
            self.settings.rhythm,
        )
        sent = await self.sender.drain()
        await self.progress.update()
        return sent

    def start_background(self) -> None:
        """Start the periodic jobs (planning into the outbox, sending from it)."""
        if self.scheduler is None and self.settings.scheduler:
            self.scheduler = build_scheduler(
                self.session_factory,
                self.sender,
                lambda: self.clock(),
                self.settings.quiet,
                self.settings.coordinator_ids,
                self.settings.rhythm,
                progress=self.progress.update,
                checkpoint=self.checkpoint if sqlite_file(self.engine) else None,
            )
            self.scheduler.start()

    async def finish_updates(self, timeout: float = 15.0) -> None:
        """Let the updates being handled finish (and commit) before the database closes.

        aiogram stops polling without waiting for the handlers it started as tasks, and keeps
        them only in a private set; without this a tap made just before a restart is lost."""
        tasks = list(getattr(self.dispatcher, "_handle_update_tasks", ()))
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

    async def stop_background(self) -> None:
        """Stop the jobs; a drain under way finishes its calls and gives back the rest."""
        if self.scheduler is not None:
            # Let the drain under way finish its calls first: APScheduler's shutdown cancels
            # running jobs, which would leave rows mid-call (in doubt) for nothing.
            self.sender.stop()
            await self.sender.wait_idle()
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
            self.sender.resume()

    async def checkpoint(self) -> None:
        """Move SQLite's write-ahead log into the database (bot/db/inline_sqlite.py)."""
        database = sqlite_file(self.engine)
        if database is not None:
            await checkpoint(database)

    async def prepare(self, publish: bool = True) -> None:
        """Migrate the database and (unless `publish` is False: `run_polling` does it then)
        publish commands and descriptions in every language."""
        await upgrade(self.engine)
        if publish:
            await self.publish_profile()

    async def publish_profile(self) -> None:
        """setMyCommands / setMyDescription in every language; a failure is logged, not fatal
        (Telegram keeps the last published profile)."""
        try:
            await publish_profile(self.bot, self.i18n, self.settings.default_locale)
        except Exception as error:
            log.warning("profile_not_published", error=type(error).__name__)

    async def _publish_soon(self) -> None:
        """Publish once polling is under way: its first calls (getMe, getUpdates) go first."""
        await asyncio.sleep(PUBLISH_AFTER)
        await self.publish_profile()

    async def run_polling(self, publish: bool = False) -> None:
        """Long polling until stopped (SIGINT/SIGTERM or `dispatcher.stop_polling()`).

        With `publish`, the commands and descriptions are published while polling has already
        begun: some 40 calls a person never waits for, so a restart answers sooner."""
        allowed = self.dispatcher.resolve_used_update_types()
        log.info("polling", api=self.settings.telegram_api_url, database=self.engine.dialect.name)
        self.start_background()
        publishing = asyncio.create_task(self._publish_soon()) if publish else None
        asyncio.get_running_loop().call_later(1.0, _freeze_startup_objects)
        try:
            await self.dispatcher.start_polling(
                self.bot, allowed_updates=allowed, handle_signals=True, close_bot_session=False
            )
        finally:
            if publishing is not None:
                publishing.cancel()
                await asyncio.gather(publishing, return_exceptions=True)
            await self.finish_updates()
            await self.stop_background()
            await self.bot.session.close()

    async def close(self) -> None:
        await self.stop_background()
        await self.bot.session.close()
        await self.sender.bot.session.close()
        await self.engine.dispose()


def _freeze_startup_objects() -> None:
    """Collect once, then keep everything built at start-up out of later garbage collections.

    aiogram's types, SQLAlchemy's mappers and the flows are a quarter of a million objects
    that live as long as the process; a full collection walks them all (about 170 ms), and
    under load one came every few seconds and held up every answer in flight (the p99 of
    bench/interactive.py). Frozen, a collection looks only at what came later."""
    gc.collect()
    gc.freeze()


def build_app(settings: Settings, token: str) -> SiltaApp:
    """Wire one bot against the Bot API server and database the settings name."""
    engine = create_engine(settings.database_url)
    session_factory = create_session_factory(engine)
    i18n = SiltaI18n(path=settings.locales_dir, default_locale=settings.default_locale)

    async def mark_unreachable(chat_id: int) -> None:
        async with session_factory() as session:
            await set_reachable(session, chat_id, False)
            await session.commit()

    session = KeepingSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(CommitBeforeRequest())  # once per call, before any retry
    session.middleware(
        ApiRetryMiddleware(on_blocked=mark_unreachable, max_attempts=settings.api_max_retries)
    )
    bot = Bot(
        token=token,
        session=session,
        default=DefaultBotProperties(link_preview=LinkPreviewOptions(is_disabled=True)),
    )

    # One update at a time per user: a quick second tap waits for the first one's commit.
    dispatcher = Dispatcher(events_isolation=SimpleEventIsolation())
    dispatcher.update.outer_middleware(UpdateLogMiddleware())
    dispatcher.update.outer_middleware(DbSessionMiddleware(session_factory))
    dispatcher.update.outer_middleware(UserMiddleware(settings))
    LocaleMiddleware(i18n).setup(dispatcher)
    dispatcher["flow_library"] = FlowLibrary.load(settings.flows_dir, settings.cache_dir)
    dispatcher["rhythm"] = settings.rhythm
    dispatcher.include_routers(*all_routers())
    dispatcher.errors.register(_on_error)
    # The sender has a Bot of its own, without the retrying middleware: it decides itself what
    # a 429, a 5xx or a 403 means for the whole outbox.
    sender_bot = Bot(
        token=token,
        session=KeepingSession(api=TelegramAPIServer.from_base(settings.telegram_api_url)),
        default=DefaultBotProperties(link_preview=LinkPreviewOptions(is_disabled=True)),
    )
    sender = Sender(
        session_factory,
        sender_bot,
        i18n,
        per_second=settings.send_rate,
        per_chat_per_second=settings.send_rate_per_chat,
        max_attempts=settings.send_max_attempts,
        quiet=settings.quiet,
    )
    progress = BroadcastProgress(
        session_factory, sender_bot, i18n, sender.limits, utcnow, settings.send_rate
    )
    dispatcher["progress"] = progress
    return SiltaApp(settings, engine, session_factory, i18n, bot, dispatcher, sender, progress)


async def _on_error(event: ErrorEvent, bot: Bot, **data: Any) -> bool:
    """Log the failure (no user text) and tell the user, in their language, to try again."""
    error = event.exception
    if isinstance(error, TelegramForbiddenError):
        return True  # the user blocked the bot; ApiRetryMiddleware already recorded it
    log.error(
        "handler_failed",
        update_id=event.update.update_id,
        error=type(error).__name__,
        exc_info=error,
    )
    chat = None
    if event.update.message is not None:
        chat = event.update.message.chat.id
    elif (
        event.update.callback_query is not None and event.update.callback_query.message is not None
    ):
        chat = event.update.callback_query.message.chat.id
    i18n: SiltaI18n | None = data.get("i18n")
    if chat is not None and i18n is not None:
        user = data.get("user")
        locale = getattr(user, "language", None) or i18n.default_locale
        try:
            with i18n.context(), i18n.use_locale(locale):
                text = for_reader(screens.something_went_wrong())
            await bot.send_message(chat, text)
        except Exception as send_error:  # the API may be the thing that failed
            log.warning("error_reply_failed", error=type(send_error).__name__)
    return True
