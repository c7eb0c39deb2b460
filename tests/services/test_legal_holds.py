"""Legal holds placed and lifted on a real store: what is refused. Listing them, and what a
hold keeps from the retention run, are tested with the run (tests/services/test_retention.py
and test_retention_register.py)."""

from __future__ import annotations

import pytest

from bot.domain.clock import FrozenClock
from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.services.legal_holds import LegalHoldService
from bot.store.db import Store
from tests.services.test_retention import seed
from tests.support.records import utc


async def test_holds_are_checked_when_placed_and_lifted(demo_store: Store) -> None:
    s = await seed(demo_store)
    service = LegalHoldService(demo_store, FrozenClock(utc(2027, 1, 4)))
    with pytest.raises(InvalidInput) as bad:
        await service.place_hold("child", s.child_done, "Review", "cli:dpo")
    assert "scope" in bad.value.field_errors
    with pytest.raises(InvalidInput) as bad:
        await service.place_hold("subject", s.child_done, "   ", "cli:dpo")
    assert "reason" in bad.value.field_errors
    with pytest.raises(NotFound):
        await service.place_hold("meeting", 9999, "Review", "cli:dpo")
    hold = await service.place_hold("subject", s.child_done, "Review", "cli:dpo")
    with pytest.raises(Conflict):
        await service.place_hold("subject", s.child_done, "Again", "cli:dpo")
    await service.lift_hold(hold.id, "cli:dpo")
    with pytest.raises(Conflict):
        await service.lift_hold(hold.id, "cli:dpo")
    with pytest.raises(NotFound):
        await service.lift_hold(9999, "cli:dpo")
