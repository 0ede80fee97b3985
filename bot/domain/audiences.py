"""Who an announcement reaches, and in which words each reader gets it.

An audience combines segments: within one kind the choices widen it (parents OR buddies),
across kinds they narrow it (parents AND Arabic readers AND members of club 3). An empty kind
places no limit, so the empty audience is everyone. The buddy programme is a kind of its own:
families still waiting for a buddy, and the people (families and buddies) in an active match.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

# A version in this language is the second choice of a reader whose own language has none:
# many newcomers read some English, and the programme's own language (the source) comes last.
BRIDGE_LANGUAGE = "en"

# The buddy programme's segments: families whose request waits for a buddy (or for a
# coordinator's decision on a proposal), and both sides of an active match.
PROGRAMME_WAITING = "waiting"
PROGRAMME_MATCHED = "matched"
PROGRAMME = (PROGRAMME_WAITING, PROGRAMME_MATCHED)


@dataclass(frozen=True)
class Audience:
    """The segments chosen; each kind is a set, and an empty set means 'no limit'."""

    roles: frozenset[str] = field(default_factory=frozenset)
    languages: frozenset[str] = field(default_factory=frozenset)
    clubs: frozenset[int] = field(default_factory=frozenset)
    areas: frozenset[str] = field(default_factory=frozenset)
    programme: frozenset[str] = field(default_factory=frozenset)  # PROGRAMME values

    @property
    def everyone(self) -> bool:
        return not (self.roles or self.languages or self.clubs or self.areas or self.programme)

    def toggled(self, kind: str, value: str | int) -> Audience:
        """The audience with one choice of one kind added, or taken away if it was there."""
        if kind == "clubs":
            return replace(self, clubs=self.clubs ^ {int(value)})
        if kind == "roles":
            return replace(self, roles=self.roles ^ {str(value)})
        if kind == "languages":
            return replace(self, languages=self.languages ^ {str(value)})
        if kind == "areas":
            return replace(self, areas=self.areas ^ {str(value)})
        if kind == "programme":
            if str(value) not in PROGRAMME:
                raise ValueError(f"no such buddy programme segment: {value!r}")
            return replace(self, programme=self.programme ^ {str(value)})
        raise ValueError(f"no such kind of segment: {kind!r}")

    def to_json(self) -> dict[str, list[Any]]:
        return {
            "roles": sorted(self.roles),
            "languages": sorted(self.languages),
            "clubs": sorted(self.clubs),
            "areas": sorted(self.areas),
            "programme": sorted(self.programme),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Audience:
        data = data or {}
        return cls(
            roles=frozenset(str(v) for v in data.get("roles", ())),
            languages=frozenset(str(v) for v in data.get("languages", ())),
            clubs=frozenset(int(v) for v in data.get("clubs", ())),
            areas=frozenset(str(v) for v in data.get("areas", ())),
            # absent from audiences stored before the buddy programme: no limit
            programme=frozenset(str(v) for v in data.get("programme", ())),
        )


def version_for(reader_language: str, texts: Mapping[str, str], source_language: str) -> str:
    """The language whose text a reader gets: their own, else English, else the source."""
    if texts.get(reader_language):
        return reader_language
    if texts.get(BRIDGE_LANGUAGE):
        return BRIDGE_LANGUAGE
    return source_language


def estimated_seconds(recipients: int, per_second: float) -> int:
    """How long delivering to everyone takes at the overall pace (one message per reader)."""
    if recipients <= 0 or per_second <= 0:
        return 0
    return max(1, math.ceil(recipients / per_second))
