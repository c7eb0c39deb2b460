"""Reading posted cards the way a person reads them: texts, inputs and buttons."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def text_of(card: dict[str, Any]) -> str:
    """Every visible string in the card, joined: what a reader could see."""
    parts: list[str] = []
    for node in walk(card):
        for key in ("text", "title", "value", "placeholder", "label"):
            value = node.get(key)
            if isinstance(value, str):
                parts.append(value)
    return "\n".join(parts)


def choices(card: dict[str, Any], input_id: str) -> dict[str, str]:
    """Title -> value of a ChoiceSet."""
    for node in walk(card):
        if node.get("type") == "Input.ChoiceSet" and node.get("id") == input_id:
            return {c["title"]: c["value"] for c in node.get("choices", [])}
    raise AssertionError(f"no ChoiceSet {input_id!r} in card")


def choice_value(card: dict[str, Any], input_id: str, title_contains: str) -> str:
    for title, value in choices(card, input_id).items():
        if title_contains in title:
            return value
    raise AssertionError(f"no choice containing {title_contains!r} in {input_id!r}")


def action(card: dict[str, Any], verb: str) -> dict[str, Any]:
    """The first Action.Execute with this verb (its data is what the click sends)."""
    for node in walk(card):
        if node.get("type") == "Action.Execute" and node.get("verb") == verb:
            return node
    raise AssertionError(f"no button with verb {verb!r}; card has: {verbs(card)}")


def verbs(card: dict[str, Any]) -> list[str]:
    return [n["verb"] for n in walk(card) if n.get("type") == "Action.Execute"]


def size(card: dict[str, Any]) -> int:
    return len(json.dumps(card).encode())
