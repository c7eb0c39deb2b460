"""The register's writes (bot.services.register) on the real store, SQLite and PostgreSQL:
each change's history entry (who, when, in which meeting, why: the reason decrypted
through the ORM), the refusals (a partner; a member of another group, told exactly what
a missing subject gets; a meeting of another group), the personal-data nudge on every
free-text field, and the audit rows written with each change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.domain.errors import Conflict, InvalidInput, NotFound, NotPermitted
from bot.domain.model import ConversationKind
from bot.domain.register import ChildChecks, InterviewState
from bot.domain.register_forms import unlink_reason_field
from bot.domain.rules import confirmation_field
from bot.services.context import ActorRef, ConversationRef, TurnRef
from bot.services.register import RegisterService
from bot.services.register_access import NO_SUCH_SUBJECT
from bot.services.register_change import NO_SUCH_MEETING
from bot.store import tables as t
from bot.store.db import Store
from tests.support.records import MeetingIds, Records, utc

NOW = utc(2026, 11, 19, 11)
ALEX = ActorRef("user-id-0", "00000000-0000-0000-0000-0000000000020", "Alex Wilber")
SAM = ActorRef("user-sam", "00000000-0000-0000-0000-0000000000101", "Sam Okafor")
PRIYA = ActorRef("user-priya", "00000000-0000-0000-0000-0000000000103", "Priya Shah")
TOM = ActorRef("user-tom", "00000000-0000-0000-0000-0000000000104", "Tom Hughes")
HARPER = ActorRef("user-harper", "00000000-0000-0000-0000-0000000000110", "Harper Lane")
PERSONAL = ConversationRef("personal-1", ConversationKind.PERSONAL)
CHANNEL = ConversationRef("team-id", ConversationKind.CHANNEL)

#: Identifying details the nudge points out (an invented UK mobile number).
PHONE = "Rang her on 07700 900123 about it."

_turns = 0


def turn(actor: ActorRef = ALEX, where: ConversationRef = PERSONAL) -> TurnRef:
    global _turns
    _turns += 1
    return TurnRef(actor, where, f"activity-{_turns}")


class World:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.clock = FrozenClock(NOW)
        self.service = RegisterService(store, self.clock)
        self.records = Records(store)

    async def child(self, reference: str = "CR-0001", locality: str = "scarborough") -> int:
        return await self.records.subject(locality, reference, "JS")

    async def meeting(self, locality: str = "scarborough") -> MeetingIds:
        return await self.records.meeting(locality, utc(2026, 11, 19), status="in_progress")

    async def events(self, subject_id: int) -> list[t.SubjectEvent]:
        async with self.store.reading() as session:
            return list(
                await session.scalars(
                    select(t.SubjectEvent)
                    .where(t.SubjectEvent.subject_id == subject_id)
                    .order_by(t.SubjectEvent.id)
                )
            )

    async def subject(self, subject_id: int) -> t.Subject:
        async with self.store.reading() as session:
            return await session.get_one(t.Subject, subject_id)

    async def member_id(self, actor: ActorRef) -> int:
        async with self.store.reading() as session:
            found = await session.scalar(
                select(t.Member.id).where(t.Member.aad_object_id == actor.aad_object_id)
            )
        assert found is not None
        return found

    async def audit(self, record_type: str) -> list[t.AuditEntry]:
        async with self.store.reading() as session:
            return list(
                await session.scalars(
                    select(t.AuditEntry).where(t.AuditEntry.record_type == record_type)
                )
            )


@pytest.fixture
def world(demo_store: Store) -> World:
    return World(demo_store)


# -- risk -------------------------------------------------------------------------------------


async def test_a_risk_change_records_who_when_which_meeting_and_why(world: World) -> None:
    child = await world.child()
    meeting = await world.meeting()
    saved = await world.service.change_risk(
        turn(), child, meeting.id, {"riskLevel": "medium", "riskReason": "Seen at the station."}
    )
    assert saved.change == "Risk now medium."
    assert saved.meeting_id == meeting.id
    world.clock.advance(minutes=5)
    await world.service.change_risk(
        turn(SAM), child, str(meeting.id), {"riskLevel": "high", "riskReason": "Missing twice."}
    )
    events = [e for e in await world.events(child) if e.kind == "risk"]
    assert [(e.value, e.previous, e.reason) for e in events] == [
        ("medium", "", "Seen at the station."),
        ("high", "medium", "Missing twice."),
    ]
    assert [e.member_id for e in events] == [
        await world.member_id(ALEX),
        await world.member_id(SAM),
    ]
    assert [e.at for e in events] == [NOW, NOW + timedelta(minutes=5)]
    assert {e.meeting_id for e in events} == {meeting.id}
    assert {e.locality_id for e in events} == {meeting.locality_id}
    subject = await world.subject(child)
    assert subject.risk_level == "high"
    assert subject.updated_at == NOW + timedelta(minutes=5)
    audited = await world.audit("subject_events")
    assert len([a for a in audited if a.action == "create"]) == 2
    assert all("Missing" not in a.detail for a in audited)


async def test_the_same_level_again_is_refused_and_a_reason_is_required(world: World) -> None:
    child = await world.child()
    await world.service.change_risk(turn(), child, None, {"riskLevel": "low", "riskReason": "x"})
    with pytest.raises(InvalidInput) as refused:
        await world.service.change_risk(turn(), child, None, {"riskLevel": "low"})
    assert refused.value.field_errors["riskLevel"].startswith("The risk is already low")
    assert "riskReason" in refused.value.field_errors
    with pytest.raises(InvalidInput) as refused:
        await world.service.change_risk(turn(), child, None, {"riskLevel": "extreme"})
    assert set(refused.value.field_errors) == {"riskLevel", "riskReason"}
    assert len([e for e in await world.events(child) if e.kind == "risk"]) == 1


async def test_a_partner_is_refused_and_another_group_is_told_not_found(world: World) -> None:
    child = await world.child()
    with pytest.raises(NotPermitted):
        await world.service.change_risk(
            turn(PRIYA), child, None, {"riskLevel": "high", "riskReason": "Because."}
        )
    with pytest.raises(NotFound) as other_group:
        await world.service.change_risk(
            turn(HARPER), child, None, {"riskLevel": "high", "riskReason": "Because."}
        )
    with pytest.raises(NotFound) as missing:
        await world.service.change_risk(
            turn(), 999_999, None, {"riskLevel": "high", "riskReason": "Because."}
        )
    assert other_group.value.user_message == missing.value.user_message == NO_SUCH_SUBJECT
    assert await world.events(child) == []


async def test_a_meeting_of_another_group_is_refused(world: World) -> None:
    child = await world.child()
    harrogate = await world.meeting("harrogate")
    with pytest.raises(NotFound) as refused:
        await world.service.change_risk(
            turn(), child, harrogate.id, {"riskLevel": "high", "riskReason": "Because."}
        )
    assert refused.value.user_message == NO_SUCH_MEETING
    with pytest.raises(NotFound):
        await world.service.change_risk(
            turn(), child, "not-an-id", {"riskLevel": "high", "riskReason": "Because."}
        )
    assert await world.events(child) == []


async def test_in_a_group_conversation_only_the_linked_groups_subjects(world: World) -> None:
    """The demo channel is Scarborough's: Alex chairs Ryedale too, but a Ryedale child is
    not changed from Scarborough's channel (it is from a personal chat)."""
    ryedale_child = await world.child("CR-0900", "ryedale")
    data = {"riskLevel": "high", "riskReason": "Because."}
    with pytest.raises(NotFound):
        await world.service.change_risk(turn(ALEX, CHANNEL), ryedale_child, None, data)
    await world.service.change_risk(turn(ALEX, PERSONAL), ryedale_child, None, data)
    scarborough_child = await world.child()
    await world.service.change_risk(turn(ALEX, CHANNEL), scarborough_child, None, data)


