"""A buddy match once a coordinator approved it: the introductions to both sides, messages
relayed between them, contact details shared when both agree, the check-ins and their alerts,
and the end (by either side, a coordinator, or offered after the programme length).

Everything the two sides receive leaves through the outbox, rendered in each reader's own
language when it is sent (bot/delivery/messages/buddies.py). Alerts go to the coordinators'
inbox as requests for a person with the topic `buddy_alert`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    BuddyMatch,
    BuddyProfile,
    BuddyRequest,
    CheckIn,
    HandoffRequest,
    User,
    as_utc,
)
from bot.delivery.outbox import Planned, enqueue
from bot.domain.buddies.rhythm import ALERTING_ANSWERS, BUDDY_ANSWERS, FAMILY_ANSWERS, Rhythm

Side = Literal["buddy", "family"]
ENDED_BY = ("buddy", "family", "coordinator", "programme")
LOOKAHEAD = timedelta(minutes=5)
# A check-in question is worth answering until about the next one; later it is not sent.
CHECKIN_USEFUL = timedelta(days=6)
MAX_RELAYED = 3500


@dataclass(frozen=True)
class Seat:
    """One side of a match as the other side sees it."""

    match: BuddyMatch
    side: Side  # the side of the person looking
    other: User
    other_name: str


async def names(session: AsyncSession, match: BuddyMatch) -> tuple[str, str]:
    """The names the buddy and the family go by (their first names when they joined)."""
    buddy = await session.execute(
        select(BuddyProfile.name).where(BuddyProfile.user_id == match.buddy_id)
    )
    family = await session.execute(
        select(BuddyRequest.name).where(BuddyRequest.id == match.request_id)
    )
    return buddy.scalar_one_or_none() or "", family.scalar_one_or_none() or ""


def side_of(match: BuddyMatch, user: User) -> Side | None:
    if user.id == match.buddy_id:
        return "buddy"
    if user.id == match.family_id:
        return "family"
    return None


def other_id(match: BuddyMatch, side: Side) -> int:
    return match.family_id if side == "buddy" else match.buddy_id


async def seats(session: AsyncSession, user: User) -> list[Seat]:
    """The person's running matches (a buddy may have several families), oldest first."""
    rows = await session.execute(
        select(BuddyMatch)
        .where(
            BuddyMatch.status == "active",
            or_(BuddyMatch.buddy_id == user.id, BuddyMatch.family_id == user.id),
        )
        .order_by(BuddyMatch.decided_at, BuddyMatch.id)
    )
    found = []
    for match in rows.scalars():
        seat = await seat_of(session, match, user)
        if seat is not None:
            found.append(seat)
    return found


async def seat_of(session: AsyncSession, match: BuddyMatch, user: User) -> Seat | None:
    """The person's seat in this match, or None when it is not theirs."""
    side = side_of(match, user)
    if side is None:
        return None
    other = await session.get(User, other_id(match, side))
    if other is None:
        return None
    buddy_name, family_name = await names(session, match)
    return Seat(match, side, other, family_name if side == "buddy" else buddy_name)


def _note(match: BuddyMatch, side: Side, kind: str, now: datetime, **extra: object) -> Planned:
    user_id = match.buddy_id if side == "buddy" else match.family_id
    suffix = extra.pop("key", "")
    return Planned(
        key=f"{kind}:{match.id}:{side}{suffix}",
        purpose=kind,
        user_id=user_id,
        payload={"kind": kind, "match": match.id, "side": side, **extra},
        not_before=now,
    )


async def introduce(session: AsyncSession, match: BuddyMatch, now: datetime) -> None:
    """Both sides hear of each other, each in their own language (rendered when sent)."""
    await enqueue(
        session,
        [_note(match, "buddy", "buddy_intro", now), _note(match, "family", "buddy_intro", now)],
    )


def start(match: BuddyMatch, now: datetime, rhythm: Rhythm) -> None:
    """An approved match begins: its first check-ins are planned."""
    match.next_buddy_checkin, match.next_family_checkin = rhythm.first_checkins(now)


async def relay(
    session: AsyncSession, seat: Seat, text: str, name: str, message_id: int, now: datetime
) -> None:
    """Pass a message to the other side, with the writer's name and nothing else of theirs.
    Keyed by the Telegram message, so a repeated update is relayed once."""
    await enqueue(
        session,
        [
            Planned(
                key=f"buddy_relay:{seat.match.id}:{seat.side}:{message_id}",
                purpose="buddy_relay",
                user_id=seat.other.id,
                payload={
                    "kind": "buddy_relay",
                    "match": seat.match.id,
                    "side": "family" if seat.side == "buddy" else "buddy",
                    "name": name[:64],
                    "text": text[:MAX_RELAYED],
                },
                not_before=now,
            )
        ],
    )


