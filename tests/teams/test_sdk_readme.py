"""bot/teams/sdk/README.md keeps up with the folder: it names every module there, and every
path it names exists, so a move to the Agents SDK starts from a true list."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "bot" / "teams" / "sdk"
README = SDK / "README.md"

#: A repository path in backticks: `bot/teams/sdk/clients.py`, `tests/...`, `bench/...`.
PATH = re.compile(r"`((?:bot|tests|bench|dialogs|cards|docs|scripts)/[\w./-]+)`")


def named_paths() -> set[str]:
    return set(PATH.findall(README.read_text(encoding="utf-8")))


def test_the_readme_names_every_module_of_the_folder() -> None:
    modules = {
        str(path.relative_to(ROOT)) for path in SDK.glob("*.py") if path.name != "__init__.py"
    }
    assert modules, "no modules found in bot/teams/sdk"
    assert modules - named_paths() == set()


#: A path relative to the README itself: `../sdk/x.py`, `./process.py`.
RELATIVE = re.compile(r"`(\.\.?/[\w./-]+)`")


def test_every_path_the_readme_names_exists() -> None:
    named = named_paths()
    assert named
    assert {path for path in named if not (ROOT / path).exists()} == set()
    relative = RELATIVE.findall(README.read_text(encoding="utf-8"))
    assert {path for path in relative if not (SDK / path).exists()} == set()


def test_each_module_has_its_own_section() -> None:
    headings = set(re.findall(r"^## (\S+)$", README.read_text(encoding="utf-8"), re.MULTILINE))
    modules = {str(p.relative_to(ROOT)) for p in SDK.glob("*.py") if p.name != "__init__.py"}
    assert modules <= headings
