"""The register's forms read (bot.domain.register_forms): values, or every error beside its
field; crafted payloads (a number where text belongs) refused beside the field too."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.register import ChildChecks, InterviewState, RiskLevel, SubjectStatus
from bot.domain.register_forms import (
    EVENT_VALUE_CHARS,
    check_values,
    parse_checks,
    parse_details,
    parse_link_reason,
    parse_optional_risk,
    parse_risk,
    parse_status,
    strand_codes,
    strands_event,
)
from bot.domain.rules import confirmation_field

TODAY = date(2026, 11, 19)
AGENCIES = {"police", "health"}
STRANDS = {"cse", "cce", "missing", "hsb", "msht", "online", "contextual"}


def errors_of(call: object) -> dict[str, str]:
    with pytest.raises(InvalidInput) as refused:
        call()  # type: ignore[operator]
    return refused.value.field_errors


def test_a_risk_change_needs_another_level_and_a_reason() -> None:
    assert parse_risk(
        {"riskLevel": "very_high", "riskReason": " Exploited. "},
        RiskLevel.HIGH,
        TODAY,
        reason_required=True,
    ) == (RiskLevel.VERY_HIGH, "Exploited.")
    errors = errors_of(
        lambda: parse_risk({"riskLevel": "high"}, RiskLevel.HIGH, TODAY, reason_required=True)
    )
    assert errors == {
        "riskLevel": "The risk is already high: choose another level.",
        "riskReason": "The reason for the change is required.",
    }
    assert set(errors_of(lambda: parse_risk({"riskLevel": 3}, None, TODAY, reason_required=True)))
    assert parse_optional_risk({"riskLevel": "not_recorded"}) is None
    assert parse_optional_risk({}) is None
    assert errors_of(lambda: parse_optional_risk({"riskLevel": "severe"}))


def test_a_reason_with_identifying_details_is_pointed_out_until_confirmed() -> None:
    data = {"riskLevel": "high", "riskReason": "Born 03/04/2012, seen again."}
    errors = errors_of(lambda: parse_risk(data, None, TODAY, reason_required=True))
    assert "date of birth" in errors["riskReason"]
    assert "03/04/2012" not in errors["riskReason"]
    confirmed = {**data, confirmation_field("riskReason"): "true"}
    assert parse_risk(confirmed, None, TODAY, reason_required=True)[1] == data["riskReason"]


def test_closing_needs_a_reason_and_the_same_status_is_refused() -> None:
    assert errors_of(lambda: parse_status({"subjectStatus": "closed"}, SubjectStatus.OPEN, TODAY))[
        "statusReason"
    ].startswith("Say why it is closed")
    assert (
        "already monitoring"
        in errors_of(
            lambda: parse_status({"subjectStatus": "monitoring"}, SubjectStatus.MONITORING, TODAY)
        )["subjectStatus"]
    )
    assert parse_status({"subjectStatus": "open"}, SubjectStatus.CLOSED, TODAY) == (
        SubjectStatus.OPEN,
        "",
    )


def test_details_keep_at_least_one_strand_once_any_is_chosen() -> None:
    change = parse_details(
        {"leadAgency": "police", "strands": "cse, cce,cse"},
        agencies=AGENCIES,
        strands=STRANDS,
        current_agency="",
        current_strands=(),
        creating=False,
    )
    assert (change.lead_agency, change.strands) == ("police", ("cse", "cce"))
    assert change.changed == ("lead_agency", "strands")
    common = {"agencies": AGENCIES, "strands": STRANDS, "current_agency": "police"}
    assert errors_of(
        lambda: parse_details(
            {"leadAgency": "police", "strands": ""},
            **common,
            current_strands=("cse",),
            creating=False,
        )
    ) == {"strands": "Choose at least one strand."}
    created = parse_details({}, **common, current_strands=(), creating=True)
    assert created.changed == ("lead_agency",) and created.lead_agency == ""
    assert set(
        errors_of(
            lambda: parse_details(
                {"leadAgency": 7, "strands": "cse,tarot"},
                **common,
                current_strands=(),
                creating=False,
            )
        )
    ) == {"leadAgency", "strands"}


def test_strands_are_recorded_as_codes_and_a_long_list_as_a_count() -> None:
    assert strand_codes("cse,,cce, cse") == ["cse", "cce"]
    assert strand_codes(["cse"]) == []
    assert strands_event(["missing", "cce"]) == ("cce,missing", "")
    many = [f"strand_number_{n}" for n in range(6)]
    value, listed = strands_event(many)
    assert value == "6 strands" and len(value) <= EVENT_VALUE_CHARS
    assert listed == ",".join(sorted(many))


def test_checks_are_read_whole_with_dates_no_later_than_today() -> None:
    checks = parse_checks(
        {
            "missingEpisode": "yes",
            "returnInterview": "offered",
            "returnInterviewOn": "2026-11-01",
            "voiceRecorded": "no",
            "nrmOutcome": "Awaiting decision",
            "safetyPlanShared": "not_recorded",
        },
        TODAY,
    )
    assert checks == ChildChecks(
        missing_episode=True,
        return_interview=InterviewState.OFFERED,
        return_interview_on=date(2026, 11, 1),
        voice_recorded=False,
        nrm_outcome="Awaiting decision",
    )
    values = check_values(checks)
    assert values["missingEpisode"] == "yes" and values["parentsInvolved"] == "not_recorded"
    assert parse_checks(values, TODAY) == checks
    errors = errors_of(
        lambda: parse_checks(
            {
                "riskToolOn": "2026-12-01",
                "nrmReferredOn": "soon",
                "voiceRecorded": "maybe",
                "returnInterview": "lost",
                "lookedAfter": True,
                "placingAuthority": "Ring 01632 960123",
            },
            TODAY,
        )
    )
    assert set(errors) == {
        "riskToolOn",
        "nrmReferredOn",
        "voiceRecorded",
        "returnInterview",
        "lookedAfter",
        "placingAuthority",
        confirmation_field("placingAuthority"),
    }


def test_a_link_reason_is_short_required_and_nudged() -> None:
    assert parse_link_reason({"linkReason": " Seen there. "}, "linkReason", TODAY) == "Seen there."
    assert errors_of(lambda: parse_link_reason({}, "linkReason", TODAY)) == {
        "linkReason": "The reason is required."
    }
    assert (
        "too long"
        in errors_of(lambda: parse_link_reason({"linkReason": "x" * 301}, "linkReason", TODAY))[
            "linkReason"
        ]
    )
