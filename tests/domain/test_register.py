"""The register's rules: which kinds link, who sees a person of concern, what a child's
checks still miss, and that the checks survive their stored form."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.model import Role, SubjectKind
from bot.domain.register import (
    ChildChecks,
    InterviewState,
    PersonOfConcernAccess,
    RiskLevel,
    at_least,
    link_pair,
    may_link,
    register_settings,
)


@pytest.mark.parametrize(
    ("a", "b", "allowed"),
    [
        (SubjectKind.CHILD, SubjectKind.GROUP, True),
        (SubjectKind.LOCATION, SubjectKind.CHILD, True),
        (SubjectKind.PERSON, SubjectKind.CHILD, True),
        (SubjectKind.PERSON, SubjectKind.LOCATION, True),
        (SubjectKind.GROUP, SubjectKind.PERSON, True),
        (SubjectKind.GROUP, SubjectKind.LOCATION, True),
        (SubjectKind.THEME, SubjectKind.CHILD, True),
        (SubjectKind.CHILD, SubjectKind.CHILD, False),
        (SubjectKind.THEME, SubjectKind.THEME, False),
        (SubjectKind.LOCATION, SubjectKind.LOCATION, False),
    ],
)
def test_which_kinds_may_be_linked(a: SubjectKind, b: SubjectKind, allowed: bool) -> None:
    assert may_link(a, b) is allowed
    assert may_link(b, a) is allowed


def test_a_link_is_stored_lower_id_first_and_never_to_itself() -> None:
    assert link_pair(9, 4) == (4, 9) == link_pair(4, 9)
    with pytest.raises(ValueError, match="itself"):
        link_pair(3, 3)


def test_high_risk_means_high_or_very_high_and_never_unrated() -> None:
    assert at_least(RiskLevel.VERY_HIGH, RiskLevel.HIGH)
    assert at_least(RiskLevel.HIGH, RiskLevel.HIGH)
    assert not at_least(RiskLevel.MEDIUM, RiskLevel.HIGH)
    assert not at_least(None, RiskLevel.LOW)


def test_persons_of_concern_by_default_police_chair_and_deputy_only() -> None:
    default = register_settings(None)
    assert default.allows([Role.PARTNER], "police")
    assert default.allows([Role.CHAIR], "education")
    assert default.allows([Role.DEPUTY_CHAIR], "health")
    assert not default.allows([Role.PARTNER], "education")
    assert not default.allows([Role.COORDINATOR], "childrens_social_care")
    assert not default.allows([], "police"), "no role in the group: nothing"


def test_a_locality_may_widen_who_sees_persons_of_concern() -> None:
    wider = register_settings(
        '{"person_of_concern": {"agencies": ["police", "youth_justice"], "roles": ["chair"]}}'
    )
    assert wider.allows([Role.PARTNER], "youth_justice")
    assert not wider.allows([Role.DEPUTY_CHAIR], "health")
    assert PersonOfConcernAccess(every_member=True).allows([Role.PARTNER], "housing")
    with pytest.raises(ValueError, match="unknown"):
        PersonOfConcernAccess.from_mapping({"everyone": True})


def test_missing_checks_follow_what_was_recorded() -> None:
    nothing = ChildChecks()
    assert "Whether the child has been missing" in nothing.missing()
    assert len(nothing.missing()) == 7
    went_missing = ChildChecks(missing_episode=True)
    assert "Return home interview after the missing episode" in went_missing.missing()
    complete = ChildChecks(
        missing_episode=True,
        return_interview=InterviewState.DECLINED,
        return_interview_on=date(2026, 11, 2),
        voice_recorded=True,
        parents_involved=False,
        nrm_referred_on=date(2026, 10, 1),
        nrm_outcome="Positive reasonable grounds",
        transition_16_17=False,
        looked_after=True,
        placing_authority="Another council",
        safety_plan_shared=True,
        risk_tool_on=date(2026, 9, 30),
    )
    assert complete.missing() == []
    assert ChildChecks.from_json(complete.to_json()) == complete
    assert ChildChecks.from_json(None) == nothing
