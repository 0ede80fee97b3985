"""Routers in the order they are asked: specific ones first, the fallback last."""

from __future__ import annotations

from aiogram import Router

from bot.telegram.routers import (
    account,
    broadcasts,
    buddies,
    buddy_admin,
    club_wizard,
    clubs,
    fallback,
    figures,
    flows,
    inbox,
    invites,
    membership,
    menu,
    onboarding,
    replies_to_programme,
)


def all_routers() -> list[Router]:
    """Fresh routers for one dispatcher; later features insert theirs before the fallback."""
    return [
        membership.build_router(),
        menu.build_router(),
        invites.build_router(),
        inbox.build_router(),
        broadcasts.build_router(),
        figures.build_router(),
        buddy_admin.build_router(),
        buddies.build_router(),
        club_wizard.build_router(),
        clubs.build_router(),
        flows.build_router(),
        onboarding.build_router(),
        account.build_router(),
        replies_to_programme.build_router(),
        fallback.build_router(),
    ]
