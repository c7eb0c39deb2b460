"""The data key ring every test store uses: fixed, so that a second process (a chase
worker, a restarted bot) reads what the first wrote. Invented, never used outside tests."""

from __future__ import annotations

import base64
import hashlib

from bot.store.crypto import KeyRing

TEST_KEY = hashlib.sha256(b"mace-bot test data key (invented)").digest()
TEST_KEYS_SPEC = f"test:{base64.b64encode(TEST_KEY).decode()}"


def keys_for_tests() -> KeyRing:
    return KeyRing.from_spec(TEST_KEYS_SPEC)
