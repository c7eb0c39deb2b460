"""The delivery policy (bot.domain.delivery): what a failure calls for, when to retry and
how fast to send, as arithmetic, with no store and no clock."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import delivery
from bot.domain.delivery import Failure, RetryPolicy

NOON = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", [0, 408, 412, 429, 500, 502, 503, 504])
def test_throttling_server_errors_and_no_answer_are_retried(status: int) -> None:
    assert delivery.classify(status) is Failure.RETRY


def test_403_means_blocked() -> None:
    assert delivery.classify(403) is Failure.BLOCKED


@pytest.mark.parametrize("status", [400, 401, 404, 409, 413, 501])
def test_any_other_status_fails_at_once(status: int) -> None:
    assert delivery.classify(status) is Failure.FAILED


def test_only_a_429_pauses_the_whole_sender() -> None:
    assert delivery.pauses_sender(429)
    assert not any(delivery.pauses_sender(s) for s in (0, 403, 500, 503))


def test_a_pause_only_ever_grows() -> None:
    later = NOON + timedelta(seconds=30)
    assert delivery.paused_until(None, later) == later
    assert delivery.paused_until(NOON, later) == later
    assert delivery.paused_until(later, NOON) == later


def test_error_codes_keep_word_characters_only() -> None:
    assert delivery.clean_code("ConversationBlockedByUser") == "ConversationBlockedByUser"
    assert delivery.clean_code("Bad <b>code</b>; drop\ttable") == "Badbcodebdroptable"
    assert delivery.clean_code("a.b-c_d") == "a.b-c_d"
    assert delivery.clean_code("x" * 300) == "x" * 100
    assert delivery.clean_code("") == ""


def test_full_jitter_under_an_exponential_ceiling() -> None:
    policy = RetryPolicy(max_attempts=6, backoff_base=2.0, backoff_cap=300.0)
    rng = random.Random(1)
    third = [policy.delay(3, None, rng) for _ in range(2000)]
    assert 0 <= min(third) < 0.5 and 7.5 < max(third) <= 8.0  # 2 * 2**2
    first = [policy.delay(1, None, rng) for _ in range(500)]
    assert max(first) <= 2.0
    assert max(policy.delay(30, None, rng) for _ in range(200)) <= 300.0
    assert max(policy.delay(0, None, rng) for _ in range(200)) <= 2.0  # never below 2**0


def test_retry_after_is_a_floor_with_a_little_jitter() -> None:
    policy = RetryPolicy(backoff_base=2.0)
    rng = random.Random(2)
    delays = [policy.delay(1, 42.0, rng) for _ in range(500)]
    assert all(42.0 <= d <= 44.0 for d in delays)
    assert all(0.0 <= policy.delay(5, 0.0, rng) <= 2.0 for _ in range(100))


def test_a_negative_retry_after_is_ignored() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_cap=4.0)
    rng = random.Random(3)
    assert all(0.0 <= policy.delay(10, -5.0, rng) <= 4.0 for _ in range(200))


def test_the_same_seed_gives_the_same_delays() -> None:
    policy = RetryPolicy()
    one, two = random.Random(7), random.Random(7)
    assert [policy.delay(n, None, one) for n in range(1, 8)] == [
        policy.delay(n, None, two) for n in range(1, 8)
    ]


def test_attempts_run_out_at_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert [policy.exhausted(n) for n in (1, 2, 3, 4)] == [False, False, True, True]


def test_a_new_conversation_takes_two_requests() -> None:
    assert delivery.requests_for(has_conversation=True) == 1
    assert delivery.requests_for(has_conversation=False) == 2


def test_spacing_between_two_messages_to_one_person() -> None:
    spacing = timedelta(seconds=2)
    assert delivery.too_soon(None, NOON, spacing) is None
    last = NOON - timedelta(seconds=1)
    assert delivery.too_soon(last, NOON, spacing) == last + spacing
    assert delivery.too_soon(NOON - spacing, NOON, spacing) is None  # exactly on time
    assert delivery.too_soon(NOON - timedelta(seconds=9), NOON, spacing) is None
    assert delivery.too_soon(NOON, NOON, timedelta(0)) is None


def test_a_lease_is_renewed_once_half_of_it_is_gone() -> None:
    lease = timedelta(seconds=120)
    until = NOON + lease
    assert not delivery.lease_needs_renewing(until, NOON, lease)
    assert not delivery.lease_needs_renewing(until, NOON + timedelta(seconds=60), lease)
    assert delivery.lease_needs_renewing(until, NOON + timedelta(seconds=61), lease)
    assert delivery.lease_needs_renewing(until, until + timedelta(seconds=1), lease)


def test_a_heartbeat_is_fresh_for_half_of_dead_after() -> None:
    dead_after = timedelta(seconds=15)
    assert delivery.heartbeat_fresh(None, NOON, dead_after)  # keeps none: the lease covers it
    assert delivery.heartbeat_fresh(NOON, NOON + timedelta(seconds=7), dead_after)
    assert not delivery.heartbeat_fresh(NOON, NOON + timedelta(seconds=7.5), dead_after)
    assert not delivery.heartbeat_fresh(NOON, NOON + timedelta(seconds=60), dead_after)
