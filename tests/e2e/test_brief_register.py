"""The chair's pre-meeting brief names the high-risk subjects not discussed for N weeks
(issue 15, point 6: "Chairs get 'not discussed for N weeks while high risk' in the
pre-meeting brief"), through the real endpoint: the briefs job fired on the working day
before Scarborough meets, the outbox delivered through the real adapter. Only the two
stale high-risk subjects are listed, by kind, risk and weeks (never a reference: the brief
goes out unasked), and a partner of the group receives a brief without them (issue 16:
every member is briefed, the chair's sections go to chairs only)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.app import COMPONENTS
from bot.domain.clock import FrozenClock
from bot.store import tables as t
from tests.e2e.cardtools import text_of
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import ok, say, store_of
from tests.services.test_brief_stale import subject
from tests.services.test_chase_run import at_london, member
from tests.support.card_schema import validate_card
from tests.support.records import Records, utc

TODAY = date(2026, 11, 19)  # the frozen clock's day, a Thursday
MEETS_ON = date(2026, 11, 20)  # Scarborough's next meeting: the next working day


async def fire(bot: BotUnderTest, name: str) -> object:
    return await bot.server.app[COMPONENTS].jobs.fire(name)


def briefs(bot: BotUnderTest) -> list[dict[str, object]]:
    return [c for c in bot.connector.cards() if "Not discussed for over" in text_of(c)]


async def test_the_chairs_brief_lists_the_high_risk_subjects_left_undiscussed(
    bot: BotUnderTest, clock: FrozenClock
) -> None:
    store = store_of(bot)
    await subject(store, "CR-0301", "high", TODAY - timedelta(weeks=10))
    await subject(store, "CR-0302", "very_high", None)
    await subject(store, "CR-0303", "high", TODAY - timedelta(weeks=2))
    await subject(store, "CR-0304", "medium", TODAY - timedelta(weeks=20))
    await subject(store, "CR-0305", "high", TODAY - timedelta(weeks=12), status="closed")
    meeting = await Records(store).meeting("scarborough", utc(2026, 11, 5, 10))
    async with store.transaction() as session:
        row = await session.get(t.Meeting, meeting.id)
        assert row is not None
        row.next_meeting_date = MEETS_ON

    # Both are seen in the channel: the bot may reach them, so only its choice keeps the
    # brief from the partner.
    for who in ("chair", "health"):
        ok(await say(bot, who, "here"))
    bot.connector.reset()

    clock.set(at_london(TODAY, 10))
    await fire(bot, "briefs")
    await fire(bot, "outbox")

    chair = await member(store, "Alex Wilber")
    partner = await member(store, DEMO["health"].name)
    async with store.reading() as session:
        rows = list(await session.scalars(select(t.OutboxMessage)))
    recipients = {r.recipient_member_id for r in rows if r.kind == "brief"}
    assert {chair, partner} <= recipients, "every member of the group gets a brief (issue 16)"
    (to_chair,) = [r for r in rows if r.kind == "brief" and r.recipient_member_id == chair]
    (to_partner,) = [r for r in rows if r.kind == "brief" and r.recipient_member_id == partner]
    assert to_chair.status == "sent" and to_partner.status == "sent"
    opened = [m["id"] for c in bot.connector.created() for m in c["members"]]
    assert DEMO["chair"].id in opened and DEMO["health"].id in opened

    # The partner's brief: the date, the agenda, no chair-only section.
    (partners,) = [
        c
        for c in bot.connector.cards()
        if "Brief:" in text_of(c) and "Not discussed" not in text_of(c)
    ]
    validate_card(partners)
    assert "Children discussed" in text_of(partners) and "Open challenges" not in text_of(partners)
    sent = briefs(bot)
    delivered = [
        r
        for r in rows
        if r.kind == "brief" and r.status == "sent" and r.recipient_member_id != partner
    ]
    assert len(sent) == len(delivered), "the stale subjects in each chair's brief reached"
    for card in sent:
        validate_card(card)
        shown = text_of(card)
        assert "Not discussed for over 8 weeks while high risk:** 2 subjects." in shown
        assert "A child, very high risk: never discussed" in shown
        assert "A child, high risk: last discussed Thu 10 Sep 2026 (10 weeks ago)" in shown
        assert shown.count("A child, ") == 2, "not the recent, the medium nor the closed one"
        for hidden in ("CR-03", "AB"):
            assert hidden not in shown, "kind, risk and weeks only"
