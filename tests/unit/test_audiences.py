"""An announcement's audience and the words each reader gets (bot/domain/audiences.py)."""

from __future__ import annotations

import pytest

from bot.domain.audiences import Audience, estimated_seconds, version_for


def test_choices_toggle_and_survive_json() -> None:
    audience = Audience().toggled("roles", "parent").toggled("languages", "ar")
    audience = audience.toggled("clubs", "3").toggled("areas", "Petonen")
    assert not audience.everyone
    assert Audience.from_json(audience.to_json()) == audience
    assert audience.to_json()["clubs"] == [3], "club ids are numbers however they arrive"
    again = audience.toggled("roles", "parent").toggled("languages", "ar")
    again = again.toggled("clubs", 3).toggled("areas", "Petonen")
    assert again.everyone and again == Audience()
    assert Audience.from_json(None).everyone
    with pytest.raises(ValueError, match="no such kind"):
        Audience().toggled("moods", "happy")


def test_each_reader_gets_their_own_text_else_english_else_the_original() -> None:
    texts = {"fi": "Hei", "ar": "مرحبا"}
    assert version_for("ar", texts, "fi") == "ar"
    assert version_for("so", texts, "fi") == "fi", "no English version: the original"
    assert version_for("so", {**texts, "en": "Hello"}, "fi") == "en"
    assert version_for("so", {**texts, "so": ""}, "fi") == "fi", "an empty text is no version"


def test_delivery_estimate_at_the_pace() -> None:
    assert estimated_seconds(0, 30) == 0
    assert estimated_seconds(1, 30) == 1
    assert estimated_seconds(495, 30) == 17
    assert estimated_seconds(10, 0) == 0


def test_the_buddy_programme_is_a_kind_of_its_own() -> None:
    waiting = Audience().toggled("programme", "waiting")
    assert not waiting.everyone
    assert waiting.programme == {"waiting"}
    assert waiting.to_json()["programme"] == ["waiting"]
    both = waiting.toggled("programme", "matched").toggled("roles", "parent")
    assert both.to_json()["programme"] == ["matched", "waiting"]
    assert Audience.from_json(both.to_json()) == both
    assert both.toggled("programme", "waiting").programme == {"matched"}, "a second tap unchooses"
    assert waiting.toggled("programme", "waiting").everyone
    with pytest.raises(ValueError, match="buddy programme"):
        Audience().toggled("programme", "someday")


def test_audiences_stored_before_the_buddy_programme_still_read() -> None:
    old = {"roles": ["parent"], "languages": ["ar"], "clubs": [3], "areas": ["Petonen"]}
    audience = Audience.from_json(old)
    assert audience.programme == frozenset()
    assert audience == Audience().toggled("roles", "parent").toggled("languages", "ar").toggled(
        "clubs", 3
    ).toggled("areas", "Petonen")
    assert Audience.from_json({}).everyone
    assert Audience.from_json({"programme": ["matched"]}).programme == {"matched"}
