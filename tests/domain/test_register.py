"""The register's rules: which kinds link, who sees a person of concern, what a child's
checks still miss, and that the checks survive their stored form."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.model import Role, SubjectKind
from bot.domain.register import (
    ChildChecks,
    InterviewState,
    PersonOfConcernAccess,
    RegisterEntry,
    RiskLevel,
    at_least,
    link_pair,
    may_link,
    parse_register_entry,
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


TODAY = date(2026, 12, 5)


def _entry(kind: str, ref: str, initials: str = "", **extra: object) -> RegisterEntry:
    return parse_register_entry(
        {"subjectKind": kind, "subjectRef": ref, "subjectInitials": initials, **extra}, TODAY
    )


def test_each_kind_is_named_by_its_own_rule() -> None:
    assert _entry("child", " cr-0107 ", "j.b") == RegisterEntry(SubjectKind.CHILD, "CR-0107", "JB")
    assert _entry("person", "nyp/2026/0411", "K") == RegisterEntry(
        SubjectKind.PERSON, "NYP/2026/0411", "K"
    )
    assert _entry("location", " Takeaway  on Eastborough ", "XY") == RegisterEntry(
        SubjectKind.LOCATION, "Takeaway on Eastborough", ""
    )
    assert _entry("theme", "Vapes sold to under-16s").kind is SubjectKind.THEME


@pytest.mark.parametrize(
    ("kind", "ref", "initials", "field"),
    [
        ("child", "Jamie Brown", "JB", "subjectRef"),
        ("child", "CR-0107", "", "subjectInitials"),
        ("person", "John Smith", "JS", "subjectRef"),
        ("location", "14 Mill Lane", "", "subjectRef"),
        ("location", "Flat 3 above the arcade", "", "subjectRef"),
        ("group", "", "", "subjectRef"),
        ("group", "Call 07700 900123 for the group", "", "subjectRef"),
        ("spaceship", "X", "", "subjectKind"),
    ],
)
def test_a_name_an_address_or_a_detail_is_refused_beside_its_field(
    kind: str, ref: str, initials: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _entry(kind, ref, initials)
    assert field in refused.value.field_errors
    assert ref.strip() == "" or ref not in refused.value.field_errors[field], "never echoed"


def test_a_detail_confirmed_as_needed_is_kept() -> None:
    kept = _entry(
        "group", "Call 07700 900123 for the group", **{"confirmDetails-subjectRef": "true"}
    )
    assert kept.reference == "Call 07700 900123 for the group"
