"""How a feature module declares its commands and card verbs: beside their handlers.

Each feature (``dialogs.meeting``, ``dialogs.rounds``, ...) holds one ``Routes`` and marks
its handlers with ``@routes.command(...)`` or ``@routes.verb(...)``, in the spirit of a
listener decorator: handlers are plain functions given the ``Services`` and the turn, so
the tables exist as soon as the module is imported, with no services built. The router
merges the features' tables (``merge``) and refuses a key routed twice.

Every command handler gets the words typed after its command (``dialogs.commands.split``;
most ignore them), so the router treats every command alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.services.context import TurnRef
from dialogs.commands import Command
from dialogs.outcome import Outcome
from dialogs.ports import Services


@dataclass(frozen=True, slots=True)
class Click:
    """A card button press: from an ``adaptiveCard/action`` invoke or an Action.Submit."""

    verb: str
    data: Mapping[str, Any]
    #: The message the card is in (``replyToId``), to answer with its replacement.
    card_activity_id: str | None
    is_invoke: bool


CommandHandler = Callable[[Services, TurnRef, str], Awaitable[Outcome]]
VerbHandler = Callable[[Services, TurnRef, Click], Awaitable[Outcome]]
_Command = TypeVar("_Command", bound=CommandHandler)
_Verb = TypeVar("_Verb", bound=VerbHandler)


class DuplicateRoute(RuntimeError):
    """A command or verb declared twice: which handler runs would depend on the order."""


class Routes:
    """One feature's commands and verbs, each declared on its handler."""

    def __init__(self, feature: str) -> None:
        self.feature = feature
        self.commands: dict[Command, CommandHandler] = {}
        self.verbs: dict[str, VerbHandler] = {}

    def command(self, *commands: Command) -> Callable[[_Command], _Command]:
        """Route these typed commands to the handler below."""

        def declare(handler: _Command) -> _Command:
            routed: CommandHandler = handler
            for command in commands:
                _add(self.commands, command, routed, self.feature)
            return handler

        return declare

    def verb(self, *verbs: str) -> Callable[[_Verb], _Verb]:
        """Route these card verbs to the handler below."""

        def declare(handler: _Verb) -> _Verb:
            routed: VerbHandler = handler
            for verb in verbs:
                _add(self.verbs, verb, routed, self.feature)
            return handler

        return declare


@dataclass(frozen=True, slots=True)
class RouteTable:
    """Every feature's commands and verbs in one place, each key once."""

    commands: Mapping[Command, CommandHandler]
    verbs: Mapping[str, VerbHandler]


def merge(features: Iterable[Routes]) -> RouteTable:
    """The features' tables together; a key routed by two features is refused."""
    commands: dict[Command, CommandHandler] = {}
    verbs: dict[str, VerbHandler] = {}
    command_owners: dict[object, str] = {}
    verb_owners: dict[object, str] = {}
    for routes in features:
        for command, on_command in routes.commands.items():
            _add(commands, command, on_command, routes.feature, command_owners)
        for verb, on_verb in routes.verbs.items():
            _add(verbs, verb, on_verb, routes.feature, verb_owners)
    return RouteTable(commands, verbs)


_Key = TypeVar("_Key")
_Handler = TypeVar("_Handler")


def _add(
    table: dict[_Key, _Handler],
    key: _Key,
    handler: _Handler,
    feature: str,
    owners: dict[object, str] | None = None,
) -> None:
    if key in table:
        where = owners.get(key, feature) if owners is not None else feature
        raise DuplicateRoute(f"{key} is routed twice: in {where} and in {feature}")
    table[key] = handler
    if owners is not None:
        owners[key] = feature
