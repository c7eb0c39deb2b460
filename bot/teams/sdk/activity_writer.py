"""Writing an outgoing activity (a reply, a card edit, a proactive message) as the JSON
body the Bot Connector receives, fast, and exactly as msrest would.

msrest's ``Serializer`` walks every attribute of the model (about 50 on ``Activity``),
copying each attribute's description, running the key transformer and dispatching on the
type name, for every account and attachment inside too. For a "my actions" reply (a card
passed through as ``CardJSON``) that took 270-414 us of CPU; written by the plan here,
15-25 us (measured side by side, issue 18). Each model class's attributes are read once
into a plan (attribute, JSON key, how to write the value), and an activity whose values
have the plain types their attributes expect is written by the plan. ``object`` values (a
card's content, ``channelData``, ``value``) and dates go through the serialiser's own
methods (so a ``CardJSON`` card still passes untouched, bot.teams.sdk.clients), and an
Enum in a string field gives its value, as msrest's ``serialize_unicode`` does. Anything
else (a number where a string is expected, a dict where a model is expected) hands the
whole activity to msrest, which writes or refuses it exactly as stock.
``tests/teams/test_activity_writer.py`` compares the two, byte for byte.

As msrest does for JSON: attributes that are None are left out, ``additional_properties``
are not written, and a model is written by its own class's map (a ``TeamsChannelAccount``
in a ``ChannelAccount`` field keeps its extra attributes).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any

from msrest.serialization import Model, Serializer

__all__ = ["NotPlain", "write_model"]

Write = Callable[[Any, Serializer], Any]


class NotPlain(Exception):
    """A value the plan does not write: the whole activity goes to msrest."""


def _same(kind: type) -> Write:
    def write(value: Any, _: Serializer) -> Any:
        if type(value) is not kind:
            raise NotPlain
        return value

    return write


def _iso(value: Any, serializer: Serializer) -> Any:
    if type(value) is not datetime:
        raise NotPlain
    try:
        return serializer.serialize_iso(value)  # type: ignore[no-untyped-call]
    except Exception as exc:
        raise NotPlain from exc


def _object(value: Any, serializer: Serializer) -> Any:
    try:
        return serializer.serialize_object(value)  # type: ignore[no-untyped-call]
    except Exception as exc:
        raise NotPlain from exc


def _model(value: Any, serializer: Serializer) -> Any:
    if not isinstance(value, Model):
        raise NotPlain
    return write_model(value, serializer)


def _list_of(item: Write) -> Write:
    def write(value: Any, serializer: Serializer) -> Any:
        if type(value) is not list:
            raise NotPlain
        return [None if v is None else item(v, serializer) for v in value]

    return write


def _dict_of(item: Write) -> Write:
    def write(value: Any, serializer: Serializer) -> Any:
        if type(value) is not dict or any(type(k) is not str for k in value):
            raise NotPlain
        return {k: None if v is None else item(v, serializer) for k, v in value.items()}

    return write


def _text(value: Any, _: Serializer) -> Any:
    """A string, or an Enum's value (botbuilder's ``ActivityTypes.message``), as msrest's
    ``serialize_unicode`` writes them."""
    if type(value) is str:
        return value
    if isinstance(value, Enum):
        return value.value
    raise NotPlain


_BASIC: dict[str, Write] = {
    "str": _text,
    "bool": _same(bool),
    "int": _same(int),
    "iso-8601": _iso,
    "object": _object,
}


def _writer(kind: str) -> Write:
    if kind in _BASIC:
        return _BASIC[kind]
    if kind.startswith("[") and kind.endswith("]"):
        return _list_of(_writer(kind[1:-1]))
    if kind.startswith("{") and kind.endswith("}"):
        return _dict_of(_writer(kind[1:-1]))
    return _model  # a model's name: written by the map of the value's own class


_Plan = tuple[tuple[str, str, Write], ...]
_PLANS: dict[type, _Plan | None] = {}


def _plan(model: type) -> _Plan | None:
    """The plan of ``model``, or None where msrest's rules differ from a plain walk
    (flattened keys, additional properties written by name, read-only attributes,
    types other than those above): such a model always goes to msrest."""
    if model in _PLANS:
        return _PLANS[model]
    fields: list[tuple[str, str, Write]] = []
    plan: _Plan | None
    try:
        for attribute, description in model._attribute_map.items():  # type: ignore[attr-defined]
            key = description["key"]
            kind = description["type"]
            if not key or "." in key or getattr(model, "_validation", {}).get(attribute):
                raise NotPlain
            inner = kind.strip("[]{}")
            if inner not in _BASIC and not inner[:1].isupper():
                raise NotPlain  # another msrest type (date, duration, base64, ...)
            fields.append((attribute, key, _writer(kind)))
        plan = tuple(fields)
    except NotPlain:
        plan = None
    _PLANS[model] = plan
    return plan


def write_model(model: Model, serializer: Serializer) -> dict[str, Any]:
    """``model`` as msrest's ``serializer._serialize(model)`` writes it for JSON, or
    NotPlain where the plan does not apply (the caller then asks msrest)."""
    plan = _plan(type(model))
    if plan is None:
        raise NotPlain
    written: dict[str, Any] = {}
    for attribute, key, write in plan:
        value = getattr(model, attribute)
        if value is not None:
            written[key] = write(value, serializer)
    return written
