"""An invented history for the demo store, so a newcomer's first `my actions`,
`outstanding actions` or look at the register shows something (issue 15, point 11).

`make run` (``mace-bot serve --demo``) loads the demo groups and members
(``bot/demo/demo_data.json``), then calls ``seed_demo_history``: two ended meetings per
demo group, with attendance, minutes, decisions, a share-and-challenge round with its
answers, the first meeting's minutes agreed and the second's still a draft; a register of
children, persons of concern, locations, groups and themes with strands, risk history,
status, lead agencies, links and a child's checks; and open, overdue and done actions,
some owned by the Playground's default user (Alex Wilber, chair of Scarborough and
Ryedale).

Everything is invented: children are case references (CR-0101) and initials, persons of
concern police references and initials, no real names. Dates are counted back from the
clock's today, so the demo looks current whenever it is started.

It runs only on the demo flag, only when the demo members are there (matched by the demo
file's Entra object ids), and only while the store holds no meeting, no subject and no
action: never twice, never on a real group's store. Rows are written through the ORM in
one transaction, so every free-text column is encrypted and every row audited, under the
actor ``demo`` (what the trail shows as having recorded them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.agenda import CANONICAL_AGENDA
from bot.domain.clock import LONDON
from bot.domain.model import (
    ActionStatus,
    AttendanceStatus,
    ChallengeStatus,
    EntryKind,
    ItemStatus,
    MeetingStatus,
    MinutesStatus,
    Role,
    RoundStatus,
    SubjectKind,
    TurnOutcome,
)
from bot.domain.register import (
    RISK_RANK,
    ChildChecks,
    InterviewState,
    RiskLevel,
    SubjectEventKind,
    SubjectStatus,
    link_pair,
    may_link,
)
from bot.store import audit
from bot.store import tables as t
from bot.store.crypto import subject_index
from bot.store.db import Store

log = logging.getLogger(__name__)

#: Who the audit trail names for the demo's invented records.
ACTOR = "demo"

#: The Playground's default user in bot/demo/demo_data.json: present only on a demo store.
DEMO_CHAIR_AAD = "00000000-0000-0000-0000-0000000000020"

#: The Playground's channel, linked to Scarborough by the demo data.
DEMO_CHANNEL = "team-id"

C, P, L, G, T = (
    SubjectKind.CHILD,
    SubjectKind.PERSON,
    SubjectKind.LOCATION,
    SubjectKind.GROUP,
    SubjectKind.THEME,
)

#: Under which agenda item (its position) a subject of each kind is discussed.
ITEM_OF_KIND = {C: 4, P: 5, L: 6, G: 7, T: 7}

#: Meetings, by index: 0 before the bot (brought in from the group's tracker), 1 and 2 the
#: two ended meetings.
BEFORE, FIRST, SECOND = 0, 1, 2


@dataclass(frozen=True, slots=True)
class DemoSubject:
    """One invented register entry. ``risks`` is the level at each of BEFORE, FIRST,
    SECOND (None: not rated yet, or not yet known to the group); a change is a risk event
    in that meeting. ``seen`` are the meetings it was discussed in; ``notes`` what the
    minutes say about it there (one per meeting in ``seen`` that has a note)."""

    kind: SubjectKind
    reference: str
    initials: str
    strands: tuple[str, ...]
    risks: tuple[str | None, str | None, str | None]
    lead: str
    seen: tuple[int, ...]
    notes: tuple[str, ...] = ()
    status: SubjectStatus = SubjectStatus.OPEN
    status_reason: str = ""
    checks: ChildChecks | None = None


@dataclass(frozen=True, slots=True)
class DemoAction:
    """An invented action: agreed in meeting ``meeting`` (1 or 2) under item ``item``, due
    ``due`` days from today (negative: overdue), about ``subject`` (a reference) if any."""

    description: str
    owner: str
    meeting: int
    item: int
    due: int
    subject: str = ""
    status: ActionStatus = ActionStatus.OPEN
    update: str = ""
    escalated: bool = False


@dataclass(frozen=True, slots=True)
class DemoRound:
    """A share-and-challenge round of meeting ``meeting`` about the child ``subject``:
    (agency code, service or "", outcome, text) per answer, in the order given."""

    meeting: int
    subject: str
    answers: tuple[tuple[str, str, TurnOutcome, str], ...]
    challenge: tuple[str, str, str, str, str] | None = None  # by, to, text, response, status


@dataclass(frozen=True, slots=True)
class DemoGroup:
    code: str
    #: The agencies present at each of the two meetings, and those that sent apologies;
    #: who came for each is the group's members of that agency.
    present: tuple[tuple[str, ...], tuple[str, ...]]
    apologies: tuple[tuple[str, ...], tuple[str, ...]]
    subjects: tuple[DemoSubject, ...]
    links: tuple[tuple[str, str, str, int], ...]  # reference, reference, why, meeting
    actions: tuple[DemoAction, ...]
    rounds: tuple[DemoRound, ...] = ()
    decisions: tuple[tuple[int, str, str], ...] = ()  # meeting, subject reference, text
    intelligence: tuple[str, str] = (
        "Partners shared what they are seeing; nothing new to record.",
        "No new themes this month.",
    )


UP = "Partners report new incidents: risk raised."
DOWN = "Engagement with the plan and fewer incidents: risk lowered."

SCARBOROUGH = DemoGroup(
    code="scarborough",
    present=(
        (
            "police",
            "childrens_social_care",
            "health",
            "education",
            "youth_justice",
            "childrens_society",
            "nyscp",
        ),
        (
            "police",
            "childrens_social_care",
            "health",
            "youth_justice",
            "housing",
            "childrens_society",
            "nyscp",
            "licensing",
        ),
    ),
    apologies=(("housing", "licensing"), ("education",)),
    subjects=(
        DemoSubject(
            C,
            "CR-0101",
            "JB",
            ("cce", "missing"),
            ("high", "very_high", "very_high"),
            "childrens_social_care",
            (FIRST, SECOND),
            (
                "Missing twice since the last meeting; found out of area with older males. "
                "Return home interview done.",
                "No missing episodes this month. Disruption at the takeaway continues.",
            ),
            checks=ChildChecks(
                missing_episode=True,
                return_interview=InterviewState.DONE,
                voice_recorded=True,
                parents_involved=True,
                transition_16_17=False,
                looked_after=False,
            ),
        ),
        DemoSubject(
            C,
            "CR-0102",
            "KM",
            ("cse", "online"),
            ("medium", "high", "high"),
            "childrens_social_care",
            (FIRST, SECOND),
            (
                "School reports contact with an older male through a messaging app.",
                "Online safety work with the child has started; parents engaged.",
            ),
            checks=ChildChecks(missing_episode=False, voice_recorded=True, parents_involved=True),
        ),
        DemoSubject(
            C,
            "CR-0103",
            "TR",
            ("cce",),
            (None, "medium", "medium"),
            "youth_justice",
            (FIRST, SECOND),
            (
                "New referral: seen with the Eastfield peer group after school.",
                "Attending a youth club twice a week; no new concerns.",
            ),
        ),
        DemoSubject(
            C,
            "CR-0104",
            "AS",
            ("missing", "cse"),
            ("high", "high", None),
            "childrens_social_care",
            (FIRST,),
            ("Placed here by another authority; the safety plan has not been shared yet.",),
            checks=ChildChecks(
                missing_episode=True,
                return_interview=InterviewState.OFFERED,
                looked_after=True,
                placing_authority="Another local authority",
            ),
        ),
        DemoSubject(
            C,
            "CR-0105",
            "LP",
            ("online",),
            ("medium", "low", "low"),
            "education",
            (FIRST, SECOND),
            ("Images shared between pupils; school is working with the family.",),
            status=SubjectStatus.MONITORING,
            status_reason="Low risk; school monitors and brings it back if anything changes.",
        ),
        DemoSubject(
            C,
            "CR-0106",
            "DH",
            ("cce",),
            ("medium", "low", "low"),
            "early_help",
            (FIRST, SECOND),
            ("Stable at home; Early Help support continuing.",),
            status=SubjectStatus.CLOSED,
            status_reason="Risk reduced; support continues through Early Help.",
        ),
        DemoSubject(
            P,
            "NYP/24/0315",
            "RT",
            ("cce",),
            ("high", "very_high", "very_high"),
            "police",
            (FIRST, SECOND),
            (
                "Intelligence links him to the takeaway and to the line from Teesside.",
                "Disruption under way with licensing.",
            ),
        ),
        DemoSubject(
            P,
            "NYP/25/1120",
            "SK",
            ("cse",),
            ("high", None, None),
            "police",
            (),
        ),
        DemoSubject(
            L,
            "Takeaway on Eastborough",
            "",
            ("cse", "cce"),
            ("medium", "high", "high"),
            "licensing",
            (FIRST, SECOND),
            (
                "Children seen there late at night, given free food.",
                "Licensing visit done; conditions to be reviewed.",
            ),
        ),
        DemoSubject(
            L,
            "Bus station underpass",
            "",
            ("contextual",),
            ("high", None, None),
            "community_safety",
            (),
        ),
        DemoSubject(
            G,
            "Eastfield peer group",
            "",
            ("cce",),
            (None, "high", "high"),
            "youth_justice",
            (FIRST, SECOND),
            ("Six to eight young people; some carry phones they cannot account for.",),
        ),
        DemoSubject(
            G,
            "Line supplying from Teesside",
            "",
            ("cce", "msht"),
            (None, None, "very_high"),
            "police",
            (SECOND,),
            ("New this month: a county line using local children to carry.",),
        ),
        DemoSubject(
            T,
            "Older males offering lifts after school",
            "",
            ("cse", "contextual"),
            ("medium", "medium", "medium"),
            "police",
            (FIRST, SECOND),
            ("Reported by two schools; patrols at home time.",),
        ),
        DemoSubject(
            T,
            "Vapes used to groom younger children",
            "",
            ("cce", "online"),
            (None, None, "medium"),
            "education",
            (SECOND,),
            ("Schools see vapes given away to Year 8 pupils.",),
        ),
    ),
    links=(
        ("CR-0101", "Eastfield peer group", "Seen with the group most evenings.", FIRST),
        ("CR-0101", "Takeaway on Eastborough", "Found there after a missing episode.", FIRST),
        ("CR-0101", "NYP/24/0315", "Phone contact found by police.", FIRST),
        ("CR-0103", "Eastfield peer group", "Seen with the group after school.", FIRST),
        ("CR-0102", "Older males offering lifts after school", "Offered a lift twice.", FIRST),
        ("CR-0104", "Bus station underpass", "Seen there during a missing episode.", FIRST),
        ("NYP/24/0315", "Takeaway on Eastborough", "Works shifts there.", FIRST),
        ("NYP/24/0315", "Line supplying from Teesside", "Believed to run the line.", SECOND),
        ("Eastfield peer group", "Bus station underpass", "Meets there.", FIRST),
        ("Line supplying from Teesside", "Takeaway on Eastborough", "Used as a base.", SECOND),
        ("Vapes used to groom younger children", "Eastfield peer group", "Hands them out.", SECOND),
    ),
    actions=(
        DemoAction(
            "Write to the placing authority for CR-0104's safety plan.",
            "Alex Wilber",
            FIRST,
            4,
            -9,
            "CR-0104",
            update="Written to twice; no answer yet.",
        ),
        DemoAction(
            "Ask Licensing to review the takeaway's premises licence conditions.",
            "Alex Wilber",
            SECOND,
            6,
            -2,
            "Takeaway on Eastborough",
        ),
        DemoAction(
            "Take the Teesside line to the Operational group.",
            "Alex Wilber",
            SECOND,
            8,
            6,
            "Line supplying from Teesside",
        ),
        DemoAction(
            "Return home interview for CR-0104 after the last missing episode.",
            "Tom Hughes",
            FIRST,
            4,
            -20,
            "CR-0104",
            escalated=True,
        ),
        DemoAction(
            "Disruption plan for NYP/24/0315 with Licensing.",
            "Priya Shah",
            SECOND,
            5,
            9,
            "NYP/24/0315",
        ),
        DemoAction(
            "Share CR-0101's CAMHS assessment with the social worker.",
            "Dana Reeves",
            SECOND,
            4,
            -1,
            "CR-0101",
        ),
        DemoAction(
            "Online safety session for CR-0102's year group.",
            "Chris Lowe",
            SECOND,
            4,
            13,
            "CR-0102",
        ),
        DemoAction(
            "Youth worker to attend the underpass on two Friday evenings.",
            "Jo Marsh",
            FIRST,
            6,
            -6,
            "Bus station underpass",
        ),
        DemoAction(
            "Check the tenancy of the flat above the takeaway.",
            "Morgan Bell",
            SECOND,
            6,
            20,
            "Takeaway on Eastborough",
        ),
        DemoAction(
            "Offer CR-0101's family a PACE parent worker.",
            "Ellis Ward",
            FIRST,
            4,
            -30,
            "CR-0101",
            status=ActionStatus.DONE,
            update="Family accepted; first visit done.",
        ),
        DemoAction(
            "Circulate the mapping of the Eastfield peer group.",
            "Sam Okafor",
            FIRST,
            7,
            -25,
            "Eastfield peer group",
            status=ActionStatus.DONE,
        ),
        DemoAction(
            "Brief schools on the lifts after school.",
            "Riley Quinn",
            SECOND,
            7,
            4,
            "Older males offering lifts after school",
        ),
    ),
    rounds=(
        DemoRound(
            FIRST,
            "CR-0101",
            (
                ("police", "", TurnOutcome.SHARED, "Two missing reports; found out of area."),
                ("childrens_social_care", "", TurnOutcome.SHARED, "Child in need plan in place."),
                ("health", "CAMHS", TurnOutcome.SHARED, "Assessment booked."),
                ("health", "Healthy Child team", TurnOutcome.NOTHING_TO_SHARE, ""),
                (
                    "education",
                    "",
                    TurnOutcome.CHALLENGE,
                    "Attendance down to 60%; school not told of the missing episodes.",
                ),
                ("youth_justice", "", TurnOutcome.NOTHING_TO_SHARE, ""),
                ("housing", "", TurnOutcome.NOT_PRESENT, ""),
                ("police", "", TurnOutcome.SHARED, "Further: a phone seized on the second return."),
            ),
            challenge=(
                "education",
                "police",
                "The school was not told of either missing episode.",
                "Police will copy the school into missing reports from now on.",
                ChallengeStatus.RESOLVED,
            ),
        ),
        DemoRound(
            SECOND,
            "CR-0102",
            (
                ("police", "", TurnOutcome.SHARED, "No reports this month."),
                ("childrens_social_care", "", TurnOutcome.SHARED, "Parents engaged with the plan."),
                ("health", "CAMHS", TurnOutcome.NOTHING_TO_SHARE, ""),
                (
                    "health",
                    "Healthy Child team",
                    TurnOutcome.SHARED,
                    "School nurse sees her weekly.",
                ),
                ("childrens_society", "", TurnOutcome.SHARED, "Worker allocated."),
                (
                    "youth_justice",
                    "",
                    TurnOutcome.CHALLENGE,
                    "Has the NRM been considered for the older male's contact?",
                ),
            ),
            challenge=(
                "youth_justice",
                "childrens_social_care",
                "Has a National Referral Mechanism referral been considered?",
                "Considered; a referral will be made if the contact is traced.",
                ChallengeStatus.RESOLVED,
            ),
        ),
    ),
    decisions=(
        (FIRST, "CR-0101", "CR-0101's risk raised to very high; strategy discussion today."),
        (FIRST, "Takeaway on Eastborough", "Refer the takeaway to Licensing for a visit."),
        (SECOND, "Line supplying from Teesside", "Escalate the Teesside line to Level 3."),
        (SECOND, "CR-0105", "CR-0105 moves to monitoring; school leads."),
    ),
    intelligence=(
        "Police see more children from Eastfield in the town centre after 9pm.",
        "Schools report vapes handed out near the school gates.",
    ),
)

RYEDALE = DemoGroup(
    code="ryedale",
    present=(
        ("police", "childrens_social_care", "education", "early_help", "nyscp"),
        ("police", "childrens_social_care", "health", "education", "nyscp"),
    ),
    apologies=(("health",), ("early_help",)),
    subjects=(
        DemoSubject(
            C,
            "CR-0201",
            "MW",
            ("cse", "missing"),
            ("high", "very_high", "high"),
            "childrens_social_care",
            (FIRST, SECOND),
            (
                "Missing overnight; returned by a taxi paid for by an adult.",
                "No missing episodes; engaging with her worker.",
            ),
            checks=ChildChecks(
                missing_episode=True,
                return_interview=InterviewState.DECLINED,
                voice_recorded=True,
                nrm_referred_on=None,
                looked_after=False,
            ),
        ),
        DemoSubject(
            C,
            "CR-0202",
            "OB",
            ("cce",),
            ("medium", "high", "high"),
            "youth_justice",
            (FIRST, SECOND),
            ("Found with cash and two phones at the bus station.",),
            checks=ChildChecks(missing_episode=False, transition_16_17=True),
        ),
        DemoSubject(
            C,
            "CR-0203",
            "EF",
            ("online", "hsb"),
            (None, "medium", "medium"),
            "education",
            (FIRST, SECOND),
            ("Harmful sexual behaviour online towards a younger pupil.",),
        ),
        DemoSubject(
            C,
            "CR-0204",
            "GN",
            ("missing",),
            ("high", "high", "high"),
            "childrens_social_care",
            (FIRST,),
            ("Placed from another authority; three missing episodes.",),
            checks=ChildChecks(missing_episode=True, looked_after=True),
        ),
        DemoSubject(
            C,
            "CR-0205",
            "HY",
            ("cse",),
            ("medium", "low", "low"),
            "early_help",
            (FIRST, SECOND),
            status=SubjectStatus.MONITORING,
            status_reason="Risk lowered; Early Help keeps in touch.",
        ),
        DemoSubject(
            C,
            "CR-0206",
            "IV",
            ("cce",),
            (None, None, "medium"),
            "youth_justice",
            (SECOND,),
            ("New referral from the school.",),
        ),
        DemoSubject(
            P,
            "NYP/25/0042",
            "DC",
            ("cse",),
            ("high", "high", "very_high"),
            "police",
            (FIRST, SECOND),
            ("Pays for taxis for girls from the market town.",),
        ),
        DemoSubject(
            L,
            "Skate park by the river",
            "",
            ("cce", "contextual"),
            ("medium", "high", "high"),
            "community_safety",
            (FIRST, SECOND),
            ("Dealing seen in the evenings; lighting poor.",),
        ),
        DemoSubject(
            L,
            "Holiday lets near the station",
            "",
            ("cse", "msht"),
            ("high", None, None),
            "police",
            (),
        ),
        DemoSubject(
            L,
            "Taxi rank in the market place",
            "",
            ("cse",),
            (None, "medium", "medium"),
            "licensing",
            (FIRST,),
            ("Drivers asked to report children travelling alone late at night.",),
        ),
        DemoSubject(
            G,
            "Skate park group",
            "",
            ("cce",),
            (None, "high", "high"),
            "youth_justice",
            (FIRST, SECOND),
        ),
        DemoSubject(
            T,
            "Taxis paid for by adults",
            "",
            ("cse", "contextual"),
            (None, "medium", "high"),
            "police",
            (FIRST, SECOND),
            ("Three children returned home in taxis paid for by an adult.",),
        ),
    ),
    links=(
        ("CR-0201", "NYP/25/0042", "Taxi paid for by him.", FIRST),
        ("CR-0201", "Taxis paid for by adults", "One of the three.", FIRST),
        ("CR-0202", "Skate park group", "Part of the group.", FIRST),
        ("CR-0202", "Skate park by the river", "Found there with cash.", FIRST),
        ("Skate park group", "Skate park by the river", "Meets there.", FIRST),
        ("NYP/25/0042", "Taxi rank in the market place", "Seen waiting there.", SECOND),
        ("CR-0204", "Holiday lets near the station", "Found there when missing.", FIRST),
        ("CR-0206", "Skate park group", "Seen with the group.", SECOND),
    ),
    actions=(
        DemoAction(
            "Ask the placing authority for CR-0204's safety plan.",
            "Alex Wilber",
            FIRST,
            4,
            -15,
            "CR-0204",
        ),
        DemoAction(
            "Arrange a mapping session on the skate park group.",
            "Alex Wilber",
            SECOND,
            7,
            10,
            "Skate park group",
        ),
        DemoAction(
            "Taxi licensing to brief drivers on what to report.",
            "Riley Quinn",
            SECOND,
            6,
            -3,
            "Taxi rank in the market place",
        ),
        DemoAction(
            "Intelligence report on NYP/25/0042 to the Operational group.",
            "Priya Shah",
            SECOND,
            5,
            5,
            "NYP/25/0042",
        ),
        DemoAction(
            "Minutes of the last meeting to the group.",
            "Sam Okafor",
            FIRST,
            9,
            -35,
            status=ActionStatus.DONE,
        ),
    ),
    rounds=(
        DemoRound(
            FIRST,
            "CR-0201",
            (
                ("police", "", TurnOutcome.SHARED, "Taxi traced to an account we know."),
                ("childrens_social_care", "", TurnOutcome.SHARED, "Strategy meeting held."),
                ("education", "", TurnOutcome.NOTHING_TO_SHARE, ""),
                ("early_help", "", TurnOutcome.SHARED, "Family support worker offered."),
            ),
        ),
        DemoRound(
            SECOND,
            "CR-0202",
            (
                ("police", "", TurnOutcome.SHARED, "Stopped at the bus station again."),
                ("childrens_social_care", "", TurnOutcome.NOTHING_TO_SHARE, ""),
                ("health", "Healthy Child team", TurnOutcome.SHARED, "Seen at the drop-in."),
                ("education", "", TurnOutcome.SHARED, "On a reduced timetable."),
                ("police", "", TurnOutcome.SHARED, "Correction: stopped twice, not once."),
            ),
            # Open in Ryedale, not Scarborough: the browser test counts Scarborough's.
            challenge=(
                "police",
                "childrens_social_care",
                "Why has no strategy discussion been held after the second stop?",
                "",
                ChallengeStatus.OPEN,
            ),
        ),
    ),
    decisions=(
        (FIRST, "CR-0201", "CR-0201's risk raised to very high; NRM referral considered."),
        (SECOND, "NYP/25/0042", "Share NYP/25/0042's intelligence with Scarborough."),
    ),
)


def _small(code: str, n: int, lead_agency: str, owner: str, place: str) -> DemoGroup:
    """A group the demo user does not chair: a few subjects and one action, enough for
    its register and its coordinator's outstanding actions to show something."""
    child, place_name = f"CR-0{n}01", place
    return DemoGroup(
        code=code,
        present=((lead_agency, "police", "nyscp"), (lead_agency, "police", "nyscp")),
        apologies=(("housing",), ()),
        subjects=(
            DemoSubject(
                C,
                child,
                "PQ",
                ("cce",),
                ("medium", "high", "high"),
                "childrens_social_care",
                (FIRST, SECOND),
                ("Seen with older youths at the station.",),
            ),
            DemoSubject(
                C,
                f"CR-0{n}02",
                "RS",
                ("missing",),
                (None, "medium", "low"),
                "childrens_social_care",
                (FIRST, SECOND),
            ),
            DemoSubject(
                L,
                place_name,
                "",
                ("contextual",),
                ("medium", "medium", "medium"),
                "community_safety",
                (FIRST,),
            ),
            DemoSubject(
                T,
                "Children travelling alone by train at night",
                "",
                ("cce", "missing"),
                (None, None, "medium"),
                "police",
                (SECOND,),
            ),
        ),
        links=((child, place_name, "Seen there most weekends.", FIRST),),
        actions=(
            DemoAction(
                f"Check school attendance for {child}.",
                owner,
                SECOND,
                4,
                -4,
                child,
            ),
        ),
    )


