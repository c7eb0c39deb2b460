"""Typed text is matched to commands forgivingly, and help covers every command."""

from __future__ import annotations

import pytest

from dialogs.commands import COMMANDS, Command, help_text, normalise, parse, suggest


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("<at>Test Bot</at> start meeting", Command.START_MEETING),
        ("<at>MACE Meetings</at>  Start Meeting.", Command.START_MEETING),
        ("start meeting please", None),
        ("please start meeting", Command.START_MEETING),
        ("HELP", Command.HELP),
        ("?", Command.HELP),
        ("I'm here", Command.HERE),
        ("I\u2019m here", Command.HERE),
        ("next", Command.NEXT_ITEM),
        ("end meeting!", Command.END_MEETING),
        ("", None),
        (None, None),
        ("what is the weather", None),
    ],
)
def test_parse(text: str | None, command: Command | None) -> None:
    assert parse(text) == command


def test_mention_and_markup_are_stripped() -> None:
    assert normalise("<at>Bot</at>&nbsp;<p>agenda</p>") == "agenda"


def test_a_near_miss_gets_a_suggestion() -> None:
    assert suggest("strat meeting") == "start meeting"
    assert suggest("zzzz") is None


def test_help_names_every_command() -> None:
    text = help_text()
    for info in COMMANDS:
        assert f"**{info.command.value}**" in text
    assert {info.command for info in COMMANDS} == set(Command)
