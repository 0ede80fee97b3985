"""The optimal assignment of a whole batch of families to buddies, with NumPy and SciPy.

The rules and scores are in matching.py (pure Python, one pair at a time); here every
feasible pair of a batch is scored at once in vectorised form and the batch is solved as a
minimum-weight bipartite matching. Kept apart so that NumPy and SciPy (a quarter of a second
and some 40 MB) load when a coordinator first runs a batch, not at every start of the bot.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from bot.domain.buddies.matching import (
    CONVERSATIONAL,
    ENOUGH_SLOTS,
    LEVELS,
    NATIVE,
    Batch,
    Proposal,
    Request,
    Volunteer,
    Weights,
    _norm,
    _spoken,
    _wanted_gender,
    score,
)

DEFAULT_WEIGHTS = Weights()
# Pairs scored per numpy block in the fast path (bounds the memory of the temporaries).
_BLOCK_PAIRS = 1 << 21


# --- a whole batch -----------------------------------------------------------------------------


def propose(
    volunteers: Sequence[Volunteer], requests: Sequence[Request], weights: Weights = DEFAULT_WEIGHTS
) -> Batch:
    """The assignment of the batch with the greatest total score: each volunteer takes at most
    the places they have left, each family at most one buddy; families no buddy can be given
    are listed as unmatched."""
    pool, pairs = _prepare(volunteers, requests, weights)
    assigned = _optimal(len(requests), pairs, np.array([v.free for v in pool], dtype=np.int64))
    return _batch(pool, requests, assigned, pairs, weights)


def greedy(
    volunteers: Sequence[Volunteer], requests: Sequence[Request], weights: Weights = DEFAULT_WEIGHTS
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
    volunteers: Sequence[Volunteer], requests: Sequence[Request], weights: Weights = DEFAULT_WEIGHTS
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
