"""`silta clubs ...` on a real database: import, list, meetings, add-meeting, cancel, move."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

CSV = """\
name_fi,name_ar,kind,address,languages,ages,capacity,first_date,time,minutes,weekday
Perhekerho,نادي العائلة,family_club,Puijonkatu 1,fi ar,0-12,15,2030-01-01,17:00,90,tuesday
"""


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    return CliRunner()


def test_clubs_from_the_command_line(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "clubs.csv").write_text(CSV, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV.replace(",15,", ",0,"), encoding="utf-8")

    refused = cli.invoke(app, ["clubs", "import", str(bad)])
    assert refused.exit_code == 1 and "line 2: capacity must be from 1 to 1000" in refused.output
    imported = cli.invoke(app, ["clubs", "import", str(tmp_path / "clubs.csv")])
    assert imported.exit_code == 0 and "Added club 1: Perhekerho" in imported.output

    listed = cli.invoke(app, ["clubs", "list"])
    assert "Perhekerho" in listed.output and "0/15" in listed.output
    assert "next 2030-01-01T17:00" in listed.output

    assert (
        "Meeting 2030-01-08T17:00: cancelled"
        in cli.invoke(app, ["clubs", "cancel", "1", "2030-01-08T17:00", "--note", "Holiday"]).output
    )
    assert (
        "Meeting 2030-01-15T17:00: moved"
        in cli.invoke(app, ["clubs", "move", "1", "2030-01-15T17:00", "2030-01-16 18:00"]).output
    )
    assert (
        "Meeting 2030-01-19T12:00 added"
        in cli.invoke(app, ["clubs", "add-meeting", "1", "2030-01-19 12:00"]).output
    )
    meetings = cli.invoke(app, ["clubs", "meetings", "1", "--count", "5"]).output.splitlines()
    assert [line.split()[-1] for line in meetings] == [
        "planned",
        "cancelled",
        "moved",
        "added",
        "planned",
    ]
    assert "Wed 2030-01-16 18:00" in meetings[2]
    assert (
        "Not changed: no meeting"
        in cli.invoke(app, ["clubs", "cancel", "1", "2030-01-09T17:00"]).output
    )
