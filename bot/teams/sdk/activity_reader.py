"""Reading an incoming activity's JSON into botbuilder's ``Activity``, fast, and exactly as
msrest would.

Stock ``Activity().deserialize(body)`` builds a new msrest ``Deserializer`` for every
activity and then, for each of the ~50 attributes of ``Activity`` (and of every account,
entity and attachment in it), copies the attribute's description and tries each of its key
extractors in turn. Profiled under the benchmark's load (issue 18), that was the largest
single piece of a "my actions" turn outside the database: 0.5-0.8 ms of CPU per activity
on these machines, where the whole turn is about 4 ms.

Here each model's attributes are read once into a plan (attribute, JSON key, how to read
the value), and an activity whose every value has the plain JSON type its attribute
expects is read by the plan. Values the plan does not treat as plain (``object`` values:
``value``, ``channelData``, ...; ISO dates) go through msrest's own functions, so they
come out as msrest makes them. Anything else (a number where a string is expected, a
string where an object is, a list of the wrong shape) is handed to msrest whole, so it is
read, coerced or refused exactly as stock: the fast path never decides anything msrest
would decide differently. ``tests/teams/test_activity_reader.py`` compares the two on the
Playground's activities and on generated ones, field by field.

Unknown keys become the model's ``additional_properties`` (the raw values, as msrest
keeps them): a Teams mention's ``mentioned`` and ``text`` live there, as stock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botbuilder.schema import Activity
from msrest.serialization import Deserializer, Model

__all__ = ["read_activity"]

_MODELS: dict[str, type] = Activity._infer_class_models()
#: msrest's own reader, built once: for the values it reads better (objects, dates), and
#: for any activity the plan does not take.
_MSREST = Deserializer(_MODELS)  # type: ignore[no-untyped-call]

Read = Callable[[Any], Any]


class _NotPlain(Exception):
    """A value the plan does not read: the whole activity goes to msrest."""


def _plain(kind: type) -> Read:
    def read(value: Any) -> Any:
        if type(value) is not kind:
            raise _NotPlain
        return value

    return read


def _iso(value: Any) -> Any:
    if type(value) is not str:
        raise _NotPlain
    try:
        return Deserializer.deserialize_iso(value)  # type: ignore[no-untyped-call]
    except Exception as exc:  # msrest refuses it: let msrest say so, as stock
        raise _NotPlain from exc


def _object(value: Any) -> Any:
    try:
        return _MSREST.deserialize_object(value)  # type: ignore[no-untyped-call]
    except Exception as exc:
        raise _NotPlain from exc


def _list_of(item: Read) -> Read:
    def read(value: Any) -> Any:
        if type(value) is not list:
            raise _NotPlain
        return [None if v is None else item(v) for v in value]

    return read


def _dict_of(item: Read) -> Read:
    def read(value: Any) -> Any:
        if type(value) is not dict:
            raise _NotPlain
        return {k: None if v is None else item(v) for k, v in value.items()}

    return read


_BASIC: dict[str, Read] = {
    "str": _plain(str),
    "bool": _plain(bool),
    "int": _plain(int),
    "iso-8601": _iso,
    "object": _object,
}


class _Plan:
    """How to read one model: its attributes, their JSON keys and readers."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self.fields: list[tuple[str, str, Read]] = []
        self.template: dict[str, None] = {}
        for attribute, description in model._attribute_map.items():
            key = description["key"]
            if not key or "." in key or getattr(model, "_validation", {}).get(attribute):
                # Flattened keys, additional properties by name, read-only or constant
                # attributes: msrest's rules differ there. None of botbuilder's do this.
                raise TypeError(f"{model.__name__}.{attribute}: not a plain attribute")
            self.fields.append((attribute, key, _reader(description["type"])))
            self.template[attribute] = None
        if getattr(model, "_subtype_map", None):
            raise TypeError(f"{model.__name__}: polymorphic models are not planned")
        self.known = frozenset(key for _, key, _ in self.fields)

    def read(self, data: Any) -> Any:
        if type(data) is not dict:
            raise _NotPlain
        values: dict[str, Any] = dict(self.template)
        for attribute, key, read in self.fields:
            value = data.get(key)
            if value is not None:
                values[attribute] = read(value)
        made = self.model(**values)
        unknown = data.keys() - self.known
        if unknown:
            made.additional_properties = {key: data[key] for key in unknown}
        return made


_PLANS: dict[str, _Plan] = {}


def _reader(kind: str) -> Read:
    if kind in _BASIC:
        return _BASIC[kind]
    if kind.startswith("[") and kind.endswith("]"):
        return _list_of(_reader(kind[1:-1]))
    if kind.startswith("{") and kind.endswith("}"):
        return _dict_of(_reader(kind[1:-1]))
    model = _MODELS[kind]
    if not issubclass(model, Model):
        raise TypeError(f"{kind}: not a model")

    def read(value: Any) -> Any:
        return _plan(kind).read(value)

    return read


def _plan(name: str) -> _Plan:
    plan = _PLANS.get(name)
    if plan is None:
        plan = _PLANS[name] = _Plan(_MODELS[name])
    return plan


def _plan_all(name: str) -> None:
    """Plan ``name`` and every model it holds, at import: a botbuilder upgrade that
    brings a model the plan cannot read fails at start (and in the tests), not mid-turn."""
    if name in _PLANS:
        return
    plan = _plan(name)
    for description in plan.model._attribute_map.values():
        inner = description["type"].strip("[]{}")
        if inner in _MODELS and inner not in _BASIC:
            _plan_all(inner)


_plan_all("Activity")


def read_activity(body: Any) -> Activity:
    """``body`` (parsed JSON) as an ``Activity``, the same as
    ``Activity().deserialize(body)`` gives, and raising where it raises."""
    try:
        activity: Activity = _plan("Activity").read(body)
    except _NotPlain:
        return Activity().deserialize(body)
    return activity
