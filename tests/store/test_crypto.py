"""The data key ring and the encrypted column type, without a database."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from bot.store.crypto import (
    KEY_FILE_NAME,
    KeyRing,
    KeyRingError,
    UnreadableValue,
    load_key_ring,
    subject_index,
    subject_lookup,
)
from tests.support.keys import TEST_KEYS_SPEC


def test_a_value_round_trips_and_is_not_in_clear() -> None:
    ring = KeyRing.generate("k1")
    token = ring.encrypt("Sentinel minute about CR-0001", "minute_entries.text")
    assert "Sentinel" not in token and "CR-0001" not in token
    assert token.startswith("mace1:k1:")
    assert ring.decrypt(token, "minute_entries.text") == "Sentinel minute about CR-0001"


def test_the_same_text_encrypts_differently_each_time() -> None:
    ring = KeyRing.generate("k1")
    assert ring.encrypt("same", "actions.description") != ring.encrypt(
        "same", "actions.description"
    )


def test_a_value_moved_to_another_column_does_not_decrypt() -> None:
    ring = KeyRing.generate("k1")
    token = ring.encrypt("private", "challenges.text")
    with pytest.raises(UnreadableValue):
        ring.decrypt(token, "minute_entries.text")


@pytest.mark.parametrize("position", [10, 20, -3])
def test_a_changed_byte_fails_the_integrity_check(position: int) -> None:
    ring = KeyRing.generate("k1")
    token = ring.encrypt("private", "actions.description")
    prefix, blob = token.rsplit(":", 1)
    raw = bytearray(base64.b64decode(blob))
    raw[position] ^= 1
    with pytest.raises(UnreadableValue, match="integrity"):
        ring.decrypt(f"{prefix}:{base64.b64encode(bytes(raw)).decode()}", "actions.description")


def test_a_value_under_a_key_not_held_is_unreadable() -> None:
    token = KeyRing.generate("k1").encrypt("private", "actions.description")
    with pytest.raises(UnreadableValue, match="not held"):
        KeyRing.generate("k2").decrypt(token, "actions.description")


def test_old_keys_decrypt_and_the_new_primary_encrypts() -> None:
    old = KeyRing.generate("k1")
    token = old.encrypt("before", "round_turns.text")
    new = old.with_new_primary("k2")
    assert new.primary == "k2" and set(new.key_ids) == {"k1", "k2"}
    assert new.decrypt(token, "round_turns.text") == "before"
    assert new.key_of(new.encrypt("after", "round_turns.text")) == "k2"
    with pytest.raises(KeyRingError):
        new.without(["k2"])
    with pytest.raises(UnreadableValue):
        new.without(["k1"]).decrypt(token, "round_turns.text")


def test_the_key_file_is_created_owner_only_and_reused(tmp_path: Path) -> None:
    ring = load_key_ring("", tmp_path / "data")
    path = tmp_path / "data" / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = ring.encrypt("kept", "attendance.people")
    assert load_key_ring("", tmp_path / "data").decrypt(token, "attendance.people") == "kept"


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    load_key_ring("", tmp_path)
    path = tmp_path / KEY_FILE_NAME
    path.chmod(0o644)
    with pytest.raises(KeyRingError, match="chmod 600"):
        load_key_ring("", tmp_path)


def test_a_file_ring_follows_a_rotation_made_by_another_process(tmp_path: Path) -> None:
    running = load_key_ring("", tmp_path)
    first = running.primary
    # Another process (mace-bot keys rotate) writes a new primary into the file.
    KeyRing.from_file(tmp_path / KEY_FILE_NAME).with_new_primary("k9").save(
        tmp_path / KEY_FILE_NAME
    )
    elsewhere = KeyRing.from_file(tmp_path / KEY_FILE_NAME)
    token = elsewhere.encrypt("written after rotation", "action_events.note")
    assert running.decrypt(token, "action_events.note") == "written after rotation"
    assert running.primary == "k9" != first


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("k1", "id:base64key"),
        ("k1:not-base64!", "base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", "32 bytes"),
        (",", "holds no key"),
        (f"BAD ID:{base64.b64encode(bytes(32)).decode()}", "key ids"),
    ],
)
def test_a_bad_key_setting_is_named_without_showing_a_key(spec: str, message: str) -> None:
    with pytest.raises(KeyRingError, match=message) as caught:
        KeyRing.from_spec(spec)
    assert "MACE_DATA_KEYS" in str(caught.value) or "key" in str(caught.value)
    assert base64.b64encode(bytes(32)).decode() not in str(caught.value)


def test_the_environment_ring_wins_over_a_key_file(tmp_path: Path) -> None:
    ring = load_key_ring(TEST_KEYS_SPEC, tmp_path)
    assert ring.primary == "test"
    assert not (tmp_path / KEY_FILE_NAME).exists()


def test_subject_lookup_finds_an_index_written_under_an_older_key() -> None:
    old = KeyRing.generate("k1")
    stored = subject_index(old, 3, "child", "CR-0001")
    new = old.with_new_primary("k2")
    assert stored in subject_lookup(new, 3, "child", "cr-0001 ")
    assert stored not in subject_lookup(new, 4, "child", "CR-0001")
    assert subject_index(new, 3, "child", "CR-0001") != stored