OTHERS = (
    _small("harrogate", 3, "health", "Kit Fenwick", "Station car park"),
    _small("craven", 4, "education", "Riley Quinn", "Recreation ground"),
    _small("hambleton", 5, "education", "Riley Quinn", "Retail park"),
    _small("richmondshire", 6, "education", "Riley Quinn", "Riverside path"),
    _small("selby", 7, "education", "Riley Quinn", "Bus interchange"),
)

GROUPS: tuple[DemoGroup, ...] = (SCARBOROUGH, RYEDALE, *OTHERS)

#: What the minutes of the fixed items say, by position and meeting.
FIXED_MINUTES: dict[int, tuple[str, str]] = {
    1: (
        "Attendance taken; confidentiality statement read and agreed.",
        "Attendance taken; confidentiality statement read and agreed.",
    ),
    2: (
        "The minutes of the previous meeting were agreed as accurate.",
        "The minutes of the last meeting were agreed as accurate.",
    ),
    3: (
        "Previous actions reviewed; two carried forward.",
        "Previous actions reviewed; the overdue ones were chased in the meeting.",
    ),
    8: ("Nothing to escalate today.", "One escalation to the Operational group agreed."),
    9: ("Actions confirmed; next meeting in four weeks.", "Actions confirmed; date set."),
}


