"""The simulator refuses what Telegram would refuse, per the Bot API specification."""

from __future__ import annotations

import pytest

from bot.simulator.spec import SpecValidator, UploadedFile, decode_form_value


@pytest.fixture(scope="module")
def validator() -> SpecValidator:
    return SpecValidator()


def test_valid_send_message(validator: SpecValidator) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Suomi", "callback_data": "lang:fi"}]]}
    assert (
        validator.check_method(
            "sendMessage", {"chat_id": 1, "text": "Hei", "reply_markup": keyboard}
        )
        == []
    )


def test_unknown_method_and_parameter(validator: SpecValidator) -> None:
    assert validator.check_method("sendTelepathy", {}) == ["sendTelepathy: unknown method"]
    assert validator.check_method("sendMessage", {"chat_id": 1, "text": "x", "colour": "red"}) == [
        "sendMessage: unknown parameter 'colour'"
    ]


def test_missing_required_and_wrong_type(validator: SpecValidator) -> None:
    assert validator.check_method("sendMessage", {"text": "x"}) == [
        "sendMessage: missing required parameter 'chat_id'"
    ]
    problems = validator.check_method("sendMessage", {"chat_id": 1.5, "text": "x"})
    assert problems and "chat_id" in problems[0]
    assert validator.check_method(
        "sendMessage", {"chat_id": 1, "text": "x", "disable_notification": "yes"}
    )


def test_text_and_callback_data_limits(validator: SpecValidator) -> None:
    assert validator.check_method("sendMessage", {"chat_id": 1, "text": "a" * 4096}) == []
    assert validator.check_method("sendMessage", {"chat_id": 1, "text": "a" * 4097}) == [
        "sendMessage.text: 4097 characters, allowed 1-4096"
    ]
    emoji = "😀" * 2049  # 4098 UTF-16 code units, as Telegram counts
    assert validator.check_method("sendMessage", {"chat_id": 1, "text": emoji})
    keyboard = {"inline_keyboard": [[{"text": "x", "callback_data": "ä" * 33}]]}
    assert validator.check_method(
        "sendMessage", {"chat_id": 1, "text": "x", "reply_markup": keyboard}
    ) == ["sendMessage.reply_markup.inline_keyboard[0][0].callback_data: 66 bytes, allowed 1-64"]


def test_language_code_must_be_two_letters(validator: SpecValidator) -> None:
    commands = [{"command": "start", "description": "Start"}]
    assert (
        validator.check_method("setMyCommands", {"commands": commands, "language_code": "fi"}) == []
    )
    assert validator.check_method("setMyCommands", {"commands": commands, "language_code": "ckb"})


def test_nested_union_types(validator: SpecValidator) -> None:
    commands = [{"command": "start", "description": "Start"}]
    assert (
        validator.check_method(
            "setMyCommands", {"commands": commands, "scope": {"type": "chat", "chat_id": 5}}
        )
        == []
    )
    assert validator.check_method(
        "setMyCommands", {"commands": commands, "scope": {"type": "chat"}}
    )


def test_files_and_form_decoding(validator: SpecValidator) -> None:
    assert (
        validator.check_method(
            "sendDocument", {"chat_id": 1, "document": UploadedFile("a.ics", 10)}
        )
        == []
    )
    assert decode_form_value("123", ["Integer", "String"]) == 123
    assert decode_form_value("@channel", ["Integer", "String"]) == "@channel"
    assert decode_form_value("true", ["Boolean"]) is True
    assert decode_form_value('{"a": 1}', ["InlineKeyboardMarkup"]) == {"a": 1}
    assert decode_form_value("123", ["String"]) == "123"