async def test_a_resent_click_writes_nothing_twice(world: World) -> None:
    from bot.domain.errors import Duplicate

    child = await world.child()
    once = turn()
    data = {"riskLevel": "high", "riskReason": "Because."}
    await world.service.change_risk(once, child, None, data)
    with pytest.raises(Duplicate):
        await world.service.change_risk(once, child, None, {**data, "riskLevel": "low"})
    assert len(await world.events(child)) == 1


# -- status -----------------------------------------------------------------------------------


async def test_closing_needs_a_reason_and_reopening_is_recorded(world: World) -> None:
    child = await world.child()
    with pytest.raises(InvalidInput) as refused:
        await world.service.change_status(turn(), child, None, {"subjectStatus": "closed"})
    assert "statusReason" in refused.value.field_errors
    with pytest.raises(InvalidInput) as same:
        await world.service.change_status(turn(), child, None, {"subjectStatus": "open"})
    assert "already open" in same.value.field_errors["subjectStatus"]
    await world.service.change_status(
        turn(TOM), child, None, {"subjectStatus": "closed", "statusReason": "Moved away."}
    )
    assert (await world.subject(child)).status_reason == "Moved away."
    await world.service.change_status(turn(), child, None, {"subjectStatus": "open"})
    events = [e for e in await world.events(child) if e.kind == "status"]
    assert [(e.value, e.previous, e.reason) for e in events] == [
        ("closed", "open", "Moved away."),
        ("open", "closed", ""),
    ]
    subject = await world.subject(child)
    assert (subject.status, subject.status_reason) == ("open", None)