def meeting_days(today: date) -> tuple[date, date, date]:
    """The two past meetings (Thursdays four weeks apart, the later two to three weeks
    ago) and the day before the bot when older subjects were last on the tracker."""
    second = today - timedelta(days=14)
    second -= timedelta(days=(second.weekday() - 3) % 7)
    first = second - timedelta(weeks=4)
    return first - timedelta(weeks=6), first, second


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LONDON).astimezone(UTC)


@dataclass(slots=True)
class _Seeding:
    session: AsyncSession
    store: Store
    today: date
    members: dict[str, t.Member] = field(default_factory=dict)
    agencies: dict[str, t.Agency] = field(default_factory=dict)
    strands: dict[str, int] = field(default_factory=dict)
    localities: dict[str, t.Locality] = field(default_factory=dict)


async def seed_demo_history(store: Store, now: datetime) -> bool:
    """Seed the invented history if this is a demo store holding no records yet; True
    when it did. Safe to call at every start (it writes nothing a second time)."""
    try:
        return await _seed_once(store, now)
    except IntegrityError:
        # Another instance on the same store (a second `make run`) seeded it meanwhile.
        log.info("demo history already seeded by another instance")
        return False


async def _seed_once(store: Store, now: datetime) -> bool:
    async with store.transaction(now=now) as session:
        chair = await session.scalar(
            select(t.Member).where(t.Member.aad_object_id == DEMO_CHAIR_AAD)
        )
        if chair is None:
            return False
        for table in (t.Meeting, t.Subject, t.Action):
            if await session.scalar(select(func.count()).select_from(table)):
                return False
        audit.act_as(session, ACTOR)
        seeding = _Seeding(session, store, now.astimezone(LONDON).date())
        seeding.members = {m.name: m for m in await session.scalars(select(t.Member))}
        seeding.agencies = {a.code: a for a in await session.scalars(select(t.Agency))}
        seeding.strands = {s.code: s.id for s in await session.scalars(select(t.Strand))}
        seeding.localities = {loc.code: loc for loc in await session.scalars(select(t.Locality))}
        for group in GROUPS:
            if group.code in seeding.localities:
                await _seed_group(seeding, group)
    log.info("demo history seeded")
    return True


