"""The `silta` command: run the bot, the demo, migrations and the translators' workflow."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from bot.config import PROJECT_ROOT, Settings, SettingsError, load_settings
from bot.logging_setup import configure_logging

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

app = typer.Typer(
    help="Silta: a multilingual Telegram bot for newly arrived families.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
i18n_app = typer.Typer(help="Translations: extract, update, compile, stats.", no_args_is_help=True)
app.add_typer(db_app, name="db")
flows_app = typer.Typer(
    help="Conversation flows: check, test, graph, schema.", no_args_is_help=True
)
app.add_typer(i18n_app, name="i18n")
app.add_typer(flows_app, name="flows")
clubs_app = typer.Typer(
    help="Clubs and groups: list, add, import, meetings, cancel, move.", no_args_is_help=True
)
app.add_typer(clubs_app, name="clubs")
outbox_app = typer.Typer(
    help="The outbox: what waits to be sent, and sending it.", no_args_is_help=True
)
app.add_typer(outbox_app, name="outbox")


def _settings() -> Settings:
    """Load settings or stop with the one line that names the bad setting."""
    try:
        settings = load_settings()
    except SettingsError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level, settings.log_format, [settings.bot_token or ""])
    return settings


@app.command()
def run() -> None:
    """Run the bot with long polling; with no BOT_TOKEN, run the local demo instead."""
    settings = _settings()
    if settings.bot_token is None:
        typer.echo("No BOT_TOKEN set: starting the local demo (simulator and web chat).", err=True)
        from bot.demo import main as demo_main

        demo_main(settings)
        return
    import aiogram.types  # noqa: F401  (imported here to be frozen below)

    # aiogram's types are a quarter of a million objects that live as long as the process;
    # every full garbage collection during the rest of start-up walked them all (a quarter
    # of a second of every start). Frozen, collections skip them; SiltaApp freezes what the
    # rest of start-up built a second after polling begins.
    gc.freeze()
    from bot.app import build_app

    async def _run() -> None:
        assert settings.bot_token is not None
        silta = build_app(settings, settings.bot_token)
        try:
            await silta.prepare(publish=False)
            await silta.run_polling(publish=True)
        finally:
            await silta.close()

    _run_fast(_run())


def _run_fast(main: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop where it exists (not on Windows): its sockets and thread wake-ups cost
    the bot a tenth less CPU per update than asyncio's own loop (bench/interactive.py)."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    uvloop.run(main)


@app.command()
def demo() -> None:
    """Start the local Telegram simulator, the bot against it, and the web chat page."""
    from bot.demo import main as demo_main

    demo_main(_settings())


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    settings = _settings()
    from bot.db.migrate import current_revision, upgrade
    from bot.db.session import create_engine

    async def _upgrade() -> str | None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine, revision)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    typer.echo(f"Database at revision {asyncio.run(_upgrade())}")


@i18n_app.command("extract")
def i18n_extract() -> None:
    """Collect marked strings into locales/messages.pot."""
    from bot.i18n import tools

    settings = _settings()
    typer.echo(f"Wrote {tools.extract(PROJECT_ROOT, settings.locales_dir)}")


@i18n_app.command("update")
def i18n_update() -> None:
    """Merge messages.pot into every language's catalog."""
    from bot.i18n import tools

    tools.update(_settings().locales_dir)


@i18n_app.command("compile")
def i18n_compile() -> None:
    """Compile catalogs to .mo files."""
    from bot.i18n import tools

    tools.compile_catalogs(_settings().locales_dir)


