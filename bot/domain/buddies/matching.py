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
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

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

# Pairs scored per numpy block in the fast path (bounds the memory of the temporaries).
_BLOCK_PAIRS = 1 << 21


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


# --- a whole batch -----------------------------------------------------------------------------


def propose(
    volunteers: Sequence[Volunteer], requests: Sequence[Request], weights: Weights = Weights()
) -> Batch:
    """The assignment of the batch with the greatest total score: each volunteer takes at most
    the places they have left, each family at most one buddy; families no buddy can be given
    are listed as unmatched."""
    pool, pairs = _prepare(volunteers, requests, weights)
    assigned = _optimal(len(requests), pairs, np.array([v.free for v in pool], dtype=np.int64))
    return _batch(pool, requests, assigned, pairs, weights)


def greedy(
    volunteers: Sequence[Volunteer], requests: Sequence[Request], weights: Weights = Weights()
) -> Batch:
    """First come, first served: each family in the given order takes the best buddy still
    having a place (ties: pool order). The baseline that benchmarks compare `propose` with."""
    pool, pairs = _prepare(volunteers, requests, weights)
    left = np.array([v.free for v in pool], dtype=np.int64)
    assigned = np.full(len(requests), -1, dtype=np.int64)
    order = np.lexsort((pairs.cols, -pairs.scores, pairs.rows))
    rows, cols = pairs.rows[order], pairs.cols[order]
    starts = np.searchsorted(rows, np.arange(len(requests) + 1))
    for index in range(len(requests)):
        candidates = cols[starts[index] : starts[index + 1]]
        open_places = np.flatnonzero(left[candidates] > 0)
        if open_places.size:
            chosen = int(candidates[open_places[0]])
            left[chosen] -= 1
            assigned[index] = chosen
    return _batch(pool, requests, assigned, pairs, weights)


def pair_scores(
    volunteers: Sequence[Volunteer], requests: Sequence[Request], weights: Weights = Weights()
) -> dict[tuple[int, int], float]:
    """Every feasible pair's total, keyed (request id, volunteer id), from the vectorised path
    that `propose` and `greedy` use: for benchmarks, and to check it against `score`."""
    pool, pairs = _prepare(volunteers, requests, weights)
    return {
        (requests[row].id, pool[col].id): total
        for row, col, total in zip(
            pairs.rows.tolist(), pairs.cols.tolist(), pairs.scores.tolist(), strict=True
        )
    }


# --- many pairs at once (numpy) ----------------------------------------------------------------

_UInt = NDArray[np.uint64]
_Int = NDArray[np.int64]
_Index = NDArray[np.int32]
_Float = NDArray[np.float64]
_Bool = NDArray[np.bool_]
_POPCOUNT8 = np.array([bin(byte).count("1") for byte in range(256)], dtype=np.int64)
_WORD = (1 << 64) - 1


@dataclass(frozen=True)
class _Pairs:
    """The feasible pairs of a pool, by request: request index, volunteer index (in the pool),
    score. 32-bit indices: there may be tens of millions of pairs."""

    rows: _Index
    cols: _Index
    scores: _Float


@dataclass(frozen=True)
class _Encoded:
    """One side of the pool as bit masks (one row per person) and integer codes."""

    good: _UInt  # languages spoken at "good" or better
    fluent: _UInt  # ... at "fluent" or better
    native: _UInt
    groups: _UInt  # request: its kind and age bands; volunteer: all it does NOT support
    topics: _UInt
    slots: _UInt
    area: _Int  # -1: unknown
    gender: _Int  # volunteer: own gender; request: the wanted one; -1: unknown or none


def _vocabulary(groups: Sequence[AbstractSet[str]]) -> dict[str, int]:
    vocabulary: dict[str, int] = {}
    for codes in groups:
        for code in codes:
            vocabulary.setdefault(code, len(vocabulary))
    return vocabulary