async def _people(
    session: AsyncSession, locality_id: int
) -> tuple[dict[str, list[t.Member]], dict[Role, t.Member]]:
    """The group's members by agency code, and the first member holding each role."""
    rows = (
        await session.execute(
            select(t.Member, t.Agency.code, t.Membership.role)
            .join(t.Membership, t.Membership.member_id == t.Member.id)
            .join(t.Agency, t.Agency.id == t.Member.agency_id)
            .where(t.Membership.locality_id == locality_id)
            .order_by(t.Member.id)
        )
    ).all()
    by_agency: dict[str, list[t.Member]] = {}
    by_role: dict[Role, t.Member] = {}
    for member, code, role in rows:
        if member not in by_agency.setdefault(code, []):
            by_agency[code].append(member)
        by_role.setdefault(Role(role), member)
    return by_agency, by_role


async def _seed_group(s: _Seeding, group: DemoGroup) -> None:
    session = s.session
    locality = s.localities[group.code]
    by_agency, by_role = await _people(session, locality.id)
    chair = by_role.get(Role.CHAIR) or by_role.get(Role.DEPUTY_CHAIR) or by_role[Role.COORDINATOR]
    minute_taker = by_role.get(Role.MINUTE_TAKER) or chair
    before_day, *days = meeting_days(s.today)
    conversation = DEMO_CHANNEL if group.code == "scarborough" else f"demo-{group.code}"

    meetings: list[t.Meeting] = []
    items: list[dict[int, t.AgendaItem]] = []
    for index, day in enumerate(days):
        meeting = t.Meeting(
            locality_id=locality.id,
            conversation_id=conversation,
            status=MeetingStatus.ENDED,
            chair_member_id=chair.id,
            started_at=_at(day, 10),
            ended_at=_at(day, 11, 50),
            current_position=None,
            next_meeting_date=day + timedelta(weeks=4),
            minutes_status=MinutesStatus.DRAFT,
            in_progress_locality_id=None,
        )
        session.add(meeting)
        await session.flush()
        by_position: dict[int, t.AgendaItem] = {}
        for position, template in enumerate(CANONICAL_AGENDA, start=1):
            item = t.AgendaItem(
                meeting_id=meeting.id,
                position=position,
                kind=template.kind,
                title=template.title,
                time_limit_minutes=template.time_limit_minutes,
                status=ItemStatus.DONE,
                started_at=None,
                elapsed_seconds=template.time_limit_minutes * 55,
            )
            session.add(item)
            by_position[position] = item
        meetings.append(meeting)
        items.append(by_position)
        attended: set[str] = set()
        for code, status in [
            *((c, AttendanceStatus.PRESENT) for c in group.present[index]),
            *((c, AttendanceStatus.APOLOGIES) for c in group.apologies[index]),
        ]:
            agency = s.agencies.get(code)
            if agency is None or code in attended:
                continue
            attended.add(code)
            session.add(
                t.Attendance(
                    meeting_id=meeting.id,
                    agency_id=agency.id,
                    status=status,
                    people=", ".join(m.name for m in by_agency.get(code, [])),
                    recorded_by_member_id=minute_taker.id,
                    recorded_at=_at(day, 10, 5),
                )
            )
    await session.flush()
    first, second = meetings
    first.minutes_status = MinutesStatus.AGREED
    first.minutes_agreed_at = _at(days[1], 10, 10)
    first.minutes_agreed_in_meeting_id = second.id

    for index, day in enumerate(days):
        for position, texts in FIXED_MINUTES.items():
            _minute(s, meetings[index], items[index][position], texts[index], minute_taker, day)
        _minute(s, meetings[index], items[index][7], group.intelligence[index], minute_taker, day)

    subjects = await _seed_subjects(
        s, group, locality, chair, minute_taker, meetings, items, before_day, days
    )
    for a_ref, b_ref, why, when in group.links:
        a, b = subjects[a_ref], subjects[b_ref]
        assert may_link(SubjectKind(a.kind), SubjectKind(b.kind)), (a_ref, b_ref)
        low, high = link_pair(a.id, b.id)
        session.add(
            t.SubjectLink(
                subject_a_id=low,
                subject_b_id=high,
                reason=why,
                locality_id=locality.id,
                meeting_id=meetings[when - 1].id,
                member_id=chair.id,
                created_at=_at(days[when - 1], 11),
            )
        )
    for when, ref, text in group.decisions:
        _minute(
            s,
            meetings[when - 1],
            items[when - 1][ITEM_OF_KIND[SubjectKind(subjects[ref].kind)]],
            text,
            minute_taker,
            days[when - 1],
            kind=EntryKind.DECISION,
            subject=subjects[ref],
        )
    for share_round in group.rounds:
        await _round(s, share_round, meetings, items, subjects, by_agency, chair, days)
    for action in group.actions:
        await _action(s, action, locality, meetings, items, subjects, chair, days)