@i18n_app.command("stats")
def i18n_stats(
    locales: Annotated[Path | None, typer.Option(help="Locales folder")] = None,
) -> None:
    """Coverage per language; exits non-zero when any language is below 100%."""
    from bot.i18n import tools

    folder = locales or _settings().locales_dir
    results = tools.stats(folder)
    typer.echo(
        f"{'language':<10}{'translated':>12}{'total':>8}{'fuzzy':>8}{'review':>8}{'coverage':>10}"
    )
    for row in results:
        typer.echo(
            f"{row.language:<10}{row.translated:>12}{row.total:>8}{row.fuzzy:>8}{row.review:>8}{row.percent:>9.1f}%"
        )
    errors = [error for row in results for error in row.placeholder_errors]
    for error in errors:
        typer.echo(f"placeholder mismatch: {error}", err=True)
    if not all(row.complete for row in results):
        typer.echo("Some languages are incomplete.", err=True)
        sys.exit(1)


def _with_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction on the configured database (migrated first)."""
    settings = _settings()
    logging.getLogger("alembic").setLevel(logging.WARNING)  # tools print results, not logs
    from bot.db.migrate import upgrade
    from bot.db.session import create_engine, create_session_factory

    async def _run() -> T:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
            async with create_session_factory(engine)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(_run())


@clubs_app.command("list")
def clubs_list() -> None:
    """Every club: id, name, members, waiting, next meeting."""
    from sqlalchemy import select

    from bot.db.models import Club, utcnow
    from bot.services import clubs as service

    async def _list(session: AsyncSession) -> list[str]:
        lines = []
        for club in (await session.execute(select(Club).order_by(Club.id))).scalars():
            current = await service.view(session, club, None)
            meetings = await service.upcoming(session, club, utcnow(), count=1)
            upcoming = meetings[0].key if meetings else "-"
            name = service.localized(club.name, club.source_language, club.source_language)
            lines.append(
                f"{club.id:>4}  {name[:30]:<30} {current.members:>3}/{club.capacity:<3} "
                f"waiting {current.waiting:<3} next {upcoming}{'' if club.active else '  (closed)'}"
            )
        return lines

    for line in _with_session(_list) or ["No clubs yet. Add one with `silta clubs add` or import."]:
        typer.echo(line)


@clubs_app.command("add")
def clubs_add(
    name: Annotated[str, typer.Option(help="The club's name")],
    address: Annotated[str, typer.Option(help="Where it meets")],
    languages: Annotated[str, typer.Option(help="Languages spoken there: 'fi ar so'")],
    capacity: Annotated[int, typer.Option(help="How many members at most")],
    first_date: Annotated[str, typer.Option(help="The first meeting's day: 2026-12-01")],
    time_: Annotated[str, typer.Option("--time", help="Start time: 17:00")],
    weekday: Annotated[str, typer.Option(help="monday ... sunday")] = "",
    every_weeks: Annotated[int, typer.Option(help="1: every week, 2: every other week")] = 1,
    rule: Annotated[str, typer.Option(help="Or an RRULE (instead of weekday)")] = "",
    minutes: Annotated[int, typer.Option(help="How long a meeting lasts")] = 90,
    kind: Annotated[str, typer.Option(help="family_club, homework_group, ...")] = "family_club",
    ages: Annotated[str, typer.Option(help="Ages, like 0-12")] = "0-18",
    language: Annotated[str, typer.Option(help="The language the name is written in")] = "fi",
    timezone: Annotated[str | None, typer.Option(help="Default: DEFAULT_TIMEZONE")] = None,
    leader: Annotated[int | None, typer.Option(help="The leader's Telegram user id")] = None,
    reminders: Annotated[str, typer.Option(help="Minutes before each meeting")] = "1440 120",
    latitude: Annotated[float | None, typer.Option(help="Map point (with --longitude)")] = None,
    longitude: Annotated[float | None, typer.Option(help="Map point (with --latitude)")] = None,
) -> None:
    """Create a club (coordinators can also use the wizard in the bot)."""
    import csv
    import io

    row = {
        f"name_{language}": name,
        "address": address,
        "languages": languages,
        "capacity": str(capacity),
        "first_date": first_date,
        "time": time_,
        "weekday": weekday,
        "every_weeks": str(every_weeks),
        "rule": rule,
        "minutes": str(minutes),
        "kind": kind,
        "ages": ages,
        "source_language": language,
        "timezone": timezone or "",
        "leader": str(leader) if leader else "",
        "reminders": reminders,
        "latitude": "" if latitude is None else str(latitude),
        "longitude": "" if longitude is None else str(longitude),
    }
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    _import_text(buffer.getvalue(), "--options")


@clubs_app.command("import")
def clubs_import(
    file: Annotated[Path, typer.Argument(help="A CSV file, one club per row (see docs)")],
) -> None:
    """Import clubs from CSV; every problem with its line, and nothing imported unless all
    rows are right."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as error:
        typer.echo(f"{file}: cannot read: {error.strerror}")
        raise typer.Exit(1) from None
    _import_text(text, str(file))


