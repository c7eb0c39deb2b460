"""docs/commands.md lists exactly the commands and verbs the code understands."""

from __future__ import annotations

import re
from pathlib import Path

from cards.verbs import ALL_VERBS
from dialogs.commands import COMMANDS
from dialogs.router import route_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "commands.md"


def table_rows(heading: str) -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_every_text_command_and_alias_is_documented() -> None:
    rows = {ticked(row[0])[0]: set(ticked(row[1])) for row in table_rows("Text commands")}
    assert set(rows) == {info.command.value for info in COMMANDS}
    for info in COMMANDS:
        assert rows[info.command.value] == set(info.aliases), info.command


def test_every_verb_is_documented_and_routed() -> None:
    documented = [ticked(row[0])[0] for row in table_rows("Card verbs")]
    assert sorted(documented) == sorted(ALL_VERBS)
    assert frozenset(route_table().verbs) == frozenset(ALL_VERBS)
