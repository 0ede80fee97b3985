"""Every conversation in flows/tests/ over the real bot, each in another language: the scripts
that `silta flows test` plays against the interpreter hold end to end as well."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import PROJECT_ROOT
from bot.domain.flows.check import check_files
from bot.domain.flows.conversation_tests import Mismatch, load_script
from bot.domain.languages import SUPPORTED_LANGUAGES
from bot.i18n.catalogs import translator
from tests.conftest import RunningBot
from tests.e2e.script_chat import ScriptChat, languages_for

FLOWS = {
    flow_id: item.flow
    for flow_id, item in check_files(sorted((PROJECT_ROOT / "flows").glob("*.yaml")))[0].items()
}
TRANSLATE = translator(PROJECT_ROOT / "locales", list(SUPPORTED_LANGUAGES))


def _runs() -> list[Any]:
    runs = []
    for path in sorted((PROJECT_ROOT / "flows" / "tests").glob("*.yaml")):
        loaded, problems = load_script(path)
        assert loaded is not None, problems
        cases = loaded.script.cases
        for index, language in enumerate(languages_for(len(cases), len(runs))):
            runs.append(pytest.param(loaded, index, language, id=f"{path.stem}-{index}-{language}"))
    return runs


@pytest.mark.parametrize(("loaded", "case_index", "language"), _runs())
async def test_script_case_over_the_bot(
    running_bot: RunningBot, join: Any, loaded: Any, case_index: int, language: str
) -> None:
    script, case = loaded.script, loaded.script.cases[case_index]
    chat = await join(5000 + case_index, language, "Amal")
    role = str(case.profile.get("role", "parent"))
    player = ScriptChat(
        chat, running_bot, FLOWS, script.flow, TRANSLATE, script.language, language, role
    )
    await player.begin()
    for number, line in enumerate(case.talk):
        try:
            await player.play(line)
        except Exception as error:  # name the script line, then fail
            place = loaded.problem(case_index, number, "")
            kind = "" if isinstance(error, Mismatch) else f"{type(error).__name__}: "
            pytest.fail(f"{place.file}:{place.line}: [{language}] {case.name}: {kind}{error}")
