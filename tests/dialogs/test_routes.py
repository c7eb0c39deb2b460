"""The routing tables: reachable without services, each key once, every command and verb
with a handler, a rule (dialogs.places) and a fast test (tests/dialogs)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import dialogs
import tests.dialogs
from bot.services.context import TurnRef
from cards import verbs as v
from dialogs import router as router_module
from dialogs.commands import Command
from dialogs.outcome import Outcome
from dialogs.ports import Services
from dialogs.router import FEATURES, route_table
from dialogs.routes import Click, DuplicateRoute, Routes, merge
from tests.dialogs import tested
from tests.dialogs.fakes import make_bot

#: The feature modules stay small enough to read in one sitting.
MOST_LINES = 400


async def nothing(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    return Outcome()


async def say_nothing(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    return Outcome()


def test_the_tables_need_no_services() -> None:
    table = route_table()
    assert set(table.commands) == set(Command)
    assert set(table.verbs) == set(v.ALL_VERBS)


def test_a_feature_cannot_route_one_verb_twice() -> None:
    routes = Routes("dialogs.example")
    routes.verb(v.HELP_SHOW)(nothing)
    with pytest.raises(DuplicateRoute, match=r"help\.show is routed twice"):
        routes.verb(v.HELP_SHOW)(nothing)
    routes.command(Command.HELP)(say_nothing)
    with pytest.raises(DuplicateRoute, match="help is routed twice"):
        routes.command(Command.HELP)(say_nothing)


def test_two_features_cannot_route_one_key() -> None:
    first, second = Routes("dialogs.first"), Routes("dialogs.second")
    first.verb(v.MEETING_NEXT)(nothing)
    second.verb(v.MEETING_NEXT)(nothing)
    with pytest.raises(DuplicateRoute, match=r"in dialogs\.first and in dialogs\.second"):
        merge([first, second])
    first.command(Command.AGENDA)(say_nothing)
    other = Routes("dialogs.other")
    other.command(Command.AGENDA)(say_nothing)
    with pytest.raises(DuplicateRoute, match="agenda is routed twice"):
        merge([first, other])


def test_the_router_will_not_start_with_a_key_routed_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    again = Routes("dialogs.again")
    again.verb(v.ACTION_DONE)(nothing)
    monkeypatch.setattr(router_module, "FEATURES", (*FEATURES, again))
    with pytest.raises(DuplicateRoute, match=r"action\.done is routed twice"):
        make_bot()


def test_the_router_will_not_start_with_a_command_unhandled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    without_members = tuple(f for f in FEATURES if f.feature != "dialogs.members")
    monkeypatch.setattr(router_module, "FEATURES", without_members)
    with pytest.raises(RuntimeError, match="no handler for: members"):
        make_bot()


def test_a_routed_verb_is_what_the_router_offers() -> None:
    assert make_bot().router.verbs == frozenset(v.ALL_VERBS)


def test_every_command_and_verb_has_a_fast_test() -> None:
    for module in pkgutil.iter_modules(tests.dialogs.__path__):
        if module.name.startswith("test_"):
            importlib.import_module(f"tests.dialogs.{module.name}")
    table = route_table()
    assert sorted(set(table.commands) - set(tested.COMMANDS)) == []
    assert sorted(set(table.verbs) - set(tested.VERBS)) == []


def test_each_feature_module_is_small() -> None:
    folder = Path(dialogs.__file__).parent
    for feature in FEATURES:
        path = folder / f"{feature.feature.rsplit('.', 1)[1]}.py"
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines < MOST_LINES, (path.name, lines)