def _bits(sets: Sequence[AbstractSet[str]], vocabulary: dict[str, int]) -> _UInt:
    """Each set as a row of 64-bit words, as many words as the vocabulary needs."""
    words = max(1, -(-len(vocabulary) // 64))
    masks = [sum(1 << vocabulary[code] for code in codes) for codes in sets]
    bits = np.zeros((len(sets), words), dtype=np.uint64)
    for word in range(words):
        bits[:, word] = [(mask >> (64 * word)) & _WORD for mask in masks]
    return bits


def _codes(values: Sequence[str | None], vocabulary: dict[str, int]) -> _Int:
    """Strings as integer codes, -1 for unknown (so that unknown never equals unknown)."""
    return np.array(
        [
            -1 if value is None else vocabulary.setdefault(value, len(vocabulary))
            for value in values
        ],
        dtype=np.int64,
    )


def _encode(
    volunteers: Sequence[Volunteer], requests: Sequence[Request]
) -> tuple[_Encoded, _Encoded]:
    """Both sides over shared vocabularies, so that bit k means the same code on each side."""
    spoken = (
        [set(_spoken(v.languages).items()) for v in volunteers],
        [set(_spoken(r.languages).items()) for r in requests],
    )
    groups = (
        [{f"kind:{k}" for k in v.supports} | {f"age:{a}" for a in v.age_bands} for v in volunteers],
        [{f"kind:{r.kind}"} | {f"age:{a}" for a in r.age_bands} for r in requests],
    )
    topics = [v.topics for v in volunteers], [r.topics for r in requests]
    slots = [v.availability for v in volunteers], [r.availability for r in requests]
    areas = [_norm(v.area) for v in volunteers], [_norm(r.area) for r in requests]
    genders = [_norm(v.gender) for v in volunteers], [_wanted_gender(r) for r in requests]

    language_codes = _vocabulary([{code for code, _ in s} for s in spoken[0] + spoken[1]])
    group_codes = _vocabulary(groups[0] + groups[1])
    topic_codes = _vocabulary(topics[0] + topics[1])
    slot_codes = _vocabulary(slots[0] + slots[1])
    area_codes: dict[str, int] = {}
    gender_codes: dict[str, int] = {}

    def at_least(side: list[set[tuple[str, int]]], floor: int) -> _UInt:
        return _bits([{code for code, level in s if level >= floor} for s in side], language_codes)

    encoded = [
        _Encoded(
            good=at_least(spoken[side], CONVERSATIONAL),
            fluent=at_least(spoken[side], LEVELS["fluent"]),
            native=at_least(spoken[side], NATIVE),
            groups=_bits(groups[side], group_codes),
            topics=_bits(topics[side], topic_codes),
            slots=_bits(slots[side], slot_codes),
            area=_codes(areas[side], area_codes),
            gender=_codes(genders[side], gender_codes),
        )
        for side in (0, 1)
    ]
    volunteer_side, request_side = encoded
    # A request fits a volunteer when it needs nothing outside what the volunteer supports.
    return replace(volunteer_side, groups=~volunteer_side.groups), request_side


def _any_pair(requests: _UInt, volunteers: _UInt) -> _Bool:
    """Request x volunteer: do the masks share a bit."""
    result = np.zeros((requests.shape[0], volunteers.shape[0]), dtype=bool)
    for word in range(requests.shape[1]):
        result |= (requests[:, None, word] & volunteers[None, :, word]) != 0
    return result


def _no_pair(requests: _UInt, volunteers: _UInt) -> _Bool:
    """Request x volunteer: are the masks disjoint."""
    result = np.ones((requests.shape[0], volunteers.shape[0]), dtype=bool)
    for word in range(requests.shape[1]):
        result &= (requests[:, None, word] & volunteers[None, :, word]) == 0
    return result


def _common(a: _UInt, b: _UInt) -> _Int:
    """Row by row: how many bits the two masks share."""
    shared = np.ascontiguousarray(a & b)
    counts: _Int = _POPCOUNT8[shared.view(np.uint8)].sum(axis=1)
    return counts


def _pair_scores(
    pool: Sequence[Volunteer], requests: Sequence[Request], weights: Weights
) -> _Pairs:
    """`score(...).total` of every feasible pair, vectorised: the hard rules over blocks of
    families x the whole pool, the preferences on the feasible pairs only. The arithmetic runs
    in the same order as in `score`, so the totals are the same floats."""
    volunteer_side, request_side = _encode(pool, requests)
    free = np.array([v.free for v in pool], dtype=np.int64)
    capacity = np.array([v.capacity for v in pool], dtype=np.int64)
    load_points = weights.load * (free / np.maximum(capacity, 1))
    topic_count = np.array([len(r.topics) for r in requests], dtype=np.int64)
    required = np.array([r.gender_required for r in requests], dtype=bool)
    required &= request_side.gender >= 0

    rows_parts: list[_Index] = []
    cols_parts: list[_Index] = []
    score_parts: list[_Float] = []
    block = max(1, _BLOCK_PAIRS // max(1, len(pool)))
    for start in range(0, len(requests) if pool else 0, block):
        stop = min(len(requests), start + block)
        fit = _any_pair(request_side.good[start:stop], volunteer_side.good)
        fit &= _no_pair(request_side.groups[start:stop], volunteer_side.groups)
        strict = np.flatnonzero(required[start:stop])
        if strict.size:
            wanted = request_side.gender[start:stop][strict]
            fit[strict] &= wanted[:, None] == volunteer_side.gender[None, :]
        local, cols = np.nonzero(fit)
        del fit
        rows = local + start

        level = (
            CONVERSATIONAL
            + (_common(request_side.fluent[rows], volunteer_side.fluent[cols]) > 0)
            + (_common(request_side.native[rows], volunteer_side.native[cols]) > 0)
        )
        total = weights.match + weights.language * (level / NATIVE)
        area = request_side.area[rows]
        total += np.where((area >= 0) & (area == volunteer_side.area[cols]), weights.area, 0.0)
        common = _common(request_side.topics[rows], volunteer_side.topics[cols])
        share = common / np.maximum(topic_count[rows], 1)
        total += np.where(common > 0, weights.topics * share, 0.0)
        common = _common(request_side.slots[rows], volunteer_side.slots[cols])
        total += weights.availability * (np.minimum(common, ENOUGH_SLOTS) / ENOUGH_SLOTS)
        wanted = request_side.gender[rows]
        met = (wanted >= 0) & (wanted == volunteer_side.gender[cols])
        total += np.where(met, weights.gender, 0.0)
        total += load_points[cols]
        rows_parts.append(rows.astype(np.int32))
        cols_parts.append(cols.astype(np.int32))
        score_parts.append(total)
    return _Pairs(
        _join(rows_parts, np.int32), _join(cols_parts, np.int32), _join(score_parts, np.float64)
    )


def _join(parts: list[NDArray[Any]], dtype: type[np.generic]) -> NDArray[Any]:
    """One array from the parts, emptying the list (so one field is copied at a time)."""
    joined = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
    parts.clear()
    return joined


def _optimal(n_requests: int, pairs: _Pairs, free: _Int) -> _Int:
    """The pool index assigned to each request (-1: none) maximising the total score.

    A sparse linear assignment problem (LAPJVsp) between families and places: each place a
    volunteer has left stands on its own (never more places than families that fit them). The
    smaller side are the rows, and each row has a private dummy column ("no buddy", "place left
    empty") so that a full matching always exists. Costs are `ceiling - score` with the ceiling
    above every score (a dummy costs the ceiling): all stay positive, as the solver wants, and
    the least total cost is the greatest total score.
    """
    assigned = np.full(n_requests, -1, dtype=np.int64)
    if pairs.scores.size == 0:
        return assigned
    families, family_of = np.unique(pairs.rows, return_inverse=True)
    degree = np.bincount(pairs.cols, minlength=free.size)
    places = np.minimum(free, degree)
    owner = np.repeat(np.arange(free.size), places)  # the volunteer of each place
    n_places = owner.size
    ceiling = float(pairs.scores.max()) + 1.0

    if n_places <= families.size:
        matrix = _place_rows(family_of, pairs, degree, places, families.size, ceiling)
        place, family = min_weight_full_bipartite_matching(matrix)
        real = family < families.size
        assigned[families[family[real]]] = owner[place[real]]
    else:
        matrix = _family_rows(family_of, pairs, places, families.size, ceiling)
        family, place = min_weight_full_bipartite_matching(matrix)
        real = place < n_places
        assigned[families[family[real]]] = owner[place[real]]
    return assigned


def _index_type(size: int) -> type[np.int32] | type[np.int64]:
    return np.int32 if size < 2**31 else np.int64


def _place_rows(
    family_of: _Int, pairs: _Pairs, degree: _Int, places: _Int, families: int, ceiling: float
) -> csr_array:
    """Rows are places, each holding all the families of its volunteer and then its own dummy.
    Filled volunteer by volunteer into the final arrays: copies are the bulk of the memory."""
    by_volunteer = np.argsort(pairs.cols, kind="stable")
    family_sorted = family_of[by_volunteer]
    cost_sorted = ceiling - pairs.scores[by_volunteer]
    del by_volunteer
    rows = int(places.sum())
    size = int((places * (degree + 1)).sum())
    index_type = _index_type(max(size, families + rows))
    indptr = np.zeros(rows + 1, dtype=index_type)
    np.cumsum(np.repeat(degree + 1, places), out=indptr[1:])
    indices = np.empty(size, dtype=index_type)
    data = np.empty(size, dtype=np.float64)
    position = row = first = 0
    for count, copies in zip(degree.tolist(), places.tolist(), strict=True):
        if copies:
            end = position + copies * (count + 1)
            block = indices[position:end].reshape(copies, count + 1)
            block[:, :count] = family_sorted[first : first + count]
            block[:, count] = families + row + np.arange(copies)
            costs = data[position:end].reshape(copies, count + 1)
            costs[:, :count] = cost_sorted[first : first + count]
            costs[:, count] = ceiling
            position, row = end, row + copies
        first += count
    return csr_array((data, indices, indptr), shape=(rows, families + rows))


def _family_rows(
    family_of: _Int, pairs: _Pairs, places: _Int, families: int, ceiling: float
) -> csr_array:
    """Rows are families (pairs come by family): each pair once per place of its volunteer,
    then the family's own dummy."""
    copies = places[pairs.cols]
    edge = np.repeat(np.arange(pairs.scores.size), copies)
    first_place = np.cumsum(places) - places
    offsets = np.cumsum(copies) - copies
    columns = np.arange(edge.size, dtype=np.int64)  # the place of each copy, built in place
    columns -= np.repeat(offsets, copies)
    columns += first_place[pairs.cols[edge]]
    n_places = int(places.sum())
    lengths = np.bincount(family_of, weights=copies, minlength=families).astype(np.int64)
    size = int(lengths.sum()) + families
    index_type = _index_type(max(size, n_places + families))
    indptr = np.zeros(families + 1, dtype=index_type)
    np.cumsum(lengths + 1, out=indptr[1:])
    dummy = indptr[1:] - 1
    real = np.ones(size, dtype=bool)
    real[dummy] = False
    indices = np.empty(size, dtype=index_type)
    indices[real] = columns
    indices[dummy] = n_places + np.arange(families)
    data = np.empty(size, dtype=np.float64)
    data[real] = ceiling - pairs.scores[edge]
    data[dummy] = ceiling
    return csr_array((data, indices, indptr), shape=(families, n_places + families))


def _prepare(
    volunteers: Sequence[Volunteer], requests: Sequence[Request], weights: Weights
) -> tuple[list[Volunteer], _Pairs]:
    for kind, ids in (
        ("volunteer", [v.id for v in volunteers]),
        ("request", [r.id for r in requests]),
    ):
        if len(set(ids)) != len(ids):
            raise ValueError(f"{kind} ids must be unique in a batch")
    pool = [volunteer for volunteer in volunteers if volunteer.free > 0]
    return pool, _pair_scores(pool, requests, weights)


def _batch(
    pool: Sequence[Volunteer],
    requests: Sequence[Request],
    assigned: _Int,
    pairs: _Pairs,
    weights: Weights,
) -> Batch:
    """The result with reasons, scored again pair by pair (cheap for the chosen pairs only)."""
    has_candidate = np.zeros(len(requests), dtype=bool)
    has_candidate[pairs.rows] = True
    proposals: list[Proposal] = []
    unmatched: list[int] = []
    for index, request in enumerate(requests):
        chosen = int(assigned[index])
        if chosen < 0:
            unmatched.append(request.id)
            continue
        volunteer = pool[chosen]
        result = score(volunteer, request, weights)
        if result is None:  # the fast path and `score` disagree: a bug, never a silent match
            raise RuntimeError(f"infeasible pair {volunteer.id}-{request.id} was assigned")
        proposals.append(Proposal(request.id, volunteer.id, result))
    no_candidate = tuple(r.id for i, r in enumerate(requests) if not has_candidate[i])
    return Batch(tuple(proposals), tuple(unmatched), no_candidate)
