"""The one place a card's id is looked up (``row_named``), and the one shape of "saved, not
shown" (``shown_after_saving``): each service used to repeat the first inline, and the
router lacked the second after an action's change or a round's opening or closing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.domain.errors import NotFound, SavedNotShown
from bot.services.records import row_named, shown_after_saving
from bot.store import tables as t
from bot.store.db import Store

SERVICES = Path(__file__).parents[2] / "bot" / "services"


@pytest.mark.parametrize("value", [None, "", "abc", "1.5", -1, 0, 2**63, True, [1], {"a": 1}])
async def test_a_value_that_is_no_id_finds_nothing(demo_store: Store, value: object) -> None:
    async with demo_store.reading() as session:
        assert await row_named(session, t.Locality, value) is None


async def test_an_id_as_a_card_sends_it_finds_the_row(demo_store: Store) -> None:
    async with demo_store.reading() as session:
        first = await session.get_one(t.Locality, 1)
        assert await row_named(session, t.Locality, "1") is first
        assert await row_named(session, t.Locality, 1) is first


async def test_a_store_failure_after_saving_is_told_as_saved() -> None:
    with pytest.raises(SavedNotShown) as raised:
        async with shown_after_saving("my actions"):
            raise OperationalError("SELECT", {}, ConnectionRefusedError("no answer"))
    assert raised.value.user_message.startswith("Saved.")
    assert "**my actions**" in raised.value.user_message
    # A refusal is not a store failure: it passes through as itself.
    with pytest.raises(NotFound):
        async with shown_after_saving():
            raise NotFound()


def _looks_up_a_card_id(function: ast.AST) -> bool:
    """A function that reads a card's id (``card_id``) and gets a row with it itself."""
    calls = [n.func for n in ast.walk(function) if isinstance(n, ast.Call)]
    reads_id = any(isinstance(f, ast.Name) and f.id == "card_id" for f in calls)
    gets = any(
        isinstance(f, ast.Attribute)
        and f.attr == "get"
        and isinstance(f.value, ast.Name)
        and f.value.id in ("session", "s")
        for f in calls
    )
    return reads_id and gets


def test_no_service_looks_up_a_card_id_by_hand() -> None:
    inline = []
    for path in sorted(SERVICES.glob("*.py")):
        if path.name == "records.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and _looks_up_a_card_id(
                node
            ):
                inline.append(f"{path.name}:{node.name}")
    assert inline == [], "use bot.services.records.row_named"
