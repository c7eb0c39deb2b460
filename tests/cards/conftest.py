"""Puts the project (and cards_testkit beside this file) on the path, and offers the
common meetings as fixtures. The views themselves are built in cards_testkit."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
for _path in (_HERE.parents[1], _HERE):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from cards_testkit import make_large_meeting, make_meeting  # noqa: E402

from bot.domain.model import MeetingStatus  # noqa: E402
from bot.domain.views import MeetingView  # noqa: E402


@pytest.fixture
def meeting() -> MeetingView:
    return make_meeting()


@pytest.fixture
def large_meeting() -> MeetingView:
    return make_large_meeting()


@pytest.fixture
def ended_meeting() -> MeetingView:
    from datetime import date

    return make_meeting(status=MeetingStatus.ENDED, next_meeting=date(2026, 12, 1))
