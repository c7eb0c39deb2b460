"""The repository's copies of the team's shared fixtures (tests/fixtures/shared/) match the
shared folder itself, wherever it sits beside the checkout: a capture or schema updated
there must be copied here too, or the tests would go on checking against the old one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.activities import SHARED_BESIDE, SHARED_COPY

COPIED = ("fixtures/playground", "schemas")


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for folder in COPIED
        for path in sorted((root / folder).glob("*"))
        if path.is_file()
    }


def test_the_copy_holds_what_the_tests_read() -> None:
    copied = _files(SHARED_COPY)
    assert "schemas/adaptive-card-1.5.json" in copied
    assert "schemas/teams-hostconfig-light.json" in copied
    assert "fixtures/playground/invoke-personal-adaptiveCard_action.json" in copied


def test_the_copy_matches_the_shared_folder_beside_the_checkout() -> None:
    if not SHARED_BESIDE.is_dir():
        reason = f"no shared folder at {SHARED_BESIDE} to compare the copy with"
        print(reason)
        pytest.skip(reason)
    beside, copied = _files(SHARED_BESIDE), _files(SHARED_COPY)
    assert sorted(copied) == sorted(beside), "files added to or removed from shared/"
    changed = [name for name in beside if beside[name] != copied[name]]
    assert changed == [], f"copy these again from {SHARED_BESIDE}: {changed}"
