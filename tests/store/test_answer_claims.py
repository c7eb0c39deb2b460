"""Answers' claims (``Store.claim_answer``, written in batches by ``claims.AnswerClaims``):
the first claim of a key is the only one that answers, whether the others come in the
same batch, a later one, or from another instance; claims made together share one
statement; and a claim given back can be made again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bot.store.db import Store, make_engine

WHEN = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


def claim_statements(store: Store) -> list[str]:
    seen: list[str] = []

    def record(_c: object, _cur: object, statement: str, *_a: object) -> None:
        if "processed_activities" in statement:
            seen.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", record)
    return seen


async def test_twenty_turns_claiming_at_once_share_few_statements(store: Store) -> None:
    seen = claim_statements(store)
    claimed = await asyncio.gather(*(store.claim_answer(f"conv|{n}", WHEN) for n in range(20)))
    assert claimed == [True] * 20
    assert 1 <= len(seen) < 20, f"{len(seen)} statements for 20 claims"
    again = await asyncio.gather(*(store.claim_answer(f"conv|{n}", WHEN) for n in range(20)))
    assert again == [False] * 20, "a resend of each is not answered again"


async def test_one_key_twice_in_one_batch_answers_once(store: Store) -> None:
    claimed = await asyncio.gather(
        store.claim_answer("conv|a", WHEN),
        store.claim_answer("conv|b", WHEN),
        store.claim_answer("conv|a", WHEN),
    )
    assert claimed == [True, True, False]


async def test_two_instances_claiming_one_key_at_once_answer_once(store: Store) -> None:
    other = Store(make_engine(store.engine.url.render_as_string(False)), store.keys)
    try:
        for n in range(10):
            claimed = await asyncio.gather(
                store.claim_answer(f"conv|{n}", WHEN), other.claim_answer(f"conv|{n}", WHEN)
            )
            assert sorted(claimed) == [False, True], claimed
    finally:
        await other.close()


async def test_a_claim_given_back_can_be_made_again(store: Store) -> None:
    assert await store.claim_answer("conv|x", WHEN)
    await store.release_answer("conv|x")
    assert await store.claim_answer("conv|x", WHEN)
    assert not await store.claim_answer("conv|x", WHEN)


async def test_a_failed_batch_fails_each_claim_and_the_next_batch_is_written(
    store: Store,
) -> None:
    def refuse(_c: object, _cur: object, statement: str, *_a: object) -> None:
        if "processed_activities" in statement:
            raise OperationalError(statement, {}, Exception("disk full"))

    event.listen(store.engine.sync_engine, "before_cursor_execute", refuse)
    try:
        results = await asyncio.gather(
            *(store.claim_answer(f"conv|{n}", WHEN) for n in range(3)), return_exceptions=True
        )
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", refuse)
    assert all(isinstance(r, OperationalError) for r in results), results
    assert await store.claim_answer("conv|0", WHEN), "nothing was claimed by the failed batch"
