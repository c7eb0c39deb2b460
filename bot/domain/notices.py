"""Notices: the proactive messages the bot queues, by kind, and what one queued notice is.

Every producer (the chase, the pre-meeting brief, a chair's decision on a new date, a role
granted, someone who cannot be reached) describes its message as a ``Notice`` and queues
it through one ``enqueue`` (bot.services.outbox.queue); the renderer (dialogs.notices)
dispatches on the same ``NoticeKind``. A notice names records by id only: the card is
drawn when it is sent, from the state then, so nothing sensitive waits in the outbox.

The kinds' values are the strings stored in ``outbox.kind``: rows already queued must
still render, so a value is never renamed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

#: The width of ``outbox.dedupe_key``: ``enqueue`` refuses a longer key (cut short, two
#: notices could share one). Every producer's key is a kind, ids and a date or a digest:
#: under 100 characters.
MAX_KEY_CHARS = 200


class NoticeKind(StrEnum):
    """What a queued message is, as stored in ``outbox.kind``."""

    DIGEST = "digest"  # an owner's reminders of the day (the chase)
    ESCALATION = "escalation"  # actions escalated, to a group's chairs and coordinators
    UNREACHABLE = "unreachable"  # someone could not be reached, to their coordinators
    DATE_REQUEST = "date_request"  # an owner asks the chairs for a new due date
    DATE_DECIDED = "date_decided"  # the chair's answer, to the owner
    BRIEF = "brief"  # the pre-meeting brief, to the chairs
    ROLE_GRANTED = "role_granted"  # roles granted in a group, to its oversight
    MOVE_ASKED = "move_asked"  # a subject offered to another group, to both groups' chairs
    MOVE_DECIDED = "move_decided"  # the receiving chair's answer, to both groups' chairs
    # Issue 16 (governance):
    ACTION_REASSIGNED = "action_reassigned"  # the chair reassigned an action, to both owners
    ESCALATED_UP = "escalated_up"  # an escalation, to the Operational/Strategic group's members
    ESCALATION_ANSWERED = "escalation_answered"  # its response, to the locality's chairs
    RATE_MEETING = "rate_meeting"  # a meeting ended: asks each attendee to rate it, once


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to queue for one member.

    ``key`` is the row's ``dedupe_key``: the same notice queued twice (a job run again, a
    second process) has the same key and is queued once. ``payload`` holds ids, codes and
    dates only, as JSON.
    """

    kind: NoticeKind
    recipient_member_id: int
    payload: Mapping[str, Any]
    key: str

    def payload_text(self) -> str:
        """The payload as stored: JSON with sorted keys, so equal payloads are equal text."""
        return payload_text(self.payload)


def payload_text(payload: Mapping[str, Any]) -> str:
    """A payload as stored in ``outbox.payload``: JSON with sorted keys."""
    return json.dumps(dict(payload), sort_keys=True)


def keyed_by_content(
    kind: NoticeKind, recipient_member_id: int, payload: Mapping[str, Any]
) -> Notice:
    """A notice keyed by what it says: ``<kind>:<recipient>:<first 16 hex of the payload's
    SHA-256>``, for messages (the chase's digests) that have no natural key of their own:
    the same content to the same person is the same notice."""
    digest = hashlib.sha256(payload_text(payload).encode()).hexdigest()[:16]
    return Notice(kind, recipient_member_id, payload, f"{kind}:{recipient_member_id}:{digest}")


def owner_change_notices(
    action_id: int, before: int, after: int, key: str, *, corrected: bool = False
) -> list[Notice]:
    """An action that changed hands, to its previous and its new owner (``action_reassigned``):
    the new owner must learn they own it, the previous one that it is no longer theirs.
    ``corrected``: the owner was recorded in error and corrected (issue 16), not
    reassigned at the review of actions; the card says which. Each notice's key is
    ``<key>:<recipient>``; ids only, the card is drawn when sent."""
    payload: dict[str, Any] = {
        "action_id": action_id,
        "from_member_id": before,
        "to_member_id": after,
    }
    if corrected:
        payload["corrected"] = True
    return [
        Notice(NoticeKind.ACTION_REASSIGNED, member_id, payload, f"{key}:{member_id}")
        for member_id in (before, after)
    ]
