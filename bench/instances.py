"""Random buddy-matching batches shaped like the real sign-ups and requests.

One generator for the matching benchmark and the unit tests (which check optimality and the
rules on small instances of it), so the benchmark measures the kind of batch the tests prove.
The shapes follow the flows (flows/buddy-signup.yaml, flows/buddy-request.yaml) as
bot/services/buddies.py stores them: most volunteers take one family, fewer two or three; nearly
all speak the country's language, many English, some a newcomer's language; families speak
their own language, often some English, a little of the country's language now and then; a
city's districts, a few of them holding most newcomers; the sign-up's four coarse times.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from bot.domain.buddies.matching import AGE_BANDS, SLOTS, TOPICS, Request, Volunteer

# The bot's languages, the country's first, then English, then newcomers' languages by size.
LANGUAGES: tuple[str, ...] = ("fi", "en", "ru", "uk", "et", "ar", "so", "fa", "ckb", "sv")

# Districts of a middle-sized city; newcomers live mostly in the first few.
AREAS: tuple[str, ...] = (
    "Petonen",
    "Neulamäki",
    "Saaristokaupunki",
    "Puijonlaakso",
    "Keskusta",
    "Jynkkä",
    "Levänen",
    "Kelloniemi",
    "Niirala",
    "Männistö",
    "Rypysuo",
    "Litmanen",
)

# The sign-up's coarse times as the matching's slots (bot/services/buddies.AVAILABILITY_SLOTS).
TIMES: tuple[tuple[str, ...], ...] = (
    tuple(slot for slot in SLOTS[:15] if slot.endswith("_morning")),
    tuple(slot for slot in SLOTS[:15] if slot.endswith("_afternoon")),
    tuple(slot for slot in SLOTS[:15] if slot.endswith("_evening")),
    SLOTS[15:],  # the weekend
)

# What families ask for, most often first; volunteers offer the same list more evenly.
NEEDS: tuple[float, ...] = (5, 4, 3, 2, 3)  # weights over TOPICS


def _share(rnd: random.Random, items: Sequence[str], weights: Sequence[float], k: int) -> set[str]:
    """`k` distinct items, the heavier more likely."""
    chosen: set[str] = set()
    while len(chosen) < min(k, len(items)):
        chosen.add(rnd.choices(items, weights)[0])
    return chosen


def _area(rnd: random.Random, newcomer: bool) -> str | None:
    """Free text in the real data: blank now and then, case and spaces vary."""
    if rnd.random() < 0.1:
        return None
    weights = [1 / (rank + 1) for rank in range(len(AREAS))] if newcomer else [1.0] * len(AREAS)
    area = rnd.choices(AREAS, weights)[0]
    return rnd.choice([area, area, area.lower(), f" {area}"])


def _times(rnd: random.Random) -> frozenset[str]:
    """Mostly the sign-up's coarse choices; now and then single slots (the domain takes any),
    so that partial overlaps occur too."""
    if rnd.random() < 0.2:
        return frozenset(rnd.sample(SLOTS, rnd.randint(1, 4)))
    return frozenset(slot for group in rnd.sample(TIMES, rnd.randint(0, 3)) for slot in group)


def _newcomer_language(rnd: random.Random, languages: Sequence[str]) -> str:
    """A newcomer's own language: one of the third onward, the larger groups first."""
    own = languages[2:] or languages
    return rnd.choices(own, [1 / (rank + 1) for rank in range(len(own))])[0]


def random_volunteer(id: int, rnd: random.Random, languages: Sequence[str]) -> Volunteer:
    spoken: dict[str, str] = {}
    if rnd.random() < 0.9:
        spoken[languages[0]] = rnd.choice(["native", "native", "fluent"])
    if len(languages) > 1 and rnd.random() < 0.7:
        spoken[languages[1]] = rnd.choice(["basic", "good", "fluent", "fluent"])
    if rnd.random() < 0.25 or not spoken:  # a newcomer themselves, or a student of it
        spoken[_newcomer_language(rnd, languages)] = rnd.choice(["native", "fluent", "good"])
    capacity = rnd.choices([1, 2, 3], [55, 30, 15])[0]
    supports = rnd.choices([("family",), ("pupil",), ("family", "pupil")], [50, 15, 35])[0]
    return Volunteer(
        id,
        spoken,
        area=_area(rnd, newcomer=False),
        age_bands=frozenset(_share(rnd, AGE_BANDS, (3, 4, 2), rnd.randint(1, 3))),
        supports=frozenset(supports),
        topics=frozenset(_share(rnd, TOPICS, (1, 1, 1, 1, 1), rnd.choice([0, 1, 2, 2, 3, 4]))),
        availability=_times(rnd),
        capacity=capacity,
        load=0 if rnd.random() < 0.6 else rnd.randint(1, capacity),
        gender=rnd.choices(["female", "male", None], [65, 30, 5])[0],
        approved=rnd.random() < 0.9,
    )


def random_request(id: int, rnd: random.Random, languages: Sequence[str]) -> Request:
    spoken = {_newcomer_language(rnd, languages): "native"}
    if len(languages) > 1 and rnd.random() < 0.4:
        spoken.setdefault(languages[1], rnd.choice(["basic", "good", "fluent"]))
    if rnd.random() < 0.3:
        spoken.setdefault(languages[0], rnd.choice(["basic", "basic", "good"]))
    kind = rnd.choices(["family", "pupil"], [80, 20])[0]
    preference = rnd.choices([None, "female", "male", "same"], [60, 25, 8, 7])[0]
    return Request(
        id,
        spoken,
        area=_area(rnd, newcomer=True),
        age_bands=frozenset(
            _share(rnd, AGE_BANDS, (3, 4, 2), rnd.choice([0, 1, 1, 2]))
            if kind == "family"
            else {rnd.choice(AGE_BANDS[1:])}  # a pupil is at school
        ),
        kind=kind,
        topics=frozenset(_share(rnd, TOPICS, NEEDS, rnd.randint(0, 3))),
        availability=_times(rnd),
        gender_preference=preference,
        gender_required=preference is not None and rnd.random() < 0.3,
        gender=rnd.choice(["female", "male", None]),
    )


def random_instance(
    seed: int, families: int, volunteers: int, languages: Sequence[str] = ("fi", "en", "ar")
) -> tuple[list[Volunteer], list[Request]]:
    """`volunteers` buddies (ids from 100) and `families` requests (ids from 0). `languages`:
    the country's first, then a common second language, then newcomers' languages by size."""
    rnd = random.Random(seed)
    pool = [random_volunteer(100 + i, rnd, languages) for i in range(volunteers)]
    return pool, [random_request(i, rnd, languages) for i in range(families)]