async def share_contact(session: AsyncSession, seat: Seat, now: datetime) -> bool:
    """This side agrees to share contact details; True when both have agreed (and both now get
    the other's), False while the other side has not agreed yet."""
    match = seat.match
    if seat.side == "buddy":
        match.buddy_shares_contact = True
    else:
        match.family_shares_contact = True
    if not (match.buddy_shares_contact and match.family_shares_contact):
        return False
    await enqueue(
        session,
        [_note(match, "buddy", "buddy_contact", now), _note(match, "family", "buddy_contact", now)],
    )
    return True


async def close(session: AsyncSession, match: BuddyMatch, ended_by: str, now: datetime) -> bool:
    """End a match (no fault on either side): both hear of it with the closing survey, the
    family can ask for a new buddy. False when it had ended already."""
    if ended_by not in ENDED_BY:
        raise ValueError(f"unknown closer {ended_by!r}")
    result = await session.execute(
        update(BuddyMatch)
        .where(BuddyMatch.id == match.id, BuddyMatch.status == "active")
        .values(status="closed", ended_at=now, ended_by=ended_by)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.refresh(match)
    request = await session.get(BuddyRequest, match.request_id)
    if request is not None and request.status == "matched":
        request.status = "closed"
    await enqueue(
        session,
        [
            _note(match, "buddy", "buddy_closed", now, by=ended_by),
            _note(match, "family", "buddy_closed", now, by=ended_by),
        ],
    )
    return True


# --- check-ins ---------------------------------------------------------------------------------


async def _ask(session: AsyncSession, match: BuddyMatch, who: Side, due: datetime) -> Planned:
    checkin = CheckIn(match_id=match.id, who=who, due_at=due)
    session.add(checkin)
    await session.flush()
    kind = "buddy_checkin" if who == "buddy" else "family_checkin"
    return Planned(
        key=f"{kind}:{checkin.id}",
        purpose=kind,
        user_id=match.buddy_id if who == "buddy" else match.family_id,
        payload={"kind": kind, "match": match.id, "checkin": checkin.id},
        not_before=due,
        expires_at=due + CHECKIN_USEFUL,
    )


async def _moved(
    session: AsyncSession, match: BuddyMatch, column: str, old: datetime | None, new: datetime
) -> bool:
    """Move a match's next check-in time from `old` to `new` unless another planner did it
    first (two processes planning at once ask once)."""
    field = getattr(BuddyMatch, column)
    result = await session.execute(
        update(BuddyMatch)
        .where(BuddyMatch.id == match.id, field == old)
        .values({column: new})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def plan_due(session: AsyncSession, now: datetime, rhythm: Rhythm) -> int:
    """Every running match: ask the check-ins that are due, alert coordinators of check-ins
    left unanswered, and offer a close after the programme length. Returns messages planned."""
    soon = now + LOOKAHEAD
    rows = await session.execute(
        select(BuddyMatch).where(
            BuddyMatch.status == "active",
            or_(
                BuddyMatch.next_buddy_checkin <= soon,
                BuddyMatch.next_family_checkin <= soon,
                and_(
                    BuddyMatch.close_offered_at.is_(None),
                    BuddyMatch.decided_at <= now - rhythm.programme,
                ),
            ),
        )
    )
    planned: list[Planned] = []
    for match in rows.scalars().all():
        planned += await _plan_match(session, match, now, rhythm)
    await enqueue(session, planned)
    return len(planned)


async def _plan_match(
    session: AsyncSession, match: BuddyMatch, now: datetime, rhythm: Rhythm
) -> list[Planned]:
    planned: list[Planned] = []
    soon = now + LOOKAHEAD
    due = match.next_buddy_checkin
    if due is not None and as_utc(due) <= soon:
        following = as_utc(due) + rhythm.gap_after(match.buddy_checkins_sent + 1)
        if await _moved(session, match, "next_buddy_checkin", due, max(following, now)):
            await session.refresh(match)
            await _count_unanswered(session, match, rhythm, now)
            match.buddy_checkins_sent += 1
            planned.append(await _ask(session, match, "buddy", as_utc(due)))
    due = match.next_family_checkin
    if due is not None and as_utc(due) <= soon:
        following = max(as_utc(due) + rhythm.family_every, now)
        if await _moved(session, match, "next_family_checkin", due, following):
            await session.refresh(match)
            planned.append(await _ask(session, match, "family", as_utc(due)))
    started = match.decided_at
    if (
        match.close_offered_at is None
        and started is not None
        and rhythm.close_due(as_utc(started)) <= now
    ):
        match.close_offered_at = now
        planned += [
            _note(match, "buddy", "buddy_close_offer", now),
            _note(match, "family", "buddy_close_offer", now),
        ]
    return planned


async def _count_unanswered(
    session: AsyncSession, match: BuddyMatch, rhythm: Rhythm, now: datetime
) -> None:
    """Before a new check-in: was the last one left unanswered? Two in a row alert."""
    last = await session.execute(
        select(CheckIn)
        .where(CheckIn.match_id == match.id, CheckIn.who == "buddy")
        .order_by(CheckIn.due_at.desc(), CheckIn.id.desc())
        .limit(1)
    )
    previous = last.scalar_one_or_none()
    if previous is None or previous.answer is not None:
        return
    match.unanswered_checkins += 1
    if match.unanswered_checkins == rhythm.unanswered_alert:
        await raise_alert(
            session, match, "buddy", "unanswered", None, count=match.unanswered_checkins
        )


class NotYours(PermissionError):
    """The check-in belongs to someone else's match or side."""


async def answer(
    session: AsyncSession,
    checkin: CheckIn,
    user: User,
    given: str,
    now: datetime,
    rhythm: Rhythm,
) -> bool:
    """Record a check-in answer (the latest press counts). Returns True when it raised an
    alert for coordinators ("met, need help" or a family's "not good"; a second such press on
    the same check-in does not alert again, a change from "all good" to "need help" does)."""
    match = await session.get(BuddyMatch, checkin.match_id)
    if match is None or side_of(match, user) != checkin.who:
        raise NotYours(str(checkin.id))
    allowed = BUDDY_ANSWERS if checkin.who == "buddy" else FAMILY_ANSWERS
    if given not in allowed:
        raise ValueError(f"not an answer: {given!r}")
    alerted_before = checkin.answer in ALERTING_ANSWERS
    checkin.answer = given
    checkin.answered_at = now
    if checkin.who == "buddy":
        match.unanswered_checkins = 0
        if given == "pause" and match.status == "active":
            match.next_buddy_checkin = now + rhythm.pause
    if given in ALERTING_ANSWERS and not alerted_before:
        await raise_alert(session, match, checkin.who, given, checkin)
        return True
    return False


async def add_note(session: AsyncSession, checkin: CheckIn, text: str) -> None:
    """Keep a note with a check-in answer; an alert raised by it gets the note too."""
    checkin.note = text[:MAX_RELAYED]
    alert = await session.execute(
        select(HandoffRequest).where(
            HandoffRequest.topic == "buddy_alert",
            HandoffRequest.status.in_(("open", "taken")),
        )
    )
    for item in alert.scalars():
        if item.context.get("alert", {}).get("checkin") == checkin.id:
            item.context = {
                **item.context,
                "alert": {**item.context["alert"], "note": checkin.note},
            }


async def raise_alert(
    session: AsyncSession,
    match: BuddyMatch,
    who: Side,
    reason: str,
    checkin: CheckIn | None,
    count: int | None = None,
) -> HandoffRequest:
    """An item in the coordinators' inbox about a match, from the side that answered (their
    answer reaches that person when a coordinator writes back)."""
    buddy_name, family_name = await names(session, match)
    item = HandoffRequest(
        user_id=match.buddy_id if who == "buddy" else match.family_id,
        topic="buddy_alert",
        context={
            "name": buddy_name if who == "buddy" else family_name,
            "answers": {},
            "alert": {
                "match": match.id,
                "who": who,
                "reason": reason,
                "checkin": checkin.id if checkin is not None else None,
                "note": checkin.note if checkin is not None else None,
                "count": count,
                "buddy": buddy_name,
                "family": family_name,
            },
        },
    )
    session.add(item)
    await session.flush()
    return item


async def recent_checkins(
    session: AsyncSession, match: BuddyMatch, limit: int = 6
) -> list[CheckIn]:
    rows = await session.execute(
        select(CheckIn)
        .where(CheckIn.match_id == match.id)
        .order_by(CheckIn.due_at.desc(), CheckIn.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def active(session: AsyncSession) -> list[BuddyMatch]:
    rows = await session.execute(
        select(BuddyMatch)
        .where(BuddyMatch.status == "active")
        .order_by(BuddyMatch.decided_at, BuddyMatch.id)
    )
    return list(rows.scalars())
