"""The chair's brief names subjects at high risk not discussed for N weeks (issue 15,
point 6): N from the group's register settings (8 by default), last discussed before N
weeks ago (exactly N weeks ago does not count, as in the `subjects` filter),
persons of concern only for a chair who may see them, capped with "and N more", and by
kind, risk and date only (the brief goes out unasked: no reference, no initials)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.calendar import WorkingCalendar
from bot.domain.clock import FrozenClock
from bot.domain.register import (
    DEFAULT_STALE_AFTER_WEEKS,
    not_discussed_for,
    register_settings,
    stale_after_weeks,
)
from bot.store import tables as t
from bot.store.crypto import subject_index
from bot.store.db import Store
from dialogs.notices import NoticeRenderer
from tests.e2e.cardtools import text_of
from tests.services.test_chase_run import at_london, member
from tests.support.card_schema import validate_card

TODAY = date(2026, 11, 19)  # a Thursday; the brief is drawn the day before a meeting
CLOCK = at_london(TODAY, 7)
EIGHT_WEEKS_AGO = TODAY - timedelta(weeks=8)


async def locality(store: Store, code: str) -> int:
    async with store.reading() as session:
        found = await session.scalar(select(t.Locality.id).where(t.Locality.code == code))
    assert found is not None
    return found


async def subject(
    store: Store,
    reference: str,
    risk: str | None,
    last: date | None,
    *,
    kind: str = "child",
    where: str = "scarborough",
    status: str = "open",
) -> int:
    locality_id = await locality(store, where)
    async with store.transaction() as session:
        row = t.Subject(
            locality_id=locality_id,
            kind=kind,
            reference=reference,
            initials="AB" if kind in ("child", "person") else "",
            reference_index=subject_index(store.keys, locality_id, kind, reference),
            created_at=CLOCK - timedelta(weeks=30),
            risk_level=risk,
            status=status,
            first_discussed_on=last,
            last_discussed_on=last,
        )
        session.add(row)
        await session.flush()
        return row.id


async def settings(store: Store, value: dict[str, Any]) -> None:
    async with store.transaction() as session:
        row = await session.scalar(select(t.Locality).where(t.Locality.code == "scarborough"))
        assert row is not None
        row.register_settings = json.dumps(value)


async def brief(store: Store, who: str) -> dict[str, Any]:
    payload = {
        "locality_id": await locality(store, "scarborough"),
        "meeting_date": (TODAY + timedelta(days=1)).isoformat(),
    }
    card = await NoticeRenderer(store, FrozenClock(CLOCK), WorkingCalendar())(
        "brief", payload, await member(store, who)
    )
    assert card is not None
    validate_card(card)
    return card


async def test_a_day_over_n_weeks_counts_and_exactly_n_weeks_does_not(
    demo_store: Store,
) -> None:
    await subject(demo_store, "CR-0001", "high", EIGHT_WEEKS_AGO - timedelta(days=1))
    await subject(demo_store, "CR-0002", "very_high", EIGHT_WEEKS_AGO)
    await subject(demo_store, "CR-0003", "very_high", None)  # rated, never discussed
    await subject(demo_store, "CR-0004", "medium", TODAY - timedelta(weeks=30))
    await subject(demo_store, "CR-0005", "low", None)
    await subject(demo_store, "CR-0006", None, None)  # not rated yet
    await subject(demo_store, "CR-0007", "very_high", TODAY - timedelta(weeks=20), status="closed")
    await subject(demo_store, "CR-0008", "high", TODAY - timedelta(weeks=20), where="ryedale")
    await subject(demo_store, "Takeaway", "high", TODAY - timedelta(weeks=9), kind="location")

    shown = text_of(await brief(demo_store, "Alex Wilber"))
    assert "Not discussed for over 8 weeks while high risk:** 3 subjects." in shown
    assert "A child, very high risk: never discussed" in shown
    assert "A child, high risk: last discussed Wed 23 Sep 2026 (8 weeks ago)" in shown
    assert "A location, high risk: last discussed Thu 17 Sep 2026 (9 weeks ago)" in shown
    assert shown.index("very high risk: never") < shown.index("A location, high")
    assert shown.index("A location, high") < shown.index("A child, high"), "oldest first"
    for hidden in ("CR-0", "AB", "Takeaway", "and 0 more"):
        assert hidden not in shown, "kind, risk and date only"


async def test_no_section_when_nothing_has_drifted(demo_store: Store) -> None:
    await subject(demo_store, "CR-0001", "very_high", TODAY - timedelta(weeks=2))
    shown = text_of(await brief(demo_store, "Alex Wilber"))
    assert "Not discussed" not in shown


async def test_n_weeks_comes_from_the_groups_register_settings(demo_store: Store) -> None:
    await subject(demo_store, "CR-0001", "high", TODAY - timedelta(weeks=4))
    await subject(demo_store, "CR-0002", "high", TODAY - timedelta(weeks=4, days=1))
    limits = {"person_of_concern": {"agencies": ["police"]}, "stale_after_weeks": 4}
    await settings(demo_store, limits)
    shown = text_of(await brief(demo_store, "Alex Wilber"))
    assert "Not discussed for over 4 weeks while high risk:** 1 subject." in shown
    assert "`high risk not discussed for 4 weeks`" in shown
    # The access rule reads the same document as before the new key.
    assert register_settings(json.dumps(limits)).agencies == frozenset({"police"})


async def test_persons_of_concern_only_for_a_chair_who_may_see_them(demo_store: Store) -> None:
    await subject(demo_store, "NYP/24/0001", "very_high", None, kind="person")
    await subject(demo_store, "CR-0001", "high", None)
    chair = text_of(await brief(demo_store, "Alex Wilber"))
    deputy = text_of(await brief(demo_store, "Tom Hughes"))
    for shown in (chair, deputy):  # by default the chair and deputy chair see them
        assert "A person of concern, very high risk" in shown and "2 subjects" in shown

    await settings(demo_store, {"person_of_concern": {"roles": ["chair"], "agencies": []}})
    chair = text_of(await brief(demo_store, "Alex Wilber"))
    deputy = text_of(await brief(demo_store, "Tom Hughes"))
    assert "A person of concern" in chair
    assert "A person of concern" not in deputy and "1 subject." in deputy
    assert "NYP" not in chair + deputy


async def test_a_long_list_is_capped(demo_store: Store) -> None:
    for n in range(13):
        await subject(demo_store, f"CR-{n:04}", "high", TODAY - timedelta(weeks=9 + n))
    shown = text_of(await brief(demo_store, "Alex Wilber"))
    assert "13 subjects" in shown
    assert shown.count("A child, high risk") == 10
    assert "and 3 more" in shown
    assert "(21 weeks ago)" in shown and "(11 weeks ago)" not in shown, "oldest first"


@pytest.mark.parametrize("value", [0, 105, "8", 2.5, True])
async def test_a_bad_setting_is_refused(value: object) -> None:
    with pytest.raises(ValueError):
        stale_after_weeks(json.dumps({"stale_after_weeks": value}))


def test_the_rule_itself() -> None:
    assert stale_after_weeks(None) == stale_after_weeks("{}") == DEFAULT_STALE_AFTER_WEEKS == 8
    assert stale_after_weeks('{"stale_after_weeks": 12}') == 12
    assert not_discussed_for(None, TODAY, 8)
    assert not_discussed_for(EIGHT_WEEKS_AGO - timedelta(days=1), TODAY, 8)
    assert not not_discussed_for(EIGHT_WEEKS_AGO, TODAY, 8)
