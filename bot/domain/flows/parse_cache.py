"""Parsed flow files kept between starts, by content, so a restart does not parse them again.

ruamel.yaml's parser is pure Python (about 10 ms for a flow file; libyaml's C parser refuses
plain scalars our flows use, such as `{label: Why?, ...}`), so a library of 50 flows took half a
second of every start. The cache holds only the parsed YAML as plain data, keyed by a digest of
the file's text and the parser's version: the flows are still validated and checked on every
start, and a changed file is parsed afresh. One JSON file per flows folder, holding exactly the
current files, so nothing piles up. A cache that cannot be read or written is simply not used.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib.metadata import version
from pathlib import Path
from typing import Any

import structlog

log = structlog.get_logger("silta.flows")

FORMAT = "1"  # bump when the plain data's shape changes (loader._plain)


class ParseCache:
    """The parsed YAML of one folder's flow files, by digest of each file's text."""

    def __init__(self, folder: Path, flows_dir: Path) -> None:
        name = hashlib.sha256(str(flows_dir.resolve()).encode()).hexdigest()[:16]
        self.path = folder / f"flows-{name}.json"
        self._salt = f"{FORMAT}:{version('ruamel.yaml')}:".encode()
        self._old: dict[str, Any] = self._read()
        self._new: dict[str, Any] = {}

    def key(self, text: str) -> str:
        return hashlib.sha256(self._salt + text.encode("utf-8")).hexdigest()

    def get(self, text: str) -> Any | None:
        """The plain data parsed from this text before, or None."""
        key = self.key(text)
        data = self._old.get(key)
        if data is not None:
            self._new[key] = data
        return data

    def put(self, text: str, data: Any) -> None:
        self._new[self.key(text)] = data

    def save(self) -> None:
        """Write the entries used in this load (only when they differ from the file's)."""
        if self._new == self._old:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps(self._new, ensure_ascii=False), encoding="utf-8")
            partial.replace(self.path)  # atomic: a reader sees the old file or the new one
        except OSError as error:
            log.info("flow_cache_not_written", path=str(self.path), error=error.strerror)

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}
