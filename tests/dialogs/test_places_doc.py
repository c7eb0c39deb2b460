"""docs/commands.md's "Where" column says what dialogs.places says, for every command and
verb."""

from __future__ import annotations

from dialogs.commands import Command
from dialogs.places import COMMAND_PLACES, VERB_PLACES, where
from tests.dialogs.test_commands_doc import table_rows, ticked


def test_the_where_column_matches_the_rules() -> None:
    commands = {ticked(row[0])[0]: row[-1] for row in table_rows("Text commands")}
    assert commands == {str(c): where(COMMAND_PLACES[c]) for c in Command}
    verbs = {ticked(row[0])[0]: row[-1] for row in table_rows("Card verbs")}
    assert verbs == {verb: where(place) for verb, place in VERB_PLACES.items()}
