"""The invented data of the demo's history (bot/demo/history.py writes it to the store):
the groups, their register entries with risks, notes, links and checks, their actions,
share-and-challenge rounds and decisions, and what the minutes of the fixed items say.

Its own module because it is the story, not the code: tables of invented references,
initials and texts, changed when the demo should show something else without touching
how it is written (bot/demo/history.py: when it may run, and the rows it writes).

Everything is invented: children are case references (CR-0101) and initials, persons of
concern police references and initials, no real names. Days are meeting indexes (BEFORE,
FIRST, SECOND) and offsets from today, so the history is dated when it is seeded.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.model import ActionStatus, ChallengeStatus, SubjectKind, TurnOutcome
from bot.domain.register import ChildChecks, InterviewState, SubjectStatus

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
