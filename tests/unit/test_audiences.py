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
