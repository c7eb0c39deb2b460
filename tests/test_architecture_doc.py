"""docs/architecture.md tells the next person which files to touch: every path it names
must exist, or it sends them to a file that has moved."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"

#: A backticked repository path: a top-level folder of ours, then a file or a folder.
PATH = re.compile(r"`((?:bot|dialogs|cards|tests|docs|infra|scripts|bench)/[\w./-]*)`")


def named_paths(text: str) -> list[str]:
    return sorted(set(PATH.findall(text)))


def test_every_path_the_architecture_page_names_exists() -> None:
    named = named_paths(DOC.read_text(encoding="utf-8"))
    assert len(named) >= 40, "the page should name the files it describes"
    missing = [path for path in named if not (ROOT / path).exists()]
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_the_reader_of_paths_finds_files_and_folders_and_ignores_the_rest() -> None:
    text = "see `bot/app.py`, `dialogs/` and `bot/teams/sdk/README.md`; not `Router` or `a/b`"
    assert named_paths(text) == ["bot/app.py", "bot/teams/sdk/README.md", "dialogs/"]
