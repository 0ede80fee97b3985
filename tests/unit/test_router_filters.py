"""Every handler and filter of the bot runs in the event loop: aiogram sends any plain callable
(a magic filter too) through a worker thread, a hop per check (bot/telegram/magic.py)."""

from __future__ import annotations

from aiogram import Router

from bot.telegram.routers import all_routers


def _walk(router: Router) -> list[Router]:
    found = [router]
    for child in router.sub_routers:
        found += _walk(child)
    return found


def test_no_handler_or_filter_hops_to_a_thread() -> None:
    hopping: list[str] = []
    for top in all_routers():
        for router in _walk(top):
            for name, observer in router.observers.items():
                for handler in observer.handlers:
                    where = f"{router.name}.{name}.{getattr(handler.callback, '__name__', handler.callback)}"
                    if not handler.awaitable:
                        hopping.append(where)
                    hopping += [
                        f"{where}: {item.callback!r}"
                        for item in handler.filters or []
                        if not item.awaitable
                    ]
                hopping += [
                    f"{router.name}.{name} (router filter)"
                    for item in observer._handler.filters or []
                    if not item.awaitable
                ]
    assert hopping == [], "wrap magic filters in bot.telegram.magic.Magic"
