"""The conversation scripts in flows/tests/, in every supported language, and their coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.domain.flows.check import check_files
from bot.domain.flows.conversation_tests import load_script, run_script, run_scripts
from bot.domain.flows.model import Flow
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.i18n.catalogs import translator

FLOWS_DIR = PROJECT_ROOT / "flows"
SCRIPTS = sorted((FLOWS_DIR / "tests").glob("*.yaml"))
TRANSLATE = translator(PROJECT_ROOT / "locales", list(SUPPORTED_LANGUAGES))


@pytest.fixture(scope="module")
def flows() -> dict[str, Flow]:
    loaded, problems = check_files(sorted(FLOWS_DIR.glob("*.yaml")))
    assert problems == []
    return {flow_id: item.flow for flow_id, item in loaded.items()}


@pytest.mark.parametrize("language", list(SUPPORTED_LANGUAGES))
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.stem)
def test_script_holds_in_every_language(
    script: Path, language: str, flows: dict[str, Flow]
) -> None:
    loaded, problems = load_script(script)
    assert loaded is not None, problems
    report = run_script(loaded, flows, TRANSLATE, language)
    assert [str(failure) for failure in report.failures] == []
    assert report.cases == len(loaded.script.cases)


def test_every_flow_has_scripts_that_walk_every_branch(flows: dict[str, Flow]) -> None:
    report = run_scripts(SCRIPTS, flows, TRANSLATE)
    assert report.failures == []
    assert report.missed(flows) == {}
