"""Buddy matching: hard rules, weighted reasons, and the optimal batch against brute force."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from typing import Any

import pytest

from bench.instances import random_instance
from bot.domain.buddies.assignment import greedy, pair_scores, propose
from bot.domain.buddies.matching import (
    AGE_BANDS,
    Batch,
    Reason,
    Request,
    Volunteer,
    Weights,
    best_candidates,
    score,
)


def volunteer(id: int, **fields: Any) -> Volunteer:
    defaults: dict[str, Any] = {
        "languages": {"fi": "native"},
        "age_bands": frozenset(AGE_BANDS),
        "approved": True,
    }
    return Volunteer(id, **{**defaults, **fields})


def request(id: int, **fields: Any) -> Request:
    return Request(id, **{"languages": {"fi": "good"}, **fields})


# --- checks ----------------------------------------------------------------------------------


def brute_force_best(volunteers: list[Volunteer], requests: list[Request]) -> float:
    """The greatest total over every assignment that respects the places left."""
    options: list[list[tuple[int | None, float]]] = [
        [(None, 0.0)]
        + [(v.id, result.total) for v in volunteers if (result := score(v, r)) is not None]
        for r in requests
    ]
    free = {v.id: v.free for v in volunteers}
    best = 0.0
    for choice in itertools.product(*options):
        taken = Counter(volunteer_id for volunteer_id, _ in choice if volunteer_id is not None)
        if all(count <= free[volunteer_id] for volunteer_id, count in taken.items()):
            best = max(best, sum(total for _, total in choice))
    return best


def conversational(languages: dict[str, str]) -> set[str]:
    return {code for code, level in languages.items() if level in ("good", "fluent", "native")}


def assert_rules_hold(volunteers: list[Volunteer], requests: list[Request], batch: Batch) -> None:
    """The hard rules, checked here independently of `score`."""
    by_id = {v.id: v for v in volunteers}
    requests_by_id = {r.id: r for r in requests}
    assert len({p.request_id for p in batch.proposals}) == len(batch.proposals)
    for proposal in batch.proposals:
        v, r = by_id[proposal.volunteer_id], requests_by_id[proposal.request_id]
        assert v.approved
        assert conversational(dict(v.languages)) & conversational(dict(r.languages))
        assert r.age_bands <= v.age_bands
        assert r.kind in v.supports
        if r.gender_required and r.gender_preference is not None:
            wanted = r.gender if r.gender_preference == "same" else r.gender_preference
            if wanted is not None:
                assert v.gender == wanted
    taken = Counter(p.volunteer_id for p in batch.proposals)
    for volunteer_id, count in taken.items():
        v = by_id[volunteer_id]
        assert v.load + count <= v.capacity
    matched = {p.request_id for p in batch.proposals}
    assert set(batch.unmatched) == {r.id for r in requests} - matched
    assert set(batch.no_candidate) <= set(batch.unmatched)


# --- hard rules of one pair ----------------------------------------------------------------


def test_basic_language_alone_is_no_shared_language() -> None:
    family = request(1, languages={"ar": "native", "en": "good"})
    assert score(volunteer(10, languages={"fi": "native", "en": "basic"}), family) is None
    assert (
        score(volunteer(11, languages={"en": "native"}), request(2, languages={"en": "basic"}))
        is None
    )
    fits = score(volunteer(12, languages={"fi": "native", "en": "good"}), family)
    assert fits is not None and Reason("language", value="en") in fits.reasons


def test_unknown_levels_are_refused() -> None:
    with pytest.raises(ValueError, match="level"):
        score(volunteer(10, languages={"fi": "intermediate"}), request(1))


def test_only_approved_volunteers_with_room() -> None:
    family = request(1)
    assert score(volunteer(10, approved=False), family) is None
    assert score(volunteer(11, capacity=2, load=2), family) is None
    assert score(volunteer(12, capacity=2, load=1), family) is not None


def test_all_age_bands_of_the_children_must_be_supported() -> None:
    family = request(1, age_bands=frozenset({"under7", "13-17"}))
    assert score(volunteer(10, age_bands=frozenset({"under7"})), family) is None
    assert score(volunteer(11, age_bands=frozenset({"under7", "13-17"})), family) is not None
    assert score(volunteer(12, age_bands=frozenset()), request(2)) is not None  # no children


def test_the_kind_of_request_must_be_supported() -> None:
    pupil = request(1, kind="pupil")
    assert score(volunteer(10), pupil) is None  # families only by default
    assert score(volunteer(11, supports=frozenset({"family", "pupil"})), pupil) is not None


def test_a_gender_preference_is_a_rule_only_when_required() -> None:
    wanted = request(1, gender_preference="female", gender_required=True)
    assert score(volunteer(10, gender="male"), wanted) is None
    assert score(volunteer(11, gender=None), wanted) is None
    assert score(volunteer(12, gender="Female"), wanted) is not None

    liked = request(2, gender_preference="female")
    man = score(volunteer(13, gender="male"), liked)
    woman = score(volunteer(14, gender="female"), liked)
    assert man is not None and woman is not None
    assert woman.total - man.total == pytest.approx(Weights().gender)
    assert Reason("gender", value="female") in woman.reasons
    assert all(reason.code != "gender" for reason in man.reasons)

    same = request(3, gender_preference="same", gender_required=True, gender="male")
    assert score(volunteer(15, gender="female"), same) is None
    assert score(volunteer(16, gender="male"), same) is not None
    # "same" without a known own gender cannot be applied, so it is ignored.
    unknown = request(4, gender_preference="same", gender_required=True)
    assert score(volunteer(17, gender="female"), unknown) is not None


# --- reasons -----------------------------------------------------------------------------------


def test_a_crafted_pair_gives_the_expected_reasons_most_important_first() -> None:
    buddy = volunteer(
        10,
        languages={"ar": "native", "fi": "good", "en": "basic"},
        area="Petonen",
        topics=frozenset({"school", "transport", "work"}),
        availability=frozenset({"mon_morning", "tue_evening", "wed_evening", "sat_morning"}),
        capacity=2,
        load=1,
        gender="female",
    )
    family = request(
        1,
        languages={"ar": "native", "en": "good"},
        area=" petonen",
        age_bands=frozenset({"under7", "7-12"}),
        topics=frozenset({"school", "transport", "homework"}),
        availability=frozenset({"mon_morning", "tue_evening", "wed_evening"}),
        gender_preference="same",
        gender="female",
    )
    result = score(buddy, family)
    assert result is not None
    assert result.reasons == (
        Reason("area", value="Petonen"),  # 3.0
        Reason("topics", values=("school", "transport")),  # 3.0 * 2/3
        Reason("availability", count=3),  # 2.0 * 3/3
        Reason("gender", value="female"),  # 1.5
        Reason("language", value="ar"),  # 1.0 * native
        Reason("load", count=1),  # 1.0 * 1/2 of the capacity free
    )
    assert [reason.points for reason in result.reasons] == pytest.approx(
        [3.0, 2.0, 2.0, 1.5, 1.0, 0.5]
    )
    assert result.total == pytest.approx(12.0 + 3.0 + 2.0 + 2.0 + 1.5 + 1.0 + 0.5)


def test_weights_change_the_score_and_must_not_be_negative() -> None:
    buddy, family = volunteer(10, area="Petonen"), request(1, area="Petonen")
    plain, heavy = score(buddy, family), score(buddy, family, Weights(area=10.0))
    assert plain is not None and heavy is not None
    assert heavy.total - plain.total == pytest.approx(7.0)
    with pytest.raises(ValueError, match="negative"):
        Weights(topics=-1.0)


def test_best_candidates_lists_the_top_feasible_buddies() -> None:
    family = request(1, area="Petonen", topics=frozenset({"school"}))
    pool = [
        volunteer(10),
        volunteer(11, area="Petonen", topics=frozenset({"school"})),
        volunteer(12, approved=False, area="Petonen", topics=frozenset({"school"})),
        volunteer(13, area="Petonen"),
        volunteer(14, area="Petonen"),  # ties with 13: pool order decides
    ]
    candidates = best_candidates(pool, family, n=3)
    assert [c.volunteer_id for c in candidates] == [11, 13, 14]
    assert all(c.request_id == 1 for c in candidates)
    assert candidates[0].score.reasons[0] == Reason("area", value="Petonen")
    assert [c.volunteer_id for c in best_candidates(pool, family, n=10)] == [11, 13, 14, 10]


# --- the batch -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(60))
def test_fast_scores_equal_the_pair_by_pair_score(seed: int) -> None:
    volunteers, requests = random_instance(seed, families=8, volunteers=6)
    expected = {
        (r.id, v.id): result.total
        for r in requests
        for v in volunteers
        if (result := score(v, r)) is not None
    }
    assert pair_scores(volunteers, requests) == expected  # the same floats, not just close


@pytest.mark.parametrize("seed", range(200))
def test_propose_is_optimal_and_never_worse_than_greedy(seed: int) -> None:
    rnd = random.Random(seed)
    volunteers, requests = random_instance(seed, rnd.randint(1, 6), rnd.randint(1, 4))
    batch = propose(volunteers, requests)
    assert_rules_hold(volunteers, requests, batch)
    assert batch.total == pytest.approx(brute_force_best(volunteers, requests), abs=1e-9)
    first_come = greedy(volunteers, requests)
    assert_rules_hold(volunteers, requests, first_come)
    assert batch.total >= first_come.total - 1e-9
    for proposal in batch.proposals:  # the reasons come with every proposal
        assert proposal.score.reasons and proposal.score.reasons[0].points > 0


def test_greedy_can_be_strictly_worse() -> None:
    # The first family would rather have buddy 10 (same area) but can also talk to 11;
    # the second family can only talk to 10.
    first = request(1, languages={"fi": "good", "ar": "native"}, area="Petonen")
    second = request(2, languages={"ar": "native"})
    volunteers = [
        volunteer(10, languages={"ar": "native"}, area="Petonen"),
        volunteer(11, languages={"fi": "native"}),
    ]
    first_come = greedy(volunteers, [first, second])
    assert [(p.request_id, p.volunteer_id) for p in first_come.proposals] == [(1, 10)]
    assert first_come.unmatched == (2,)

    batch = propose(volunteers, [first, second])
    assert sorted((p.request_id, p.volunteer_id) for p in batch.proposals) == [(1, 11), (2, 10)]
    assert batch.unmatched == ()
    assert batch.total > first_come.total


def test_a_volunteer_takes_no_more_families_than_places_left() -> None:
    volunteers = [volunteer(10, capacity=3, load=1)]
    requests = [request(i) for i in range(5)]
    for batch in (propose(volunteers, requests), greedy(volunteers, requests)):
        assert len(batch.proposals) == 2
        assert len(batch.unmatched) == 3
        assert batch.no_candidate == ()  # they fit, the places ran out


def test_families_nobody_fits_are_reported() -> None:
    volunteers = [volunteer(10, languages={"fi": "native", "en": "fluent"}, capacity=1)]
    requests = [
        request(1, languages={"so": "native"}),
        request(2, languages={"en": "good"}, area="Petonen"),
        request(3, languages={"fi": "good"}),
    ]
    batch = propose(volunteers, requests)
    assert len(batch.proposals) == 1
    assert set(batch.unmatched) == {1, 2, 3} - {batch.proposals[0].request_id}
    assert batch.no_candidate == (1,)


def test_empty_batches() -> None:
    assert propose([], [request(1), request(2)]) == Batch((), (1, 2), (1, 2))
    assert propose([volunteer(10)], []) == Batch((), (), ())
    assert greedy([volunteer(10, approved=False)], [request(1)]).unmatched == (1,)


def test_ids_must_be_unique() -> None:
    with pytest.raises(ValueError, match="unique"):
        propose([volunteer(10), volunteer(10)], [request(1)])
    with pytest.raises(ValueError, match="unique"):
        propose([volunteer(10)], [request(1), request(1)])


@pytest.mark.parametrize("seed", range(5))
def test_more_families_than_places_and_the_other_way_round(seed: int) -> None:
    # Both layouts of the assignment problem (rows = places, rows = families) are exercised.
    for families, volunteers in ((12, 3), (3, 12)):
        pool, requests = random_instance(1000 + seed, families, volunteers, ("fi", "en"))
        batch = propose(pool, requests)
        assert_rules_hold(pool, requests, batch)
        assert batch.total >= greedy(pool, requests).total - 1e-9


def test_a_medium_batch_respects_the_rules() -> None:
    languages = ("fi", "en", "ar", "so", "fa", "ru", "uk", "ckb")
    volunteers, requests = random_instance(7, families=2000, volunteers=400, languages=languages)
    batch = propose(volunteers, requests)
    assert_rules_hold(volunteers, requests, batch)
    assert batch.proposals and batch.unmatched
    first_come = greedy(volunteers, requests)
    assert_rules_hold(volunteers, requests, first_come)
    assert batch.total >= first_come.total
