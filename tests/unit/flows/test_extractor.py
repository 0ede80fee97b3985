"""Flow texts reach messages.pot through the pybabel extractor."""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.pofile import read_po

from bot.config import PROJECT_ROOT
from bot.i18n import tools
from tests.unit.flows.test_check import GOOD, write


def test_flow_texts_are_extracted_with_context(tmp_path: Path) -> None:
    shutil.copy(PROJECT_ROOT / "babel.cfg", tmp_path / "babel.cfg")
    (tmp_path / "flows").mkdir()
    write(tmp_path / "flows", GOOD, "demo")
    write(tmp_path / "flows", "first:\n  say: Broken\n  nxet: x\n", "broken")
    pot = tools.extract(tmp_path, tmp_path)
    with pot.open("rb") as handle:
        catalog = read_po(handle)
    texts = {message.id: message.auto_comments for message in catalog if message.id}
    assert set(texts) == {
        "Demo",
        "How old is your child?",
        "Under 6",
        "7 to 15",
        "Early childhood education.",
        "Bye.",
    }
    assert texts["Under 6"] == ["Flow 'demo', step 'first': button, at most 40 characters"]
    assert "Broken" not in texts, "a flow with problems is not extracted"