# -- details ----------------------------------------------------------------------------------


async def test_details_record_lead_agency_and_strands_as_codes(world: World) -> None:
    child = await world.child()
    await world.service.change_details(
        turn(), child, None, {"leadAgency": "police", "strands": "cce,missing"}
    )
    events = await world.events(child)
    assert [(e.kind, e.value, e.previous) for e in events] == [
        ("lead_agency", "police", ""),
        ("strands", "cce,missing", ""),
    ]
    with pytest.raises(InvalidInput) as empty:
        await world.service.change_details(turn(), child, None, {"leadAgency": "police"})
    assert empty.value.field_errors == {"strands": "Choose at least one strand."}
    with pytest.raises(InvalidInput) as unknown:
        await world.service.change_details(
            turn(), child, None, {"leadAgency": "mi5", "strands": "cce,astrology"}
        )
    assert set(unknown.value.field_errors) == {"leadAgency", "strands"}
    with pytest.raises(InvalidInput):
        await world.service.change_details(
            turn(), child, None, {"leadAgency": "police", "strands": "missing,cce"}
        )
    await world.service.change_details(
        turn(), child, None, {"leadAgency": "none", "strands": "cse,cce,missing,hsb,msht,online"}
    )
    events = await world.events(child)
    assert [(e.kind, e.value, e.previous) for e in events[2:]] == [
        ("lead_agency", "", "police"),
        ("strands", "cce,cse,hsb,missing,msht,online", "cce,missing"),
    ]
    assert (await world.subject(child)).lead_agency_id is None


# -- checks -----------------------------------------------------------------------------------


async def test_a_childs_checks_are_recorded_whole_and_encrypted(world: World) -> None:
    child = await world.child()
    data = {
        "missingEpisode": "yes",
        "returnInterview": "done",
        "returnInterviewOn": "2026-11-02",
        "voiceRecorded": "yes",
        "parentsInvolved": "no",
        "nrmReferredOn": "2026-10-20",
        "nrmOutcome": "Reasonable grounds.",
        "lookedAfter": "yes",
        "placingAuthority": "Another county council",
        "safetyPlanShared": "not_recorded",
    }
    saved = await world.service.record_checks(turn(SAM), child, None, data)
    assert saved.change.startswith("Checks recorded.")
    checks = ChildChecks.from_json((await world.subject(child)).checks)
    assert checks.return_interview is InterviewState.DONE
    assert checks.nrm_outcome == "Reasonable grounds."
    assert checks.safety_plan_shared is None
    (event,) = await world.events(child)
    assert (event.kind, event.value, event.reason) == ("checks", "", "")
    with pytest.raises(InvalidInput):
        await world.service.record_checks(turn(SAM), child, None, data)
    with pytest.raises(InvalidInput) as future:
        await world.service.record_checks(
            turn(SAM), child, None, {**data, "riskToolOn": "2027-01-01"}
        )
    assert set(future.value.field_errors) == {"riskToolOn"}


async def test_checks_are_for_a_child_only(world: World) -> None:
    place = await world.records.subject("scarborough", "Old bus station", "", kind="location")
    with pytest.raises(Conflict):
        await world.service.record_checks(turn(), place, None, {"voiceRecorded": "yes"})


