"""The forms on "my actions" built directly (``cards.actions._fresh_forms``) are exactly
those the general element helpers build (``_forms``), key for key and in order, so the
card a partner sees does not depend on which path drew it."""

from __future__ import annotations

import json

import pytest

from cards.actions import _forms, _fresh_forms


@pytest.mark.parametrize("aid", [1, 77, 4_000, 99_999, 2**31 - 1])
def test_fresh_forms_are_the_general_forms(aid: int) -> None:
    general = _forms(aid, None, None)
    assert [_fresh_forms(aid)] == general
    assert json.dumps([_fresh_forms(aid)]) == json.dumps(general)


def test_fresh_forms_share_nothing_between_actions() -> None:
    """Each action's forms are new objects: a card changed after drawing (an error added
    beside one field) cannot change another action's form, or the next card's."""
    first, second = _fresh_forms(1), _fresh_forms(1)
    first["actions"][0]["card"]["body"][0]["value"] = "typed"
    assert "value" not in second["actions"][0]["card"]["body"][0]
    assert first["actions"][3]["data"] is not first["actions"][3]["fallback"]["data"]
