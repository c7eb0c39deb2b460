"""Retention periods from MACE_RETENTION, and what legal holds keep (bot.domain.retention)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.domain.retention import (
    DEFAULT_DAYS,
    Holds,
    RecordKind,
    RetentionError,
    RetentionPolicy,
)
from bot.domain.subject_access import REDACTED, Redactor, mentions


def test_defaults_are_six_years_for_records_and_thirty_days_for_housekeeping() -> None:
    policy = RetentionPolicy.parse("")
    assert policy == RetentionPolicy()
    assert [policy.days(kind) for kind in RecordKind] == [2190, 2190, 2190, 30]
    assert set(DEFAULT_DAYS) == set(RecordKind)
    assert policy.describe() == "meetings=2190,actions=2190,subjects=2190,housekeeping=30"


def test_parses_every_kind_in_any_order_with_spaces() -> None:
    policy = RetentionPolicy.parse(" housekeeping = 7, meetings=2555 ,actions=400,subjects=3650,")
    assert policy == RetentionPolicy(meetings=2555, actions=400, subjects=3650, housekeeping=7)


def test_kinds_left_out_keep_their_defaults() -> None:
    assert RetentionPolicy.parse("actions=365") == RetentionPolicy(actions=365)
    assert RetentionPolicy.parse("MEETINGS=100").meetings == 100


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("minutes=100", "unknown kind 'minutes'; the kinds are meetings, actions"),
        ("meetings", "write each period as kind=days"),
        ("=30", "write each period as kind=days"),
        ("meetings=six years", "meetings must be a whole number of days; got 'six years'"),
        ("meetings=-5", "meetings must be a whole number of days"),
        ("meetings=2.5", "meetings must be a whole number of days"),
        ("housekeeping=", "housekeeping must be a whole number of days; got ''"),
        ("actions=0", "actions must be at least 1 day"),
        ("actions=1000000", "actions must be at most 73000 days"),
        ("actions=30,actions=40", "actions is given more than once"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(text: str, says: str) -> None:
    with pytest.raises(RetentionError) as refused:
        RetentionPolicy.parse(text)
    assert says in str(refused.value)
    assert str(refused.value).startswith("MACE_RETENTION: ")


def test_settings_read_the_policy_from_the_environment() -> None:
    assert Settings.from_env({}).retention == RetentionPolicy()
    settings = Settings.from_env({"MACE_RETENTION": "meetings=3650,housekeeping=14"})
    assert settings.retention == RetentionPolicy(meetings=3650, housekeeping=14)
    with pytest.raises(RetentionError):
        Settings.from_env({"MACE_RETENTION": "children=10"})


def test_cutoff_is_that_many_days_before_now() -> None:
    now = datetime(2032, 11, 19, 2, 30, tzinfo=UTC)
    policy = RetentionPolicy(housekeeping=30)
    assert policy.cutoff(RecordKind.HOUSEKEEPING, now) == now - timedelta(days=30)
    with pytest.raises(ValueError):
        policy.cutoff(RecordKind.MEETINGS, datetime(2032, 1, 1))


def test_a_locality_hold_keeps_everything_in_that_group_only() -> None:
    holds = Holds.of([("locality", 1)])
    assert holds.keeps_meeting(1, 10) and holds.keeps_action(1, 10, None)
    assert holds.keeps_subject(1, 5)
    assert not holds.keeps_meeting(2, 20) and not holds.keeps_action(2, 20, 6)
    assert not holds.keeps_subject(2, 6)


def test_a_meeting_hold_keeps_the_meeting_and_its_actions() -> None:
    holds = Holds.of([("meeting", 10)])
    assert holds.keeps_meeting(1, 10) and holds.keeps_action(1, 10, 5)
    assert not holds.keeps_meeting(1, 11) and not holds.keeps_action(1, 11, 5)
    assert not holds.keeps_subject(1, 5)


def test_a_subject_hold_keeps_it_its_actions_and_their_meetings() -> None:
    holds = Holds.of([("subject", 5), ("nonsense", 9)], subject_meetings=[10])
    assert holds.keeps_subject(1, 5) and not holds.keeps_subject(1, 6)
    assert holds.keeps_action(1, 11, 5) and not holds.keeps_action(1, 11, 6)
    assert not holds.keeps_action(1, 11, None)
    assert holds.keeps_meeting(1, 10) and not holds.keeps_meeting(1, 11)
    assert Holds.of([("nonsense", 9)]) == Holds()


def test_a_subject_linked_or_shared_to_what_is_held_is_kept_too() -> None:
    holds = Holds.of([("subject", 5)], subject_meetings=[10], kept_subjects=[7])
    assert holds.keeps_subject(1, 7), "linked to the held subject 5: the link needs both ends"
    assert not holds.keeps_subject(1, 8)
    assert not holds.keeps_action(1, 11, 7), "only the held subject's own actions"


# --- redaction for subject access (bot.domain.subject_access) ------------------------------


def redactor() -> Redactor:
    return Redactor.for_subject(
        "CR-0001", "JS", [("CR-0002", "AB"), ("CR-0003", "JS"), ("Bus station", ""), ("", "K")]
    )


def test_other_references_and_initials_are_redacted_and_the_subjects_own_kept() -> None:
    redact = redactor()
    text = "CR-0001 (J.S.) seen with CR-0002 (A.B.) and AB at the bus station; cr-0002 too."
    assert redact(text) == (
        f"CR-0001 (J.S.) seen with {REDACTED} ({REDACTED}) and {REDACTED} at the "
        f"{REDACTED}; {REDACTED} too."
    )


def test_any_case_reference_shaped_text_is_redacted_even_if_not_recorded() -> None:
    assert redactor()("Sibling is XY-98765, cousin CR-00012.") == (
        f"Sibling is {REDACTED}, cousin {REDACTED}."
    )


def test_initials_shared_with_the_subject_are_left_and_single_initials_need_a_stop() -> None:
    redact = redactor()
    assert redact("J.S. and JS") == "J.S. and JS"
    assert redact("K. was there, Plan K too") == f"{REDACTED} was there, Plan K too"
    assert redact("A. B. left") == f"{REDACTED} left"
    assert redact("The ABC centre") == "The ABC centre"


def test_a_label_inside_the_subjects_own_reference_is_not_touched() -> None:
    redact = Redactor.for_subject("CR-0001", "", [("CR", "")])
    assert redact("CR-0001 and CR alone") == f"CR-0001 and {REDACTED} alone"


def test_mentions_match_the_whole_reference_in_any_case() -> None:
    assert mentions("seen: cr-0001.", "CR-0001")
    assert not mentions("seen: CR-00012", "CR-0001")
    assert not mentions("anything", "  ")
