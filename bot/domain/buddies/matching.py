"""Which volunteer buddy fits which newcomer family, and the best assignment for a whole batch.

A pair is first checked against HARD rules; if one fails the pair is impossible (`score` returns
None), whatever the preferences say:

* a shared language both sides can hold a conversation in: level "good" or better on both sides
  (levels are basic < good < fluent < native; "basic" alone is not enough to organise meetings),
* the volunteer is approved (training done and a coordinator said yes),
* the volunteer has room: current load below capacity,
* the volunteer supports the kind of request ("family" or "pupil") and ALL of the age bands of
  the family's children: a buddy meets the family as a whole, so a volunteer who does not work
  with teenagers is not given a family with a teenager,
* a gender preference the family marked as required (`gender_required`).

Everything else is WEIGHTED (`Weights`): a base for having a buddy at all, the same area, the
share of the family's topics the buddy covers, common time slots, a non-required gender
preference met, how strong the shared language is, and how much room the buddy has left.
The score carries `Reason`s as structured data (codes and values, never English text) so the
caller can translate them for the coordinator and the family.

`propose` finds the assignment of a batch with the greatest total score (each volunteer takes at
most the places they have left, each family at most one buddy) as a sparse linear assignment
problem between families and places (each place a volunteer has left is a node of its own), with
a dummy partner for every node of the smaller side so that a full matching always exists. The
pair scores are computed with numpy over blocks of families, keeping only the feasible pairs, so
10,000 families and 2,000 volunteers take seconds and a few hundred megabytes; time and memory
grow with the number of feasible pairs times the places per volunteer. `greedy` is the
first-come baseline that benchmarks compare against, and `best_candidates` lists the
alternatives for one family. Scores use each buddy's load before the batch: a buddy taking two
new families in one batch is not scored lower for the second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

# Language levels, weakest first. Only CONVERSATIONAL and above make a shared language.
LEVELS: Mapping[str, int] = {"basic": 1, "good": 2, "fluent": 3, "native": 4}
CONVERSATIONAL = LEVELS["good"]
NATIVE = LEVELS["native"]

# The vocabularies the bot offers; the matching itself accepts any codes.
AGE_BANDS: tuple[str, ...] = ("under7", "7-12", "13-17")
KINDS: tuple[str, ...] = ("family", "pupil")
TOPICS: tuple[str, ...] = ("school", "language_practice", "transport", "work", "homework")
SLOTS: tuple[str, ...] = tuple(
    f"{day}_{part}"
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    for part in ("morning", "afternoon", "evening")
)
# Common time slots beyond this many add nothing: three give a weekly meeting and fallbacks.
ENOUGH_SLOTS = 3

# The order of reasons of equal weight, and which reasons exist.
REASON_CODES: tuple[str, ...] = ("language", "area", "topics", "availability", "gender", "load")


@dataclass(frozen=True)
class Weights:
    """How much each preference counts. `match` is what any feasible buddy is worth; by default
    it is at least the sum of the others, so the optimiser does not leave a family without a
    buddy to give another family a nicer one: moving one family to make room always pays.
    """

    match: float = 12.0
    area: float = 3.0  # same area or district: shorter trips, same schools and services
    topics: float = 3.0  # times the share of the family's topics the buddy covers
    availability: float = 2.0  # times min(common slots, ENOUGH_SLOTS) / ENOUGH_SLOTS
    gender: float = 1.5  # a gender preference (not marked required) is met
    language: float = 1.0  # times the strength of the shared language (good 0.5 .. native 1)
    load: float = 1.0  # times the share of the buddy's capacity still free

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value < 0:
                raise ValueError(f"weight {name} must not be negative, got {value}")


@dataclass(frozen=True)
class Volunteer:
    """A buddy as the matching sees them. `languages` maps codes to LEVELS ("ar": "native")."""

    id: int
    languages: Mapping[str, str]
    area: str | None = None
    age_bands: AbstractSet[str] = frozenset()  # the children's ages they can support
    supports: AbstractSet[str] = frozenset({"family"})  # KINDS they take: families, pupils
    topics: AbstractSet[str] = frozenset()
    availability: AbstractSet[str] = frozenset()  # SLOTS codes
    capacity: int = 1  # families at once
    load: int = 0  # families now
    gender: str | None = None
    approved: bool = False  # training complete and approved by a coordinator

    @property
    def free(self) -> int:
        """Places left: how many more families this buddy can take now."""
        return max(0, self.capacity - self.load) if self.approved else 0


@dataclass(frozen=True)
class Request:
    """A family (or a pupil) asking for a buddy. `gender_preference` is "same", "female",
    "male" or None; "same" refers to `gender`, the asking person's own. It is a hard rule only
    with `gender_required`, and ignored when "same" is asked without a known own gender."""

    id: int
    languages: Mapping[str, str]
    area: str | None = None
    age_bands: AbstractSet[str] = frozenset()  # the bands of the children (all must be served)
    kind: str = "family"
    topics: AbstractSet[str] = frozenset()
    availability: AbstractSet[str] = frozenset()
    gender_preference: str | None = None
    gender_required: bool = False
    gender: str | None = None


@dataclass(frozen=True)
class Reason:
    """Why a pair fits, for the caller to translate: `code` is one of REASON_CODES; `value`,
    `values` or `count` carry the detail (a language, an area, common topics, common slots,
    places left). `points` is what it added to the score; it is left out of equality so that
    reasons compare by meaning."""

    code: str
    value: str | None = None
    values: tuple[str, ...] = ()
    count: int | None = None
    points: float = field(default=0.0, compare=False)


@dataclass(frozen=True)
class Score:
    """The score of a feasible pair and its reasons, most important first."""

    total: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Proposal:
    """One suggested pair: the family's request, the buddy, and why."""

    request_id: int
    volunteer_id: int
    score: Score


