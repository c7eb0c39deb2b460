"""The fast activity reader (bot.teams.sdk.activity_reader) gives exactly what msrest's
``Activity().deserialize`` gives, attribute by attribute and type by type, for the
Playground's own activities and for generated ones with values of every JSON type in
every field (where msrest coerces or refuses, the reader hands the activity to msrest)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from botbuilder.schema import Activity
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msrest.serialization import Model

from bot.teams.sdk import activity_reader
from bot.teams.sdk.activity_reader import read_activity
from tests.support.activities import shared_dir

FIXTURES = shared_dir() / "fixtures" / "playground"


def _same(a: Any, b: Any, where: str = "activity") -> None:
    """Equal values of the same types, all the way down (``==`` alone would take 1 for
    True and a naive datetime for an aware one's twin in some cases)."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, Model):
        assert vars(a).keys() == vars(b).keys(), where
        for name in vars(a):
            _same(getattr(a, name), getattr(b, name), f"{where}.{name}")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{n}]")
    elif isinstance(a, datetime):
        assert (a, a.utcoffset()) == (b, b.utcoffset()), where
    else:
        assert a == b, where


def _both(body: Any) -> None:
    try:
        expected = Activity().deserialize(body)
    except Exception as refused:
        with pytest.raises(type(refused)):
            read_activity(body)
        return
    _same(read_activity(body), expected)


def _fixtures() -> list[dict[str, Any]]:
    found = sorted(FIXTURES.glob("*.json"))
    assert found, f"no Playground activities in {FIXTURES}"
    return [json.loads(path.read_text(encoding="utf-8")) for path in found]


@pytest.mark.parametrize("body", _fixtures(), ids=lambda b: f"{b.get('type')}")
def test_the_playgrounds_activities_read_the_same(body: dict[str, Any]) -> None:
    _same(read_activity(body), Activity().deserialize(body))


def test_the_playgrounds_activities_take_the_fast_path() -> None:
    """The point of the reader: ordinary activities are not handed to msrest."""
    for body in _fixtures():
        activity_reader._plan("Activity").read(body)  # raises _NotPlain if handed on


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["2026-12-06T10:00:00.123Z", "2026-12-06T10:00:00+01:00", "not a date"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
_ACTIVITY_KEYS = sorted(d["key"] for d in Activity._attribute_map.values())
_ACCOUNT_KEYS = ["id", "name", "aadObjectId", "role", "conversationType", "tenantId", "isGroup"]


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    base=st.sampled_from(_fixtures()),
    changes=st.dictionaries(st.sampled_from([*_ACTIVITY_KEYS, "unknownKey"]), _json, max_size=4),
    account=st.dictionaries(st.sampled_from([*_ACCOUNT_KEYS, "extra"]), _json, max_size=3),
    entity=st.dictionaries(st.sampled_from(["type", "mentioned", "text"]), _json, max_size=3),
)
def test_generated_activities_read_the_same(
    base: dict[str, Any],
    changes: dict[str, Any],
    account: dict[str, Any],
    entity: dict[str, Any],
) -> None:
    body = json.loads(json.dumps(base))
    body.update(changes)
    body["from"] = {**(body.get("from") if isinstance(body.get("from"), dict) else {}), **account}
    body["entities"] = [entity, None]
    _both(body)
