"""Retries for the Bot API calls that aiogram makes, since aiogram itself never retries.

- 429 Too Many Requests: wait `retry_after` seconds, then send again.
- 5xx and network errors: retry with exponential backoff and jitter.
- 403 Forbidden (the user blocked the bot): no retry; the user is marked unreachable.
Long polling (getUpdates) has its own backoff in aiogram and is left alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

log = structlog.get_logger("silta.api")

OnBlocked = Callable[[int], Awaitable[None]]


class _RetryWait:
    """Honour Telegram's retry_after on 429; back off exponentially otherwise."""

    def __init__(self, initial: float, maximum: float) -> None:
        self.backoff = wait_exponential_jitter(multiplier=initial, max=maximum)

    def __call__(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, TelegramRetryAfter):
            return float(error.retry_after)
        return float(self.backoff(state))


class ApiRetryMiddleware(BaseRequestMiddleware):
    """Client-session middleware: retry what can succeed later, report blocked users."""

    def __init__(
        self,
        on_blocked: OnBlocked | None = None,
        max_attempts: int = 5,
        initial_backoff: float = 0.5,
        max_backoff: float = 30.0,
    ) -> None:
        self.on_blocked = on_blocked
        self.max_attempts = max_attempts
        self.wait = _RetryWait(initial_backoff, max_backoff)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if method.__api_method__ == GetUpdates.__api_method__:
            return await make_request(bot, method)
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(
                    (TelegramRetryAfter, TelegramServerError, TelegramNetworkError)
                ),
                wait=self.wait,
                stop=stop_after_attempt(self.max_attempts),
                before_sleep=_log_retry(method),
                reraise=True,
            ):
                with attempt:
                    return await make_request(bot, method)
        except TelegramForbiddenError:
            chat_id = _chat_id(method)
            log.info("user_unreachable", method=method.__api_method__, chat_id=chat_id)
            if chat_id is not None and self.on_blocked is not None:
                await self.on_blocked(chat_id)
            raise
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover


def _chat_id(method: TelegramMethod[Any]) -> int | None:
    value = getattr(method, "chat_id", None)
    return value if isinstance(value, int) and value > 0 else None


def _log_retry(method: TelegramMethod[Any]) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "api_retry",
            method=method.__api_method__,
            attempt=state.attempt_number,
            error=type(error).__name__,
            wait_s=round(state.upcoming_sleep, 2),
        )

    return before_sleep
