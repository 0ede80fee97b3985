"""The `silta` command: run the bot, the demo, migrations and the translators' workflow."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.config import PROJECT_ROOT, Settings, SettingsError, load_settings
from bot.logging_setup import configure_logging

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
    from bot.app import build_app

    async def _run() -> None:
        assert settings.bot_token is not None
        silta = build_app(settings, settings.bot_token)
        try:
            await silta.prepare()
            await silta.run_polling()
        finally:
            await silta.close()

    asyncio.run(_run())


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
    flows, problems = check_files([path])
    if not flows:
        for problem in problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1)
    loaded = next(iter(flows.values())).flow
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