def _import_text(text: str, where: str) -> None:
    from bot.db.users import UserRepository
    from bot.services import audit
    from bot.services import clubs as service
    from bot.services.club_import import read_clubs

    settings = _settings()
    rows, problems = read_clubs(text, settings.default_timezone)
    for problem in problems:
        typer.echo(f"{where}: {problem}")
    if problems:
        raise typer.Exit(1)

    async def _store(session: AsyncSession) -> list[str]:
        made = []
        for row in rows:
            if row.leader_telegram_id is not None:
                leader = await UserRepository(session).get(row.leader_telegram_id)
                if leader is None:
                    raise typer.BadParameter(
                        f"line {row.line}: leader {row.leader_telegram_id} has not started the bot"
                    )
                row.draft.leader_id = leader.id
            club = await service.create_club(session, row.draft)
            audit.record(session, None, "club_created", f"club {club.id}", name=club.name)
            made.append(f"Added club {club.id}: {next(iter(club.name.values()))}")
        return made

    for line in _with_session(_store):
        typer.echo(line)


@clubs_app.command("meetings")
def clubs_meetings(
    club_id: Annotated[int, typer.Argument(help="The club's id (silta clubs list)")],
    count: Annotated[int, typer.Option(help="How many")] = 8,
) -> None:
    """The next meetings of a club, with their keys (for cancel and move)."""
    from bot.db.models import Club, utcnow
    from bot.services import clubs as service

    async def _meetings(session: AsyncSession) -> list[str]:
        club = await session.get(Club, club_id)
        if club is None:
            return [f"No club {club_id}."]
        schedule = service.schedule_of(club, await service.changes_of(session, club.id))
        from datetime import timedelta

        now = utcnow()
        begins = schedule.to_utc(datetime.combine(club.first_date, club.start_time))
        until = max(now, begins) + timedelta(days=366)
        meetings = schedule.meetings(now, until, include_cancelled=True)
        return [
            f"{m.key}  {m.starts_at.astimezone(schedule.zone):%a %Y-%m-%d %H:%M}  {m.status}"
            for m in meetings[:count]
        ]

    for line in _with_session(_meetings):
        typer.echo(line)


@clubs_app.command("add-meeting")
def clubs_add_meeting(
    club_id: Annotated[int, typer.Argument(help="The club's id")],
    start: Annotated[str, typer.Argument(help="Local start: '2026-12-24 12:00'")],
    note: Annotated[str | None, typer.Option(help="A line for the members")] = None,
) -> None:
    """Add one extra meeting outside the rule; members are told, and reminded as usual."""
    from bot.db.models import Club, utcnow
    from bot.services import audit
    from bot.services import clubs as service

    try:
        starts_local = datetime.strptime(start, "%Y-%m-%d %H:%M")
    except ValueError:
        typer.echo("Write the start like 2026-12-24 12:00")
        raise typer.Exit(2) from None

    async def _add(session: AsyncSession) -> str:
        club = await session.get(Club, club_id)
        if club is None:
            return f"No club {club_id}."
        try:
            added = await service.add_meeting(session, club, starts_local, utcnow(), note)
            audit.record(session, None, "meeting_added", f"club {club_id}", meeting=added.key)
        except service.ClubError as error:
            return f"Not added: {error}."
        return f"Meeting {added.key} added; members are being told."

    typer.echo(_with_session(_add))