@dataclass(frozen=True)
class Batch:
    """The proposals of a batch (in request order) and the requests left without a buddy.
    `no_candidate` are those no available volunteer fits at all (the rest lost out on places)."""

    proposals: tuple[Proposal, ...]
    unmatched: tuple[int, ...]
    no_candidate: tuple[int, ...] = ()

    @property
    def total(self) -> float:
        return sum(proposal.score.total for proposal in self.proposals)


# --- one pair ------------------------------------------------------------------------------


def _level(level: str) -> int:
    try:
        return LEVELS[level.strip().casefold()]
    except KeyError:
        raise ValueError(f"unknown language level {level!r}; use one of {list(LEVELS)}") from None


def _spoken(languages: Mapping[str, str]) -> dict[str, int]:
    """Languages at conversational level, code -> level (codes normalised)."""
    levels = {code.strip().casefold(): _level(level) for code, level in languages.items()}
    return {code: level for code, level in levels.items() if level >= CONVERSATIONAL}


def _norm(text: str | None) -> str | None:
    """Areas and genders compare without case or surrounding spaces; blank means unknown."""
    if text is None:
        return None
    return text.strip().casefold() or None


def _wanted_gender(request: Request) -> str | None:
    """The buddy gender the family asks for, or None for no (usable) preference."""
    preference = _norm(request.gender_preference)
    if preference == "same":
        return _norm(request.gender)
    return preference


def _shared_language(volunteer: Volunteer, request: Request) -> tuple[str, int] | None:
    """The best language for the pair (the strongest on the weaker side) and that level; ties
    go to the family's first-listed language."""
    theirs = _spoken(volunteer.languages)
    best: tuple[str, int] | None = None
    for code, level in _spoken(request.languages).items():
        if code in theirs:
            joint = min(level, theirs[code])
            if best is None or joint > best[1]:
                best = (code, joint)
    return best


def score(volunteer: Volunteer, request: Request, weights: Weights = Weights()) -> Score | None:
    """The score of one pair with its reasons, or None when a hard rule fails."""
    if volunteer.free <= 0:
        return None
    language = _shared_language(volunteer, request)
    if language is None:
        return None
    if request.kind not in volunteer.supports or not request.age_bands <= volunteer.age_bands:
        return None
    wanted = _wanted_gender(request)
    gender_met = wanted is not None and _norm(volunteer.gender) == wanted
    if request.gender_required and wanted is not None and not gender_met:
        return None

    # The sum runs in the same order as in _pair_scores so both give the same float.
    reasons: list[Reason] = []
    code, level = language
    points = weights.language * (level / NATIVE)
    reasons.append(Reason("language", value=code, points=points))
    total = weights.match + points

    area = _norm(request.area)
    same_area = area is not None and area == _norm(volunteer.area)
    points = weights.area if same_area else 0.0
    if same_area:
        reasons.append(Reason("area", value=volunteer.area, points=points))
    total += points

    common_topics = request.topics & volunteer.topics
    points = weights.topics * (len(common_topics) / len(request.topics)) if common_topics else 0.0
    if common_topics:
        reasons.append(Reason("topics", values=tuple(sorted(common_topics)), points=points))
    total += points

    common_slots = len(request.availability & volunteer.availability)
    points = weights.availability * (min(common_slots, ENOUGH_SLOTS) / ENOUGH_SLOTS)
    if common_slots:
        reasons.append(Reason("availability", count=common_slots, points=points))
    total += points

    points = weights.gender if gender_met else 0.0
    if gender_met:
        reasons.append(Reason("gender", value=wanted, points=points))
    total += points

    points = weights.load * (volunteer.free / volunteer.capacity)
    reasons.append(Reason("load", count=volunteer.free, points=points))
    total += points

    reasons.sort(key=lambda reason: (-reason.points, REASON_CODES.index(reason.code)))
    return Score(total, tuple(reasons))


def best_candidates(
    volunteer_pool: Sequence[Volunteer],
    request: Request,
    n: int = 3,
    weights: Weights = Weights(),
) -> list[Proposal]:
    """The top `n` feasible buddies for one family, best first (ties: pool order), for a
    coordinator who wants another candidate than the proposed one."""
    scored: list[tuple[float, int, Proposal]] = []
    for position, volunteer in enumerate(volunteer_pool):
        result = score(volunteer, request, weights)
        if result is not None:
            scored.append((-result.total, position, Proposal(request.id, volunteer.id, result)))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [proposal for _, _, proposal in scored[:n]]
