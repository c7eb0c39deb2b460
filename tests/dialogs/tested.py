"""Which fast test covers which command and verb, so a test can insist each has one.

A dialog test says what it covers with ``@covers(Command.X, v.Y)``; test_routes.py reads
the marks from every tests/dialogs/test_*.py module and fails for a routed command or
verb that none covers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from dialogs.commands import Command

_Test = TypeVar("_Test", bound=Callable[..., object])

#: The commands and verbs covered, each with the tests that cover it.
COMMANDS: dict[Command, list[str]] = {}
VERBS: dict[str, list[str]] = {}


def covers(*keys: Command | str) -> Callable[[_Test], _Test]:
    def mark(test: _Test) -> _Test:
        name = f"{test.__module__}.{getattr(test, '__name__', test)}"
        for key in keys:
            if isinstance(key, Command):
                COMMANDS.setdefault(key, []).append(name)
            else:
                VERBS.setdefault(key, []).append(name)
        return test

    return mark