# -- the personal-data nudge on every free-text field ------------------------------------------


@pytest.mark.parametrize(
    ("method", "field", "data"),
    [
        ("change_risk", "riskReason", {"riskLevel": "high"}),
        ("change_status", "statusReason", {"subjectStatus": "closed"}),
        ("record_checks", "nrmOutcome", {}),
        ("record_checks", "placingAuthority", {}),
        (
            "link",
            "linkReason",
            {"subjectKind": "location", "subjectRef": "Old bus station"},
        ),
    ],
)
async def test_identifying_details_are_pointed_out_then_kept_when_confirmed(
    world: World, method: str, field: str, data: dict[str, object]
) -> None:
    child = await world.child()
    await world.records.subject("scarborough", "Old bus station", "", kind="location")
    run = getattr(world.service, method)
    with pytest.raises(InvalidInput) as nudged:
        await run(turn(), child, None, {**data, field: PHONE})
    assert "phone number" in nudged.value.field_errors[field]
    assert PHONE not in nudged.value.field_errors[field]
    assert confirmation_field(field) in nudged.value.field_errors
    assert await world.events(child) == []
    await run(turn(), child, None, {**data, field: PHONE, confirmation_field(field): "true"})
    assert await world.events(child)


# -- links ------------------------------------------------------------------------------------


async def test_a_link_then_unlink_then_relink_keeps_one_row(world: World) -> None:
    child = await world.child()
    place = await world.records.subject("scarborough", "Old bus station", "", kind="location")
    meeting = await world.meeting()
    data = {
        "subjectKind": "location",
        "subjectRef": "old bus station",
        "linkReason": "Seen there most evenings.",
    }
    saved = await world.service.link(turn(), child, meeting.id, data)
    assert (saved.other_shown, saved.other_added) == ("Old bus station", False)
    with pytest.raises(InvalidInput) as twice:
        await world.service.link(turn(), child, meeting.id, data)
    assert twice.value.field_errors == {"subjectRef": "These two are already linked."}
    async with world.store.reading() as session:
        (row,) = (await session.scalars(select(t.SubjectLink))).all()
    assert (row.subject_a_id, row.subject_b_id) == (child, place)
    assert (row.reason, row.meeting_id) == ("Seen there most evenings.", meeting.id)
    world.clock.advance(minutes=1)
    await world.service.unlink(
        turn(), row.id, None, {unlink_reason_field(row.id): "Moved to another area."}
    )
    with pytest.raises(Conflict):
        await world.service.unlink(turn(), row.id, None, {unlink_reason_field(row.id): "Again."})
    world.clock.advance(minutes=1)
    await world.service.link(
        turn(SAM),
        place,
        None,
        {
            "subjectKind": "child",
            "subjectRef": "CR-0001",
            "subjectInitials": "JS",
            "linkReason": "Back again.",
        },
    )
    async with world.store.reading() as session:
        (row,) = (await session.scalars(select(t.SubjectLink))).all()
    assert row.removed_at is None and row.removed_by_member_id is None
    assert row.reason == "Back again."
    for subject, other in ((child, place), (place, child)):
        events = [(e.kind, e.value, e.reason) for e in await world.events(subject)]
        assert events == [
            ("linked", str(other), "Seen there most evenings."),
            ("unlinked", str(other), "Moved to another area."),
            ("linked", str(other), "Back again."),
        ]


async def test_a_link_the_kinds_do_not_allow_or_to_itself_is_refused(world: World) -> None:
    child = await world.child()
    await world.child("CR-0002")
    with pytest.raises(InvalidInput) as kinds:
        await world.service.link(
            turn(),
            child,
            None,
            {
                "subjectKind": "child",
                "subjectRef": "CR-0002",
                "subjectInitials": "JS",
                "linkReason": "Friends.",
            },
        )
    message = kinds.value.field_errors["subjectKind"]
    assert message.startswith("A child can be linked only to")
    assert "a location" in message and "a group" in message
    theme = await world.records.subject("scarborough", "Online grooming", "", kind="theme")
    with pytest.raises(InvalidInput):
        await world.service.link(
            turn(),
            theme,
            None,
            {"subjectKind": "theme", "subjectRef": "Online grooming", "linkReason": "Same."},
        )