@clubs_app.command("cancel")
def clubs_cancel(
    club_id: Annotated[int, typer.Argument(help="The club's id")],
    key: Annotated[str, typer.Argument(help="The meeting's key (silta clubs meetings)")],
    note: Annotated[str | None, typer.Option(help="A line for the members")] = None,
) -> None:
    """Cancel one meeting; every member is told at once, in their language."""
    _change(club_id, key, None, note)


@clubs_app.command("move")
def clubs_move(
    club_id: Annotated[int, typer.Argument(help="The club's id")],
    key: Annotated[str, typer.Argument(help="The meeting's key (silta clubs meetings)")],
    new_start: Annotated[str, typer.Argument(help="New local start: '2026-12-03 17:30'")],
    note: Annotated[str | None, typer.Option(help="A line for the members")] = None,
) -> None:
    """Move one meeting; every member is told at once, in their language."""
    from datetime import datetime

    try:
        moved = datetime.strptime(new_start, "%Y-%m-%d %H:%M")
    except ValueError:
        typer.echo("Write the new start like 2026-12-03 17:30")
        raise typer.Exit(2) from None
    _change(club_id, key, moved, note)


def _change(club_id: int, key: str, new_start: datetime | None, note: str | None) -> None:
    from bot.db.models import Club, utcnow
    from bot.services import audit
    from bot.services import clubs as service

    async def _apply(session: AsyncSession) -> str:
        club = await session.get(Club, club_id)
        if club is None:
            return f"No club {club_id}."
        try:
            meeting = await service.change_meeting(session, club, key, utcnow(), new_start, note)
            audit.record(session, None, f"meeting_{meeting.status}", f"club {club_id}", meeting=key)
        except service.ClubError as error:
            return f"Not changed: {error}."
        return f"Meeting {key}: {meeting.status}; members are being told."

    typer.echo(_with_session(_apply))


@app.command("audit")
def audit_log(
    limit: Annotated[int, typer.Option(help="How many of the newest entries")] = 50,
) -> None:
    """The newest coordinator actions: when, who, what, on what."""
    from bot.services import audit

    async def _latest(session: AsyncSession) -> list[str]:
        return [
            f"{entry.at:%Y-%m-%d %H:%M}  {entry.actor:<20} {entry.action:<20} {entry.target}"
            f"  {entry.details or ''}"
            for entry in await audit.latest(session, limit)
        ]

    for line in _with_session(_latest) or ["Nothing recorded yet."]:
        typer.echo(line)


@app.command("report")
def report(
    language: Annotated[str, typer.Option(help="The language of the text and charts")] = "en",
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Also write the figures as a CSV file here")
    ] = None,
    charts: Annotated[
        Path | None, typer.Option(help="Also draw the charts as PNG files into this folder")
    ] = None,
) -> None:
    """Programme figures: people, guides (started, finished, where people are), clubs,
    announcements and requests; the same as /stats in the bot."""
    from bot.db.models import utcnow
    from bot.domain.flows.check import check_files
    from bot.domain.languages import SUPPORTED_LANGUAGES
    from bot.i18n.core import SiltaI18n
    from bot.services.figure_csv import figures_csv
    from bot.services.figures import Figures, collect
    from bot.services.flows import FlowLibrary
    from bot.telegram.figure_screens import figures_text
    from bot.telegram.routers.figures import charts as draw_charts

    if language not in SUPPORTED_LANGUAGES:
        typer.echo(f"Unknown language: {language} (use one of {', '.join(SUPPORTED_LANGUAGES)})")
        raise typer.Exit(2)
    settings = _settings()

    async def _collect(session: AsyncSession) -> Figures:
        return await collect(session, settings.coordinator_ids, utcnow())

    figures = _with_session(_collect)
    loaded, _problems = check_files(sorted(settings.flows_dir.glob("*.yaml")))
    library = FlowLibrary({flow_id: item.flow for flow_id, item in loaded.items()})
    i18n = SiltaI18n(path=settings.locales_dir, default_locale=settings.default_locale)
    with i18n.context(), i18n.use_locale(language):
        typer.echo(figures_text(figures, library.flows))
        images = draw_charts(figures, library, i18n, language) if charts is not None else []
    if csv_file is not None:
        csv_file.write_text(figures_csv(figures), encoding="utf-8-sig")
        typer.echo(f"Wrote {csv_file}")
    if charts is not None:
        charts.mkdir(parents=True, exist_ok=True)
        for index, image in enumerate(images, start=1):
            target = charts / f"silta-figures-{index}.png"
            target.write_bytes(image)
            typer.echo(f"Wrote {target}")


