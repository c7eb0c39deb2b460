"""The domain stays free of Teams and the database; only bot/teams knows botbuilder."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imports_of(folder: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / folder).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        (
            "bot/domain",
            (
                "botbuilder",
                "botframework",
                "sqlalchemy",
                "aiohttp",
                "bot.store",
                "bot.teams",
                "bot.services",
                "dialogs",
                "cards",
            ),
        ),
        (
            "bot/services",
            ("botbuilder", "botframework", "aiohttp", "bot.teams", "dialogs", "cards"),
        ),
        ("bot/store", ("botbuilder", "botframework", "bot.teams", "dialogs", "cards")),
        (
            "cards",
            (
                "botbuilder",
                "botframework",
                "sqlalchemy",
                "bot.store",
                "bot.services",
                "bot.teams",
                "dialogs",
            ),
        ),
        ("dialogs", ("botbuilder", "botframework", "bot.teams", "bot.store.tables")),
    ],
)
def test_layers_do_not_reach_outwards(folder: str, forbidden: tuple[str, ...]) -> None:
    offenders = {
        path: sorted(n for n in names if n.startswith(forbidden))
        for path, names in imports_of(folder).items()
    }
    assert {p: n for p, n in offenders.items() if n} == {}
    assert offenders, f"no modules found under {folder}"