def _minute(
    s: _Seeding,
    meeting: t.Meeting,
    item: t.AgendaItem,
    text: str,
    author: t.Member,
    day: date,
    *,
    kind: EntryKind = EntryKind.MINUTE,
    subject: t.Subject | None = None,
) -> None:
    s.session.add(
        t.MinuteEntry(
            meeting_id=meeting.id,
            item_id=item.id,
            kind=kind,
            text=text,
            subject_id=subject.id if subject else None,
            author_member_id=author.id,
            created_at=_at(day, 10, 30),
        )
    )


async def _seed_subjects(
    s: _Seeding,
    group: DemoGroup,
    locality: t.Locality,
    chair: t.Member,
    minute_taker: t.Member,
    meetings: list[t.Meeting],
    items: list[dict[int, t.AgendaItem]],
    before_day: date,
    days: list[date],
) -> dict[str, t.Subject]:
    session = s.session
    when = [before_day, *days]
    subjects: dict[str, t.Subject] = {}
    positions: dict[tuple[int, int], int] = {}
    for entry in group.subjects:
        known = [i for i, level in enumerate(entry.risks) if level is not None]
        since = min([*known, *entry.seen]) if known or entry.seen else BEFORE
        seen_days = [when[i] for i in entry.seen] or [when[since]]
        current = next((lvl for lvl in reversed(entry.risks) if lvl is not None), None)
        subject = t.Subject(
            locality_id=locality.id,
            kind=entry.kind,
            reference=entry.reference,
            initials=entry.initials,
            reference_index=subject_index(s.store.keys, locality.id, entry.kind, entry.reference),
            created_at=_at(when[since], 11),
            risk_level=current,
            status=entry.status,
            status_reason=entry.status_reason or None,
            lead_agency_id=s.agencies[entry.lead].id if entry.lead in s.agencies else None,
            first_discussed_on=min(seen_days),
            last_discussed_on=max(seen_days),
            checks=entry.checks.to_json() if entry.checks is not None else None,
            updated_at=_at(max(seen_days), 11),
        )
        session.add(subject)
        await session.flush()
        subjects[entry.reference] = subject
        for strand in entry.strands:
            session.add(t.SubjectStrand(subject_id=subject.id, strand_id=s.strands[strand]))
        imported = since == BEFORE
        _event(
            s,
            subject,
            SubjectEventKind.IMPORTED if imported else SubjectEventKind.CREATED,
            None if imported else meetings[since - 1],
            None if imported else chair,
            _at(when[since], 11),
        )
        previous: str | None = None
        for index, level in enumerate(entry.risks):
            if level is None or level == previous:
                continue
            reason = (
                "Rated when first discussed."
                if previous is None
                else UP
                if RISK_RANK[RiskLevel(level)] > RISK_RANK[RiskLevel(previous)]
                else DOWN
            )
            _event(
                s,
                subject,
                SubjectEventKind.RISK,
                meetings[index - 1] if index else None,
                chair if index else None,
                _at(when[index], 11, 5),
                value=level,
                previous=previous or "",
                reason=reason,
            )
            previous = level
        if entry.status is not SubjectStatus.OPEN:
            last = max(entry.seen) if entry.seen else since
            _event(
                s,
                subject,
                SubjectEventKind.STATUS,
                meetings[last - 1] if last else None,
                chair if last else None,
                _at(when[last], 11, 10),
                value=entry.status,
                previous=SubjectStatus.OPEN,
                reason=entry.status_reason,
            )
        position_of = ITEM_OF_KIND[entry.kind]
        for n, meeting_index in enumerate(entry.seen):
            item = items[meeting_index - 1][position_of]
            key = (meeting_index, position_of)
            positions[key] = positions.get(key, 0) + 1
            session.add(
                t.ItemSubject(
                    meeting_id=meetings[meeting_index - 1].id,
                    item_id=item.id,
                    subject_id=subject.id,
                    position=positions[key],
                    status=ItemStatus.DONE,
                    added_by_member_id=chair.id,
                    added_at=_at(when[meeting_index], 9),
                )
            )
            if n < len(entry.notes):
                _minute(
                    s,
                    meetings[meeting_index - 1],
                    item,
                    entry.notes[n],
                    minute_taker,
                    when[meeting_index],
                    subject=subject,
                )
    return subjects