@outbox_app.command("status")
def outbox_status() -> None:
    """How many messages are in each state, by purpose."""
    settings = _settings()
    from sqlalchemy import func, select

    from bot.db.models import OutboxMessage
    from bot.db.session import create_engine, create_session_factory

    async def _status() -> list[tuple[str, str, int]]:
        engine = create_engine(settings.database_url)
        try:
            async with create_session_factory(engine)() as session:
                query = (
                    select(OutboxMessage.purpose, OutboxMessage.status, func.count())
                    .group_by(OutboxMessage.purpose, OutboxMessage.status)
                    .order_by(OutboxMessage.purpose, OutboxMessage.status)
                )
                return [(p, s, int(n)) for p, s, n in (await session.execute(query)).all()]
        finally:
            await engine.dispose()

    rows = asyncio.run(_status())
    typer.echo(f"{'purpose':<20} {'status':<12} {'count':>7}")
    for purpose, status, count in rows:
        typer.echo(f"{purpose:<20} {status:<12} {count:>7}")


@outbox_app.command("drain")
def outbox_drain(
    budget: Annotated[float | None, typer.Option(help="Stop after this many seconds")] = None,
) -> None:
    """Send what is due now, within the limits, and exit (the running bot does this itself)."""
    settings = _settings()
    if settings.bot_token is None:
        typer.echo("Set BOT_TOKEN (and TELEGRAM_API_URL) to send.", err=True)
        raise typer.Exit(2)
    from bot.app import build_app

    async def _drain() -> int:
        assert settings.bot_token is not None
        silta = build_app(settings, settings.bot_token)
        try:
            from bot.db.migrate import upgrade

            await upgrade(silta.engine)
            return await silta.sender.drain(budget=budget)
        finally:
            await silta.close()

    typer.echo(f"{asyncio.run(_drain())} messages settled")


@flows_app.command("check")
def flows_check(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Flow files (default: FLOWS_DIR)")
    ] = None,
) -> None:
    """Report every problem with file, line and column; exit 1 when there is any."""
    from bot.domain.flows.check import check_files

    paths = files or sorted(_settings().flows_dir.glob("*.yaml"))
    flows, problems = check_files(paths)
    for problem in problems:
        typer.echo(str(problem))
    typer.echo(f"{len(paths)} files, {len(flows)} flows ready, {len(problems)} problems", err=True)
    if problems:
        raise typer.Exit(1)


