"""The relational schema, as SQLAlchemy 2 typed tables, one module per feature.

The schema itself is created and changed only by Alembic migrations
(``bot/store/migrations``); these classes describe it for queries. A test checks that the
migrations and these models agree, so neither drifts.

Imported as one (``from bot.store import tables as t``): every table is here, whichever
module defines it, so the metadata always holds the whole schema.
"""

from bot.store.tables.actions import Action, ActionEvent, Escalation
from bot.store.tables.base import NAMING, Base, UTCDateTime, table_of
from bot.store.tables.custody import (
    AuditEntry,
    AuditHead,
    DownloadLink,
    LegalHold,
    WebSession,
    WebSignIn,
)
from bot.store.tables.delivery import (
    OutboxMessage,
    OutboxWorker,
    ProcessedActivity,
    ReminderSent,
    SendBudgetHold,
)
from bot.store.tables.groups import (
    Agency,
    LinkedConversation,
    Locality,
    Member,
    MemberContact,
    Membership,
    OversightGroup,
    OversightMembership,
)
from bot.store.tables.meetings import (
    AgendaItem,
    Attendance,
    Challenge,
    Meeting,
    MeetingAttendee,
    MeetingRater,
    MeetingRating,
    MinuteEntry,
    RecordCorrection,
    RoundTurn,
    ShareRound,
)
from bot.store.tables.register import (
    ItemSubject,
    Strand,
    Subject,
    SubjectEvent,
    SubjectLink,
    SubjectShare,
    SubjectStrand,
)

__all__ = [
    "NAMING",
    "Action",
    "ActionEvent",
    "Agency",
    "AgendaItem",
    "Attendance",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Challenge",
    "DownloadLink",
    "Escalation",
    "ItemSubject",
    "LegalHold",
    "LinkedConversation",
    "Locality",
    "Meeting",
    "MeetingAttendee",
    "MeetingRater",
    "MeetingRating",
    "Member",
    "MemberContact",
    "Membership",
    "MinuteEntry",
    "OutboxMessage",
    "OutboxWorker",
    "OversightGroup",
    "OversightMembership",
    "ProcessedActivity",
    "RecordCorrection",
    "ReminderSent",
    "RoundTurn",
    "SendBudgetHold",
    "ShareRound",
    "Strand",
    "Subject",
    "SubjectEvent",
    "SubjectLink",
    "SubjectShare",
    "SubjectStrand",
    "UTCDateTime",
    "WebSession",
    "WebSignIn",
    "table_of",
]
