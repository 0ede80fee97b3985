"""The parse cache: a restart does not parse unchanged flow files again, yet every check runs
and every problem still points at its line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.domain.flows import loader
from bot.domain.flows.check import check_files
from bot.domain.flows.parse_cache import ParseCache
from tests.unit.flows.test_check import write


def _copy_flows(tmp_path: Path) -> Path:
    folder = tmp_path / "flows"
    folder.mkdir()
    for path in (PROJECT_ROOT / "flows").glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    return folder


def _load(folder: Path, cache_dir: Path) -> tuple[dict[str, object], list[str]]:
    flows, problems = check_files(sorted(folder.glob("*.yaml")), ParseCache(cache_dir, folder))
    return {key: item.flow for key, item in flows.items()}, [str(p) for p in problems]


def test_a_restart_reads_unchanged_files_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, cache = _copy_flows(tmp_path), tmp_path / "cache"
    first, problems = _load(folder, cache)
    assert not problems and len(first) >= 8
    assert len(list(cache.glob("flows-*.json"))) == 1

    def no_parsing(text: str, path: Path) -> object:
        raise AssertionError(f"{path} was parsed again")

    monkeypatch.setattr(loader, "parse_tree", no_parsing)
    again, problems = _load(folder, cache)
    assert again == first and not problems


def test_a_changed_file_is_parsed_afresh(tmp_path: Path) -> None:
    folder, cache = _copy_flows(tmp_path), tmp_path / "cache"
    _load(folder, cache)
    wilma = folder / "wilma.yaml"
    wilma.write_text(
        wilma.read_text(encoding="utf-8").replace(
            "title: Using Wilma", "title: Wilma, step by step"
        ),
        encoding="utf-8",
    )
    flows, problems = _load(folder, cache)
    assert not problems
    assert flows["wilma"].title == "Wilma, step by step"  # type: ignore[attr-defined]


def test_problems_of_a_cached_file_keep_their_positions(tmp_path: Path) -> None:
    path = write(tmp_path, "first:\n  say: Hello\n")
    cache = tmp_path / "cache"
    fresh = _load(tmp_path, cache)[1]
    cached = _load(tmp_path, cache)[1]
    assert fresh == cached
    assert cached == [f"{path}:8:3: dead end: step 'first' has no `next` and is not an end"]


def test_a_cache_that_cannot_be_written_is_not_used(tmp_path: Path) -> None:
    folder = _copy_flows(tmp_path)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    flows, problems = _load(folder, blocked / "cache")
    assert len(flows) >= 8 and not problems


def test_a_broken_cache_file_is_ignored(tmp_path: Path) -> None:
    folder, cache = _copy_flows(tmp_path), tmp_path / "cache"
    _load(folder, cache)
    (next(cache.glob("flows-*.json"))).write_text("{not json", encoding="utf-8")
    flows, problems = _load(folder, cache)
    assert len(flows) >= 8 and not problems