def _event(
    s: _Seeding,
    subject: t.Subject,
    kind: SubjectEventKind,
    meeting: t.Meeting | None,
    member: t.Member | None,
    at: datetime,
    *,
    value: str = "",
    previous: str = "",
    reason: str = "",
) -> None:
    s.session.add(
        t.SubjectEvent(
            subject_id=subject.id,
            kind=kind,
            value=value,
            previous=previous,
            reason=reason,
            meeting_id=meeting.id if meeting else None,
            member_id=member.id if member else None,
            locality_id=subject.locality_id,
            at=at,
        )
    )


async def _round(
    s: _Seeding,
    share_round: DemoRound,
    meetings: list[t.Meeting],
    items: list[dict[int, t.AgendaItem]],
    subjects: dict[str, t.Subject],
    by_agency: dict[str, list[t.Member]],
    chair: t.Member,
    days: list[date],
) -> None:
    """A closed round about one child: every answer kept in order (an agency answering
    twice, two services of one agency), and the challenge raised in it."""
    session = s.session
    meeting = meetings[share_round.meeting - 1]
    day = days[share_round.meeting - 1]
    row = t.ShareRound(
        meeting_id=meeting.id,
        item_id=items[share_round.meeting - 1][ITEM_OF_KIND[C]].id,
        status=RoundStatus.CLOSED,
        opened_by_member_id=chair.id,
        opened_at=_at(day, 10, 40),
        closed_at=_at(day, 10, 58),
        open_meeting_id=None,
        subject_id=subjects[share_round.subject].id,
    )
    session.add(row)
    await session.flush()
    for n, (code, service, outcome, text) in enumerate(share_round.answers):
        who = by_agency.get(code, [])
        session.add(
            t.RoundTurn(
                round_id=row.id,
                agency_id=s.agencies[code].id,
                outcome=outcome,
                text=text,
                service=service or None,
                member_id=who[0].id if who and outcome is not TurnOutcome.NOT_PRESENT else None,
                at=_at(day, 10, 41 + n),
            )
        )
    if share_round.challenge is not None:
        by, to, text, response, status = share_round.challenge
        raiser = by_agency.get(by, [chair])[0]
        responder = by_agency.get(to, [])
        resolved = status == ChallengeStatus.RESOLVED
        session.add(
            t.Challenge(
                locality_id=meeting.locality_id,
                meeting_id=meeting.id,
                round_id=row.id,
                raised_by_member_id=raiser.id,
                raised_by_agency_id=s.agencies[by].id,
                to_agency_id=s.agencies[to].id,
                about=share_round.subject,
                text=text,
                status=status,
                response=response,
                resolution="Agreed in the meeting." if resolved else "",
                responded_by_member_id=responder[0].id if responder and response else None,
                resolved_at=_at(day, 11) if resolved else None,
                created_at=_at(day, 10, 50),
            )
        )