@flows_app.command("test")
def flows_test(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Test scripts (default: FLOWS_DIR/tests/*.yaml)")
    ] = None,
    language: Annotated[
        list[str] | None,
        typer.Option("--language", "-l", help="Run in this language (repeat; 'all' for every one)"),
    ] = None,
    all_branches: Annotated[
        bool, typer.Option(help="Also fail when a flow has a step, choice or branch no test walks")
    ] = False,
) -> None:
    """Play the conversation scripts against the flows; exit 1 when a line does not hold."""
    from bot.domain.flows.check import check_files
    from bot.domain.flows.conversation_tests import run_scripts
    from bot.domain.languages import SUPPORTED_LANGUAGES
    from bot.i18n.catalogs import translator

    settings = _settings()
    codes = list(SUPPORTED_LANGUAGES)
    languages = codes if language and "all" in language else language
    unknown = sorted(set(languages or []) - set(codes))
    if unknown:
        typer.echo(f"Unknown language: {', '.join(unknown)} (use one of {', '.join(codes)})")
        raise typer.Exit(2)
    loaded, problems = check_files(sorted(settings.flows_dir.glob("*.yaml")))
    for problem in problems:
        typer.echo(f"flow refused: {problem}")
    flows = {flow_id: item.flow for flow_id, item in loaded.items()}
    paths = files or sorted((settings.flows_dir / "tests").glob("*.yaml"))
    report = run_scripts(paths, flows, translator(settings.locales_dir, codes), languages)
    for failure in report.failures:
        typer.echo(str(failure))
    missed = report.missed(flows)
    for flow_id, items in missed.items():
        for item in items:
            typer.echo(f"{flow_id}: {item}")
    covered = len(flows) - len(missed)
    typer.echo(
        f"{len(paths)} scripts, {report.cases} conversations, {len(report.failures)} failures; "
        f"{covered} of {len(flows)} flows walked completely",
        err=True,
    )
    if report.failures or (all_branches and missed):
        raise typer.Exit(1)


@flows_app.command("graph")
def flows_graph(
    flow: Annotated[str, typer.Argument(help="A flow id (in FLOWS_DIR) or a flow file")],
    output: Annotated[
        Path | None,
        typer.Option(help="Write here; a name ending in .svg gives SVG (default: print)"),
    ] = None,
    svg: Annotated[bool, typer.Option("--svg", help="SVG instead of Mermaid text")] = False,
    language: Annotated[
        str | None, typer.Option(help="Draw the texts in this language (SVG only)")
    ] = None,
) -> None:
    """Draw a flow: Mermaid text (for Markdown previews) or an SVG picture (for any browser)."""
    from bot.domain.flows.check import check_files
    from bot.domain.flows.graph import mermaid
    from bot.domain.flows.picture import svg as draw_svg
    from bot.domain.languages import SUPPORTED_LANGUAGES, is_rtl
    from bot.i18n.catalogs import translator

    if language is not None and language not in SUPPORTED_LANGUAGES:
        typer.echo(f"Unknown language: {language} (use one of {', '.join(SUPPORTED_LANGUAGES)})")
        raise typer.Exit(2)
    path = Path(flow)
    if not path.suffix:
        path = _settings().flows_dir / f"{flow}.yaml"
    # The flow is checked with its neighbours, so that the flows it calls are known.
    flows, problems = check_files({path, *path.parent.glob("*.yaml")})
    found = [item for item in flows.values() if item.path.resolve() == path.resolve()]
    if not found:
        own = [p for p in problems if Path(p.file).resolve() == path.resolve()]
        for problem in own or problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1)
    loaded = found[0].flow
    if svg or (output is not None and output.suffix.lower() == ".svg"):
        if language:
            translate = translator(_settings().locales_dir, [language])
            text = draw_svg(
                loaded, lambda source: translate(source, language), rtl=is_rtl(language)
            )
        else:
            text = draw_svg(loaded)
    else:
        text = mermaid(loaded)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {output}")


@flows_app.command("schema")
def flows_schema(
    output: Annotated[Path, typer.Option(help="Where to write the JSON Schema")] = PROJECT_ROOT
    / "flows"
    / "flow.schema.json",
) -> None:
    """Write the JSON Schema of flow files, for editors that validate and complete YAML."""
    from bot.domain.flows.schema import schema_json

    output.write_text(schema_json(), encoding="utf-8")
    typer.echo(f"Wrote {output}")


if __name__ == "__main__":
    app()
