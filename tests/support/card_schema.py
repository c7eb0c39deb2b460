"""The Adaptive Card 1.5 schema check that every card the bot sends must pass.

Shared by the card-builder tests and the end-to-end tests, which validate what was
actually posted and edited at the fake connector.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema

from .activities import shared_dir

__all__ = ["SCHEMA_NAME", "card_validator", "shared_dir", "validate_card"]

SCHEMA_NAME = "adaptive-card-1.5.json"


@cache
def card_validator() -> Any:
    path = shared_dir() / "schemas" / SCHEMA_NAME
    if not path.is_file():
        raise AssertionError(
            f"The Adaptive Card 1.5 schema is missing at {path.resolve()}. Card tests need "
            f"it: put shared/schemas/{SCHEMA_NAME} beside the repository or set "
            "MACE_SHARED_DIR to the shared/ directory."
        )
    schema = json.loads(path.read_text(encoding="utf-8"))
    # The file says draft-06; pick the validator from it and insist it is that one, so a
    # schema swapped for another draft is noticed instead of half-checked.
    validator_class = jsonschema.validators.validator_for(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-06/schema#"
    assert validator_class is jsonschema.Draft6Validator
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_card(card: dict[str, Any]) -> None:
    """Validate against the 1.5 schema without the Teams-only ``msteams`` key."""
    stripped = {key: value for key, value in card.items() if key != "msteams"}
    errors = list(card_validator().iter_errors(stripped))
    if errors:
        best = jsonschema.exceptions.best_match(errors)
        where = "/".join(str(p) for p in best.absolute_path)
        raise AssertionError(f"card fails the 1.5 schema at /{where}: {best.message[:500]}")
