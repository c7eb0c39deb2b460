"""Notice kinds and keys (bot.domain.notices): the stored strings never change, so rows
already in an outbox still render and a notice queued again has the same key."""

from __future__ import annotations

import hashlib
import json

from bot.domain.notices import MAX_KEY_CHARS, Notice, NoticeKind, keyed_by_content, payload_text


def test_kinds_are_the_strings_already_stored() -> None:
    assert {k.value for k in NoticeKind} == {
        "digest",
        "escalation",
        "unreachable",
        "date_request",
        "date_decided",
        "brief",
        "role_granted",
        "move_asked",
        "move_decided",
        "action_reassigned",
        "escalated_up",
        "escalation_answered",
        "rate_meeting",
    }
    assert NoticeKind("digest") is NoticeKind.DIGEST
    assert f"{NoticeKind.BRIEF}:1" == "brief:1"
    assert {NoticeKind.DIGEST: 1}.get("digest") == 1  # a stored string finds its kind


def test_payload_text_is_json_with_sorted_keys() -> None:
    payload = {"meeting_date": "2026-12-07", "locality_id": 3}
    assert payload_text(payload) == '{"locality_id": 3, "meeting_date": "2026-12-07"}'
    notice = Notice(NoticeKind.BRIEF, 5, payload, "brief:3:2026-12-07:5")
    assert notice.payload_text() == payload_text(payload)


def test_a_digest_is_keyed_by_what_it_says() -> None:
    payload = {"today": "2026-12-04", "reminders": [{"action_id": 12, "kind": "due"}]}
    notice = keyed_by_content(NoticeKind.DIGEST, 7, payload)
    body = json.dumps(payload, sort_keys=True)
    assert notice.key == f"digest:7:{hashlib.sha256(body.encode()).hexdigest()[:16]}"
    assert (notice.kind, notice.recipient_member_id, notice.payload) == (
        NoticeKind.DIGEST,
        7,
        payload,
    )
    assert keyed_by_content(NoticeKind.DIGEST, 7, dict(reversed(payload.items()))) == notice
    assert keyed_by_content(NoticeKind.DIGEST, 8, payload).key != notice.key
    assert keyed_by_content(NoticeKind.ESCALATION, 7, payload).key.startswith("escalation:7:")
    assert len(notice.key) <= MAX_KEY_CHARS
