"""Where a flow's `submit` step hands its answers: one handler per form name, registered by the
feature that owns the form (e.g. the buddy programme registers `buddy_signup`). The flow engine
stays generic; a form without a handler is logged and its answers stay in the conversation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import User
from bot.domain.flows.runtime import Submitted

log = structlog.get_logger("silta.forms")

# A handler gets the answers and the first name Telegram shows for the person (some forms
# keep it, e.g. so that a buddy and a family know each other by name).
FormHandler = Callable[[AsyncSession, User, Submitted, str], Awaitable[None]]
_HANDLERS: dict[str, FormHandler] = {}


def form(name: str) -> Callable[[FormHandler], FormHandler]:
    """Register the handler of one form (at import time)."""

    def register(handler: FormHandler) -> FormHandler:
        if name in _HANDLERS:
            raise ValueError(f"a handler for the form {name!r} exists already")
        _HANDLERS[name] = handler
        return handler

    return register


async def submit(session: AsyncSession, user: User, submitted: Submitted, name: str = "") -> None:
    handler = _HANDLERS.get(submitted.form)
    if handler is None:
        log.error("form_without_handler", form=submitted.form, flow=submitted.flow_id)
        return
    await handler(session, user, submitted, name)