async def _action(
    s: _Seeding,
    action: DemoAction,
    locality: t.Locality,
    meetings: list[t.Meeting],
    items: list[dict[int, t.AgendaItem]],
    subjects: dict[str, t.Subject],
    chair: t.Member,
    days: list[date],
) -> None:
    session = s.session
    owner = s.members[action.owner]
    created = _at(days[action.meeting - 1], 11, 30)
    row = t.Action(
        locality_id=locality.id,
        meeting_id=meetings[action.meeting - 1].id,
        item_id=items[action.meeting - 1][action.item].id,
        description=action.description,
        owner_member_id=owner.id,
        agency_id=owner.agency_id,
        due_date=s.today + timedelta(days=action.due),
        subject_id=subjects[action.subject].id if action.subject else None,
        status=action.status,
        created_by_member_id=chair.id,
        created_at=created,
        updated_at=created,
        escalated_at=_at(s.today - timedelta(days=3), 7, 30) if action.escalated else None,
    )
    session.add(row)
    await session.flush()
    session.add(
        t.ActionEvent(action_id=row.id, kind="created", note="", member_id=chair.id, at=created)
    )
    if action.update:
        at = _at(s.today - timedelta(days=5), 9)
        session.add(
            t.ActionEvent(
                action_id=row.id, kind="update", note=action.update, member_id=owner.id, at=at
            )
        )
        row.updated_at = at
    if action.status is ActionStatus.DONE:
        at = _at(s.today + timedelta(days=action.due), 15)
        session.add(
            t.ActionEvent(action_id=row.id, kind="done", note="", member_id=owner.id, at=at)
        )
        row.updated_at = at


__all__ = ["GROUPS", "seed_demo_history"]
