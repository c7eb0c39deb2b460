"""The bot keeps how to reach each member one to one, from their messages and from the
roster of a team or chat it is added to; it keeps nothing about strangers."""

from __future__ import annotations

from sqlalchemy import event, select

from bot.store import tables as t
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import ok, store_of
from tests.support.activities import (
    PERSONAL_CONVERSATION_ID,
    conversation_update,
    message,
)


async def contacts(bot: BotUnderTest) -> dict[str, t.MemberContact]:
    async with store_of(bot).reading() as session:
        rows = await session.execute(
            select(t.Member.name, t.MemberContact).join(
                t.MemberContact, t.MemberContact.member_id == t.Member.id
            )
        )
        return {name: contact for name, contact in rows}


async def test_a_personal_message_keeps_the_conversation(bot: BotUnderTest) -> None:
    ok(await bot.send(message("help", conversation="personal", user=DEMO["police"])))
    kept = (await contacts(bot))["Priya Shah"]
    assert kept.conversation_id == PERSONAL_CONVERSATION_ID
    assert kept.teams_user_id == DEMO["police"].id
    assert kept.service_url.startswith("http://127.0.0.1:")
    assert kept.tenant_id == "00000000-0000-0000-0000-0000000000001"


async def test_a_channel_message_keeps_the_contact_but_no_conversation(bot: BotUnderTest) -> None:
    ok(await bot.send(message("help", conversation="channel", user=DEMO["health"])))
    kept = (await contacts(bot))["Dana Reeves"]
    assert kept.conversation_id is None and kept.teams_user_id == DEMO["health"].id


async def test_a_stranger_is_not_kept(bot: BotUnderTest) -> None:
    ok(await bot.send(message("help", conversation="personal", user=DEMO["stranger"])))
    assert "Nestor Wilke" not in await contacts(bot)


async def test_the_roster_is_read_when_the_bot_is_added(bot: BotUnderTest) -> None:
    roster = [DEMO["education"], DEMO["social_care"], DEMO["stranger"]]
    bot.connector.set_roster([u.member() for u in roster])
    ok(await bot.send(conversation_update(conversation="groupChat")))
    kept = await contacts(bot)
    assert {"Chris Lowe", "Tom Hughes"} <= set(kept)
    assert "Nestor Wilke" not in kept
    assert bot.connector.calls_matching(method="GET", path_contains="pagedmembers")


async def test_talking_again_clears_unreachable(bot: BotUnderTest, clock) -> None:  # type: ignore[no-untyped-def]
    ok(await bot.send(message("help", conversation="personal", user=DEMO["police"])))
    async with store_of(bot).transaction() as session:
        contact = await session.scalar(select(t.MemberContact))
        assert contact is not None
        contact.unreachable_at = clock.now()
    # A new conversation id defeats the in-process memo, as a reinstall would.
    ok(
        await bot.send(
            message(
                "help",
                conversation="personal",
                user=DEMO["police"],
                conversation_id="a:reinstalled",
            )
        )
    )
    kept = (await contacts(bot))["Priya Shah"]
    assert kept.unreachable_at is None and kept.conversation_id == "a:reinstalled"


async def test_talking_again_in_the_same_chat_clears_unreachable_within_the_refresh(
    bot: BotUnderTest,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    ok(await bot.send(message("help", conversation="personal", user=DEMO["police"])))
    async with store_of(bot).transaction() as session:
        contact = await session.scalar(select(t.MemberContact))
        assert contact is not None
        contact.unreachable_at = clock.now()
    ok(await bot.send(message("help", conversation="personal", user=DEMO["police"])))
    assert (await contacts(bot))["Priya Shah"].unreachable_at is not None, "memo: not rewritten"
    clock.advance(minutes=11)
    ok(await bot.send(message("help", conversation="personal", user=DEMO["police"])))
    assert (await contacts(bot))["Priya Shah"].unreachable_at is None


async def test_turns_from_two_chats_in_turn_do_not_rewrite_the_contact_each_time(
    bot: BotUnderTest,
) -> None:
    writes: list[str] = []
    engine = store_of(bot).engine.sync_engine

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE MEMBER_CONTACTS"):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        for n in range(6):
            ok(
                await bot.send(
                    message(
                        "help",
                        conversation="personal",
                        user=DEMO["police"],
                        conversation_id=f"a:chat-{n % 2}",
                    )
                )
            )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(writes) <= 1, "each way of seeing them is written once"
