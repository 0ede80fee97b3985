"""The coordinators' inbox: requests for a person from the guides. A coordinator takes one,
answers through the bot (the answer reaches the person as a message from the programme, through
the outbox), and closes it; requests left unanswered for a day are reminded to coordinators."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import HandoffRequest, User
from bot.delivery.outbox import Planned, enqueue

WAITING = ("open", "taken")
REMIND_AFTER = timedelta(hours=24)


async def waiting(session: AsyncSession) -> list[HandoffRequest]:
    """Requests not answered yet, oldest first."""
    rows = await session.execute(
        select(HandoffRequest)
        .where(HandoffRequest.status.in_(WAITING))
        .order_by(HandoffRequest.created_at, HandoffRequest.id)
    )
    return list(rows.scalars())


async def count_waiting(session: AsyncSession) -> int:
    result = await session.execute(select(func.count()).where(HandoffRequest.status.in_(WAITING)))
    return int(result.scalar_one())


def take(item: HandoffRequest, coordinator: User) -> None:
    item.status = "taken"
    item.taken_by = coordinator.id


async def reply(
    session: AsyncSession, item: HandoffRequest, coordinator: User, text: str, now: datetime
) -> None:
    """Send the coordinator's answer to the person (as a message from the programme)."""
    item.taken_by = coordinator.id
    item.status = "answered"
    item.answered_at = now
    await enqueue(
        session,
        [
            Planned(
                key=f"handoff_reply:{item.id}:{now.isoformat()}",
                purpose="handoff_reply",
                user_id=item.user_id,
                payload={"kind": "handoff_reply", "request": item.id, "text": text},
                not_before=now,
            )
        ],
    )


def close(item: HandoffRequest, now: datetime) -> None:
    item.status = "closed"
    item.closed_at = now


async def remind_coordinators(
    session: AsyncSession, now: datetime, coordinator_ids: frozenset[int]
) -> int:
    """Once a day, tell every coordinator how many requests wait longer than a day."""
    old = await session.execute(
        select(func.count()).where(
            HandoffRequest.status.in_(WAITING), HandoffRequest.created_at < now - REMIND_AFTER
        )
    )
    count = int(old.scalar_one())
    if not count:
        return 0
    coordinators = await session.execute(
        select(User).where(
            or_(User.telegram_id.in_(coordinator_ids), User.role == "coordinator"),
            User.is_active.is_(True),
        )
    )
    planned = [
        Planned(
            key=f"inbox_reminder:{user.id}:{now:%Y-%m-%d}",
            purpose="inbox_reminder",
            user_id=user.id,
            payload={"kind": "inbox_reminder", "count": count},
            not_before=now,
        )
        for user in coordinators.scalars()
    ]
    return await enqueue(session, planned)


REPLY_WINDOW = timedelta(days=14)


async def conversation_open(
    session: AsyncSession, user: User, now: datetime
) -> HandoffRequest | None:
    """The person's request a coordinator answered lately: what they write next belongs to it."""
    rows = await session.execute(
        select(HandoffRequest)
        .where(
            HandoffRequest.user_id == user.id,
            HandoffRequest.status == "answered",
            HandoffRequest.answered_at >= now - REPLY_WINDOW,
        )
        .order_by(HandoffRequest.answered_at.desc())
        .limit(1)
    )
    return rows.scalar_one_or_none()


async def person_replied(
    session: AsyncSession, item: HandoffRequest, text: str, now: datetime
) -> None:
    """Keep the person's reply with the request, put it back in the inbox, tell whoever took it."""
    replies = list(item.context.get("replies") or [])
    replies.append({"at": now.isoformat(), "text": text})
    item.context = {**item.context, "replies": replies}
    item.status = "taken" if item.taken_by is not None else "open"
    if item.taken_by is None:
        return
    await enqueue(
        session,
        [
            Planned(
                key=f"request_reply:{item.id}:{len(replies)}",
                purpose="request_reply",
                user_id=item.taken_by,
                payload={
                    "kind": "request_reply",
                    "request": item.id,
                    "name": item.context.get("name") or "",
                    "text": text,
                },
                not_before=now,
            )
        ],
    )