async def test_a_location_not_yet_in_the_register_is_added_and_linked_in_one_step(
    world: World,
) -> None:
    child = await world.child()
    meeting = await world.meeting()
    data = {
        "subjectKind": "location",
        "subjectRef": "Takeaway on Eastborough",
        "linkReason": "Works there late.",
    }
    with pytest.raises(InvalidInput) as offered:
        await world.service.link(turn(), child, meeting.id, data)
    assert set(offered.value.field_errors) == {"subjectRef", "addToRegister"}
    saved = await world.service.link(turn(), child, meeting.id, {**data, "addToRegister": "true"})
    assert saved.other_added
    async with world.store.reading() as session:
        place = await session.scalar(select(t.Subject).where(t.Subject.kind == "location"))
    assert place is not None and place.reference == "Takeaway on Eastborough"
    kinds = [(e.kind, e.meeting_id) for e in await world.events(place.id)]
    assert kinds == [("created", meeting.id), ("linked", meeting.id)]


# -- adding -----------------------------------------------------------------------------------


async def test_a_subject_is_added_with_its_optional_details(world: World) -> None:
    choices = await world.service.add_choices(turn(SAM))
    assert [name for _, name in choices.groups] == ["Ryedale", "Scarborough"]
    scarborough = await world.records.locality("scarborough")
    saved = await world.service.add(
        turn(SAM),
        {
            "localityId": str(scarborough),
            "subjectKind": "child",
            "subjectRef": "cr-0042",
            "subjectInitials": "a.b",
            "riskLevel": "high",
            "leadAgency": "childrens_social_care",
            "strands": "cse",
        },
    )
    assert saved.shown == "CR-0042 (A.B.)"
    events = [(e.kind, e.value) for e in await world.events(saved.subject_id)]
    assert events == [
        ("created", "child"),
        ("risk", "high"),
        ("lead_agency", "childrens_social_care"),
        ("strands", "cse"),
    ]
    with pytest.raises(InvalidInput) as again:
        await world.service.add(
            turn(SAM),
            {
                "localityId": str(scarborough),
                "subjectKind": "child",
                "subjectRef": "CR-0042",
                "subjectInitials": "AB",
            },
        )
    assert "already in the Scarborough register" in again.value.field_errors["subjectRef"]
    harrogate = await world.records.locality("harrogate")
    with pytest.raises(InvalidInput) as elsewhere:
        await world.service.add(
            turn(SAM),
            {"localityId": str(harrogate), "subjectKind": "theme", "subjectRef": "Vapes"},
        )
    assert set(elsewhere.value.field_errors) == {"localityId"}


async def test_a_partner_has_no_register_to_add_to(world: World) -> None:
    with pytest.raises(NotFound):
        await world.service.add_choices(turn(PRIYA))
    scarborough = await world.records.locality("scarborough")
    with pytest.raises(NotFound):
        await world.service.add(
            turn(PRIYA),
            {"localityId": str(scarborough), "subjectKind": "theme", "subjectRef": "Vapes"},
        )


async def test_a_minute_taker_may_not_add_a_person_of_concern(world: World) -> None:
    scarborough = await world.records.locality("scarborough")
    data = {
        "localityId": str(scarborough),
        "subjectKind": "person",
        "subjectRef": "NYP-2026-0411",
        "subjectInitials": "KL",
    }
    with pytest.raises(InvalidInput) as refused:
        await world.service.add(turn(SAM), data)
    assert set(refused.value.field_errors) == {"subjectKind"}
    saved = await world.service.add(turn(ALEX), data)
    assert saved.kind.value == "person"


async def test_the_edit_form_lists_links_and_is_refused_to_a_partner(world: World) -> None:
    child = await world.child()
    await world.records.subject("scarborough", "Old bus station", "", kind="location")
    await world.service.link(
        turn(),
        child,
        None,
        {"subjectKind": "location", "subjectRef": "Old bus station", "linkReason": "Seen."},
    )
    view = await world.service.edit_form(turn(SAM), child)
    assert [link.other_shown for link in view.links] == ["Old bus station"]
    assert view.locality_name == "Scarborough"
    assert ("cse", "Child sexual exploitation") in view.strand_choices
    with pytest.raises(NotPermitted):
        await world.service.edit_form(turn(PRIYA), child)
