"""Programme figures on SQLite and PostgreSQL: people, guides' funnels, clubs and attendance,
announcements and requests counted from the tables; the CSV table, the PNG charts and
`silta report` on the command line."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.config import PROJECT_ROOT
from bot.db.models import (
    Broadcast,
    BuddyMatch,
    BuddyProfile,
    BuddyRequest,
    CheckIn,
    FlowSession,
    HandoffRequest,
    SurveyAnswer,
    User,
)
from bot.db.session import create_session_factory
from bot.delivery.outbox import Planned, enqueue, settle
from bot.i18n.core import SiltaI18n
from bot.services import clubs
from bot.services.figure_csv import figures_csv
from bot.services.figures import Figures, collect
from bot.services.flows import FlowLibrary
from bot.telegram.figure_screens import figures_text
from bot.telegram.routers.figures import charts
from tests.e2e.helpers import tr
from tests.integration.test_clubs_service import draft

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
COORDINATOR = 555


async def seed(session: AsyncSession) -> dict[str, User]:
    """Five parents (fi, fi, ar, ar, so; one muted), a buddy, a coordinator from the settings,
    guides at several steps, a club with answers, an announcement and requests."""
    people = {}
    for name, language, role in [
        ("fi1", "fi", "parent"),
        ("fi2", "fi", "parent"),
        ("ar1", "ar", "parent"),
        ("ar2", "ar", "parent"),
        ("so1", "so", "parent"),
        ("buddy", "ru", "buddy"),
        ("coordinator", "en", None),
    ]:
        user = User(
            telegram_id=COORDINATOR if name == "coordinator" else 7000 + len(people),
            language=language,
            role=role,
            timezone="Europe/Helsinki",
            consent_at=NOW - timedelta(days=3),
            muted_at=NOW if name == "so1" else None,
        )
        session.add(user)
        people[name] = user
    await session.flush()
    for name, flow, step, status in [
        ("fi1", "school-enrolment", "done", "finished"),
        ("fi2", "school-enrolment", "documents", "active"),
        ("ar1", "school-enrolment", "documents", "active"),
        ("ar2", "school-enrolment", "child_age", "active"),
        ("ar2", "wilma", "done", "finished"),
    ]:
        session.add(
            FlowSession(
                user_id=people[name].id,
                flow_id=flow,
                flow_version=1,
                step=step,
                state={},
                status=status,
            )
        )
    club = await clubs.create_club(session, draft(capacity=2))
    for name in ("fi1", "ar1", "ar2"):
        await clubs.join(session, club, people[name], name)
    key = "20261201T1700"
    await clubs.answer(session, club, people["fi1"], key, True)
    await clubs.answer(session, club, people["ar1"], key, False)
    broadcast = Broadcast(
        author_id=people["coordinator"].id,
        audience={},
        texts={"en": "Hello"},
        source_language="en",
        status="done",
        total=3,
        started_at=NOW,
    )
    session.add(broadcast)
    await session.flush()
    await enqueue(
        session,
        [
            Planned(
                key=f"broadcast:{broadcast.id}:{people[name].id}",
                purpose="broadcast",
                user_id=people[name].id,
                payload={"kind": "broadcast", "broadcast": broadcast.id},
                not_before=NOW,
                batch=f"broadcast:{broadcast.id}",
            )
            for name in ("fi1", "fi2", "ar1")
        ],
    )
    for row_id, status in [(1, "sent"), (2, "sent"), (3, "blocked")]:
        await settle(session, row_id, status, now=NOW)
    session.add_all(
        [
            HandoffRequest(user_id=people["ar1"].id, topic="school", status="open"),
            HandoffRequest(user_id=people["fi2"].id, topic="wilma", status="closed"),
        ]
    )
    await session.commit()
    return people


async def test_figures_are_counted_from_the_tables(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        await seed(session)
        figures = await collect(session, frozenset({COORDINATOR}), NOW)

    assert figures.people_total == 7
    assert figures.people_by_role() == {"parent": 5, "buddy": 1, "coordinator": 1}
    assert figures.muted == 1
    guides = {guide.flow_id: guide for guide in figures.guides}
    school = guides["school-enrolment"]
    assert (school.started, school.finished) == (4, 1)
    assert school.stopped_at == {"documents": 2, "child_age": 1}
    assert next(iter(school.stopped_at)) == "documents", "where most people stand comes first"
    assert (guides["wilma"].started, guides["wilma"].finished) == (1, 1)
    (club,) = figures.clubs
    assert (club.members, club.waiting, club.coming, club.not_coming) == (2, 1, 1, 1)
    (announcement,) = figures.broadcasts
    assert (announcement.total, announcement.delivered, announcement.blocked) == (3, 2, 1)
    assert figures.requests == {"open": 1, "closed": 1}

    rows = list(csv.reader(io.StringIO(figures_csv(figures))))
    assert rows[0] == ["section", "item", "detail", "value"]
    assert ["guide", "school-enrolment", "finished", "1"] in rows
    assert ["guide_now_at_step", "school-enrolment", "documents", "2"] in rows
    assert ["people", "parent", "ar", "2"] in rows
    assert ["announcement", "1", "delivered", "2"] in rows
    assert ["club", f"{club.club_id} Perhekerho", "waiting", "1"] in rows

    text, images = render(figures, "fi")
    assert tr("People: {count}", "fi").format(count=7) in text
    assert len(images) == 3 and all(image.startswith(b"\x89PNG") for image in images)


def render(figures: Figures, language: str) -> tuple[str, list[bytes]]:
    i18n = SiltaI18n(path=PROJECT_ROOT / "locales")
    library = FlowLibrary.load(PROJECT_ROOT / "flows")
    with i18n.context(), i18n.use_locale(language):
        return figures_text(figures, library.flows), charts(figures, library, i18n, language)


async def test_report_text_names_guides_and_steps(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        await seed(session)
        figures = await collect(session, frozenset({COORDINATOR}), NOW)
    text, _images = render(figures, "en")
    assert "Start school in Finland: started 4, finished 1 (25%)" in text
    assert "now at “" in text, "the step where people stand is named by its text"
    assert "#1" in text and "delivered 2 of 3 (blocked 1, failed 0)" in text
    assert "Requests for a person: waiting 1, answered 0, closed 1" in text


async def test_silta_report_writes_csv_and_charts(tmp_path: Path) -> None:
    database = tmp_path / "silta.db"
    url = f"sqlite+aiosqlite:///{database}"
    from bot.db.migrate import upgrade
    from bot.db.session import create_engine

    engine = create_engine(url)
    await upgrade(engine)
    async with create_session_factory(engine)() as session:
        await seed(session)
    await engine.dispose()
    env = {**os.environ, "DATABASE_URL": url, "COORDINATOR_IDS": str(COORDINATOR)}
    result = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "bot",
            "report",
            "--language",
            "sv",
            "--csv",
            str(tmp_path / "f.csv"),
            "--charts",
            str(tmp_path / "charts"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "📊" in result.stdout and "7" in result.stdout
    assert (tmp_path / "f.csv").read_bytes().startswith(b"\xef\xbb\xbfsection,item")
    pictures = sorted((tmp_path / "charts").glob("*.png"))
    assert len(pictures) == 3


async def seed_buddies(session: AsyncSession) -> None:
    """Volunteers, families' requests and matches in every state, check-ins answered, open and
    unanswered, and surveys (two closing ones)."""
    users = [
        User(
            telegram_id=9000 + index,
            language="fi",
            role="buddy" if index < 8 else "parent",
            timezone="Europe/Helsinki",
            consent_at=NOW - timedelta(days=30),
        )
        for index in range(16)
    ]
    session.add_all(users)
    await session.flush()
    buddies, families = users[:8], users[8:]
    statuses = ["training", "ready", "ready", "approved", "approved", "approved", "paused"]
    session.add_all(
        BuddyProfile(user_id=user.id, status=status)
        for user, status in zip(buddies, [*statuses, "declined"], strict=True)
    )
    requests = [
        BuddyRequest(user_id=family.id, status=status)
        for family, status in zip(
            families,
            ["waiting", "waiting", "proposed", "matched", "matched", "matched", "closed"],
            strict=False,
        )
    ]
    requests.append(BuddyRequest(user_id=families[7].id, status="withdrawn"))
    session.add_all(requests)
    await session.flush()
    matches = [
        BuddyMatch(
            request_id=request.id,
            buddy_id=buddies[index % 8].id,
            family_id=request.user_id,
            status=status,
        )
        for index, (request, status) in enumerate(
            zip(
                requests,
                ["rejected", "rejected", "proposed", "active", "active", "active", "closed"],
                strict=False,
            )
        )
    ]
    session.add_all(matches)
    await session.flush()
    active = matches[3]
    checkins = [
        *[("buddy", answer, 10) for answer in ["met_ok"] * 3 + ["met_help", "not_yet", "not_yet"]],
        ("buddy", "pause", 20),
        ("buddy", None, 5),  # unanswered: due more than three days ago
        ("buddy", None, 4),
        ("buddy", None, 1),  # open: due lately
        ("buddy", None, 3),  # exactly three days: still open
        ("buddy", None, -2),  # open: not even due
        ("family", "good", 10),
        ("family", "good", 40),
        ("family", "okay", 10),
        ("family", "concern", 10),
        ("family", None, 4),
        ("family", None, 2),
    ]
    session.add_all(
        CheckIn(
            match_id=active.id,
            who=who,
            due_at=NOW - timedelta(days=days),
            answer=answer,
            answered_at=NOW if answer else None,
        )
        for who, answer, days in checkins
    )
    session.add_all(
        [
            SurveyAnswer(user_id=families[6].id, match_id=matches[6].id, kind="closing"),
            SurveyAnswer(user_id=buddies[6].id, match_id=matches[6].id, kind="closing"),
            SurveyAnswer(user_id=families[0].id, kind="something_else"),
        ]
    )
    await session.commit()


async def test_buddy_programme_figures(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        empty = (await collect(session, frozenset({COORDINATOR}), NOW)).buddy
        assert empty.empty and empty.closing_surveys == 0
        await seed_buddies(session)
        figures = await collect(session, frozenset({COORDINATOR}), NOW)

    buddy = figures.buddy
    assert not buddy.empty
    assert buddy.buddies == {"training": 1, "ready": 2, "approved": 3, "paused": 1, "declined": 1}
    assert buddy.requests == {
        "waiting": 2,
        "proposed": 1,
        "matched": 3,
        "closed": 1,
        "withdrawn": 1,
    }
    assert buddy.matches == {"proposed": 1, "active": 3, "rejected": 2, "closed": 1}
    assert buddy.checkins == {
        "buddy": {
            "met_ok": 3,
            "met_help": 1,
            "not_yet": 2,
            "pause": 1,
            "unanswered": 2,
            "open": 3,
        },
        "family": {"good": 2, "okay": 1, "concern": 1, "unanswered": 1, "open": 1},
    }
    assert buddy.closing_surveys == 2

    rows = list(csv.reader(io.StringIO(figures_csv(figures))))
    for row in [
        ["buddies", "ready", "", "2"],
        ["buddies", "declined", "", "1"],
        ["buddy_requests", "proposed", "", "1"],
        ["buddy_requests", "withdrawn", "", "1"],
        ["matches", "active", "", "3"],
        ["matches", "rejected", "", "2"],
        ["checkins", "buddy", "met_ok", "3"],
        ["checkins", "buddy", "unanswered", "2"],
        ["checkins", "buddy", "open", "3"],
        ["checkins", "family", "concern", "1"],
        ["checkins", "family", "unanswered", "1"],
        ["surveys", "closing", "", "2"],
    ]:
        assert row in rows, row
    assert ["requests", "open", "", "0"] not in rows, "the inbox's requests keep their section"

    text, images = render(figures, "en")
    for line in [
        "Buddy programme",
        "Buddies: 8",
        "in training 1 · waiting for approval 2 · approved 3 · paused 1 · declined 1",
        "Families' requests for a buddy: 8",
        "waiting for a buddy 2 · proposal to decide 1 · matched 3 · closed 1 · withdrawn 1",
        "Matches: 7",
        "proposed 1 · active 3 · rejected 2 · ended 1",
        "Check-ins with buddies: 12",
        "Met, all good 3 · Met, need help 1 · Not yet 2 · Pause for now 1"
        " · unanswered after 3 days 2 · not answered yet 3",
        "Check-ins with families: 6",
        "Good 2 · Okay 1 · Not good 1 · unanswered after 3 days 1 · not answered yet 1",
        "Closing surveys answered: 2",
    ]:
        assert line in text, line
    assert "met_ok" not in text, "answers are shown in words"
    assert len(images) == 2, "people and the check-in answers (no guides or announcements here)"
    assert all(image.startswith(b"\x89PNG") for image in images)


async def test_figures_without_a_buddy_programme_say_nothing_of_it(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        await seed(session)
        figures = await collect(session, frozenset({COORDINATOR}), NOW)
    text, images = render(figures, "en")
    assert "Buddy programme" not in text
    assert len(images) == 3, "no check-in chart without check-ins"
    rows = list(csv.reader(io.StringIO(figures_csv(figures))))
    assert ["matches", "active", "", "0"] in rows, "the CSV lists every state, zeros included"
