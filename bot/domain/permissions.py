"""Who may do what in a locality group. Deny by default.

Checked in the services for every read and write, not only by which buttons a card
shows: a card is rendered by the client and a crafted payload can carry any verb.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from bot.domain.model import Role


class Permission(StrEnum):
    VIEW_MEETING = "view_meeting"
    LINK_CONVERSATION = "link_conversation"
    RUN_MEETING = "run_meeting"  # start, move items, open/close rounds, end
    RECORD = "record"  # minutes, decisions, actions, attendance
    RECORD_ATTENDANCE = "record_attendance"
    ANSWER_ROUND = "answer_round"
    RESPOND_TO_CHALLENGE = "respond_to_challenge"
    AGREE_MINUTES = "agree_minutes"
    #: See and change every action in the locality (not only one's own or agency's).
    MANAGE_ACTIONS = "manage_actions"
    #: See and change the actions of one's own agency in the locality.
    MANAGE_AGENCY_ACTIONS = "manage_agency_actions"
    DECIDE_DUE_DATES = "decide_due_dates"
    #: Download a meeting's full minutes (a Word document with every minute's text): every
    #: member of the group, since partners are asked to agree them (issue 16).
    DOWNLOAD_MINUTES = "download_minutes"
    #: Add to the register and change a subject: risk, status, lead agency, strands,
    #: checks, links. Every member may read the register (persons of concern aside:
    #: bot.domain.register.PersonOfConcernAccess).
    EDIT_REGISTER = "edit_register"
    #: Offer a subject to another locality group, or accept one offered (both chairs).
    MOVE_SUBJECTS = "move_subjects"
    #: Correct or withdraw a minute, decision or action recorded in error, until the
    #: meeting's minutes are agreed (issue 16).
    CORRECT_RECORDS = "correct_records"
    #: Escalate an action, challenge or subject to the Operational or Strategic group.
    ESCALATE = "escalate"
    #: The performance report of a period (counts only, no child or person in it).
    REPORT = "report"


_EVERY_MEMBER = frozenset(
    {
        Permission.VIEW_MEETING,
        Permission.ANSWER_ROUND,
        Permission.RESPOND_TO_CHALLENGE,
        Permission.DOWNLOAD_MINUTES,
    }
)
_CHAIRING = frozenset(
    {
        Permission.RUN_MEETING,
        Permission.RECORD,
        Permission.RECORD_ATTENDANCE,
        Permission.AGREE_MINUTES,
        Permission.LINK_CONVERSATION,
        Permission.MANAGE_ACTIONS,
        Permission.DECIDE_DUE_DATES,
        Permission.EDIT_REGISTER,
        Permission.MOVE_SUBJECTS,
        Permission.CORRECT_RECORDS,
        Permission.ESCALATE,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CHAIR: _EVERY_MEMBER | _CHAIRING,
    Role.DEPUTY_CHAIR: _EVERY_MEMBER | _CHAIRING,
    Role.MINUTE_TAKER: _EVERY_MEMBER
    | {
        Permission.RECORD,
        Permission.RECORD_ATTENDANCE,
        Permission.EDIT_REGISTER,
        Permission.CORRECT_RECORDS,
    },
    Role.COORDINATOR: _EVERY_MEMBER
    | {
        Permission.RECORD_ATTENDANCE,
        Permission.MANAGE_ACTIONS,
        Permission.REPORT,
    },
    Role.PARTNER: _EVERY_MEMBER,
    Role.AGENCY_LEAD: _EVERY_MEMBER | {Permission.MANAGE_AGENCY_ACTIONS},
}


#: What no meeting content comes with: linking a conversation to a group shows nothing of
#: its meetings (an administrator may do it anywhere).
_NO_CONTENT = frozenset({Permission.LINK_CONVERSATION})

#: Who oversees a locality group's membership: told whenever a role that opens content is
#: granted there (bot.services.members).
OVERSIGHT_ROLES: tuple[Role, ...] = (Role.CHAIR, Role.DEPUTY_CHAIR, Role.COORDINATOR)


def opens_content(role: Role) -> bool:
    """True when holding ``role`` in a group lets its holder see or change anything of the
    group's meetings, minutes or actions: any permission beyond linking a conversation.

    Every role does today (each one views meetings), the partner role included. An
    administrator may not grant themself such a role: being an administrator gives no
    right to content, and a self-grant would be a way round that.
    """
    return bool(ROLE_PERMISSIONS[role] - _NO_CONTENT)


def permitted(roles: Iterable[Role], permission: Permission, *, is_admin: bool = False) -> bool:
    """True when any of the member's roles in the locality grants ``permission``.

    An administrator may link conversations anywhere (to set groups up) but gains no
    right to read meeting content through that: admin is not a locality role.
    """
    if is_admin and permission is Permission.LINK_CONVERSATION:
        return True
    return any(permission in ROLE_PERMISSIONS[role] for role in roles)


def roles_granting(permission: Permission) -> frozenset[Role]:
    """The roles that grant ``permission`` (``permitted`` for a member with any of them):
    for a question a single query answers, such as "is this member a coordinator
    anywhere", without reading their groups."""
    return frozenset(role for role, granted in ROLE_PERMISSIONS.items() if permission in granted)
