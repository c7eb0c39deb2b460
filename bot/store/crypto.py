"""Encryption at rest: AES-256-GCM with keys kept outside the database.

Every free-text or identifying column (minutes, decisions, action descriptions and
updates, challenge text, round answers, attendance names, subject references) is stored
as ``mace1:<key id>:<base64 nonce+ciphertext>``. The column's own name is bound in as
associated data, so a value copied into another column fails to decrypt rather than
being shown in the wrong place; a changed byte fails the GCM tag check.

Keys come from ``MACE_DATA_KEYS`` (``id:base64key,...``, first one encrypts: in Azure an
Container Apps Key Vault secret reference fills it) or, for local use, from a key file in the data
folder created on first run with owner-only permissions. Several keys may be held at once
so that ``mace-bot keys rotate`` can re-encrypt under a new key while the bot runs: old
keys still decrypt until no row uses them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import stat
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

PREFIX = "mace1"
KEY_BYTES = 32
NONCE_BYTES = 12
KEY_FILE_NAME = "data.keys"
_KEY_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


class KeyRingError(Exception):
    """The key ring is missing, malformed or lacks a key a stored value needs.

    Messages name the setting or file and never a key or a stored value.
    """


class UnreadableValue(Exception):
    """A stored value failed authentication (tampered, or under a key not held)."""


@dataclass(frozen=True, slots=True)
class _Source:
    """Where the ring came from, so it can be re-read when the file changes."""

    path: Path | None
    mtime_ns: int = 0


class KeyRing:
    """The data keys: one primary that encrypts, any number that still decrypt.

    A file-backed ring re-reads its file when the file changes (``mace-bot keys rotate``
    adds a new primary while instances run), so new writes move to the new key without
    a restart.
    """

    def __init__(
        self, keys: Mapping[str, bytes], primary: str, *, source: Path | None = None
    ) -> None:
        _check_ring(keys, primary)
        self._keys = dict(keys)
        self._primary = primary
        self._aead = {kid: AESGCM(key) for kid, key in self._keys.items()}
        self._source = _Source(source, _mtime(source) if source else 0)
        self._lock = threading.Lock()

    # -- loading -----------------------------------------------------------------------

    @classmethod
    def from_spec(cls, spec: str) -> KeyRing:
        """``id:base64key[,id:base64key...]``; the first key is the primary."""
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            kid, sep, encoded = part.partition(":")
            if not sep:
                raise KeyRingError("MACE_DATA_KEYS: each key must be written id:base64key")
            keys[kid.strip()] = _decode_key(encoded.strip(), "MACE_DATA_KEYS")
            order.append(kid.strip())
        if not order:
            raise KeyRingError("MACE_DATA_KEYS is set but holds no key")
        return cls(keys, order[0])

    @classmethod
    def from_file(cls, path: Path, *, create: bool = True) -> KeyRing:
        """Read the key file, creating it (mode 0600, one new key) when absent."""
        if not path.exists():
            if not create:
                raise KeyRingError(f"no key file at {path}")
            ring = cls.generate()
            ring.save(path)
            return cls.from_file(path, create=False)
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise KeyRingError(
                f"{path} can be read by other users (mode {mode:o}); run: chmod 600 {path}"
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            keys = {str(k): _decode_key(str(v), str(path)) for k, v in data["keys"].items()}
            primary = str(data["primary"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyRingError(f"{path} is not a MACE key file") from exc
        return cls(keys, primary, source=path)

    @classmethod
    def generate(cls, key_id: str | None = None) -> KeyRing:
        kid = key_id or new_key_id()
        return cls({kid: AESGCM.generate_key(bit_length=256)}, kid)

    def save(self, path: Path) -> None:
        """Write the ring atomically with owner-only permissions."""
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        body = json.dumps(
            {
                "primary": self._primary,
                "keys": {k: base64.b64encode(v).decode() for k, v in self._keys.items()},
            },
            indent=2,
        )
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    def export_primary(self) -> str:
        """The primary key in base64, for ``mace-bot keys new`` to print once."""
        return base64.b64encode(self._keys[self._primary]).decode()

    def with_new_primary(self, key_id: str | None = None) -> KeyRing:
        kid = key_id or new_key_id()
        if kid in self._keys:
            raise KeyRingError(f"key id {kid} is already in the ring")
        keys = {kid: AESGCM.generate_key(bit_length=256), **self._keys}
        return KeyRing(keys, kid, source=self._source.path)

    def without(self, key_ids: Iterable[str]) -> KeyRing:
        drop = set(key_ids)
        if self._primary in drop:
            raise KeyRingError("the primary key cannot be retired")
        keys = {k: v for k, v in self._keys.items() if k not in drop}
        return KeyRing(keys, self._primary, source=self._source.path)

    # -- use ---------------------------------------------------------------------------

    @property
    def primary(self) -> str:
        self._refresh()
        return self._primary

    @property
    def key_ids(self) -> tuple[str, ...]:
        self._refresh()
        return tuple(self._keys)

    def encrypt(self, plaintext: str, context: str) -> str:
        self._refresh()
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead[self._primary].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{PREFIX}:{self._primary}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, context: str) -> str:
        kid, blob = _split(token)
        aead = self._aead.get(kid)
        if aead is None:
            self._refresh(force=True)
            aead = self._aead.get(kid)
            if aead is None:
                raise UnreadableValue(f"a stored value is under key {kid}, which is not held")
        try:
            return aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode()).decode()
        except InvalidTag as exc:
            raise UnreadableValue("a stored value failed its integrity check") from exc

    def key_of(self, token: str) -> str:
        return _split(token)[0]

    def index(self, value: str, context: str) -> tuple[str, ...]:
        """Blind-index values for equality lookups on an encrypted column, one per key
        held, primary first: what is stored uses the primary; lookups try them all, so a
        row not yet re-indexed by a rotation is still found."""
        self._refresh()
        return tuple(self._index_with(kid, value, context) for kid in self._keys_primary_first())

    def primary_index(self, value: str, context: str) -> str:
        self._refresh()
        return self._index_with(self._primary, value, context)

    def _keys_primary_first(self) -> list[str]:
        return [self._primary, *(k for k in self._keys if k != self._primary)]

    def _index_with(self, kid: str, value: str, context: str) -> str:
        index_key = hmac.new(self._keys[kid], b"mace blind index", hashlib.sha256).digest()
        digest = hmac.new(index_key, f"{context}\x00{value}".encode(), hashlib.sha256)
        return f"{kid}:{digest.hexdigest()[:40]}"

    def _refresh(self, *, force: bool = False) -> None:
        path = self._source.path
        if path is None:
            return
        mtime = _mtime(path)
        if not force and mtime == self._source.mtime_ns:
            return
        with self._lock:
            if mtime == self._source.mtime_ns and not force:
                return
            fresh = KeyRing.from_file(path, create=False)
            self._keys, self._primary, self._aead = fresh._keys, fresh._primary, fresh._aead
            self._source = _Source(path, mtime)


def new_key_id() -> str:
    return "k" + secrets.token_hex(4)


def load_key_ring(spec: str, data_dir: Path) -> KeyRing:
    """The ring from ``MACE_DATA_KEYS`` when set, else the data folder's key file."""
    if spec.strip():
        return KeyRing.from_spec(spec)
    return KeyRing.from_file(data_dir / KEY_FILE_NAME)


def install(engine: AsyncEngine, ring: KeyRing) -> None:
    """Give the engine's encrypted columns their keys: held on the dialect, which is what
    a column type sees, so two stores in one process can use different rings."""
    engine.sync_engine.dialect.mace_key_ring = ring  # type: ignore[attr-defined]


def ring_of(dialect: Dialect) -> KeyRing:
    ring = getattr(dialect, "mace_key_ring", None)
    if ring is None:
        raise KeyRingError("this database engine has no data key ring: nothing is stored in clear")
    assert isinstance(ring, KeyRing)
    return ring


def subject_index(ring: KeyRing, locality_id: int, kind: str, reference: str) -> str:
    """What ``subjects.reference_index`` holds for a new or re-keyed subject."""
    return ring.primary_index(_subject_key(locality_id, kind, reference), "subjects.reference")


def subject_lookup(ring: KeyRing, locality_id: int, kind: str, reference: str) -> tuple[str, ...]:
    """Every index value a stored subject may carry (one per key held)."""
    return ring.index(_subject_key(locality_id, kind, reference), "subjects.reference")


def _subject_key(locality_id: int, kind: str, reference: str) -> str:
    return f"{locality_id}|{kind}|{reference.strip().upper()}"


def is_ciphertext(value: str) -> bool:
    return value.startswith(PREFIX + ":")


class EncryptedText(TypeDecorator[str]):
    """A Text column whose values are encrypted with the engine's key ring.

    ``context`` (``table.column``) is bound into every value as associated data.
    """

    impl = Text
    cache_ok = True

    class comparator_factory(TypeDecorator.Comparator[str]):
        """Refuses SQL comparisons: a fresh nonce makes every ciphertext differ, so
        ``column == value`` would silently match nothing. Look up by a blind index."""

        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            if op in (operators.is_, operators.is_not):
                return super().operate(op, *other, **kwargs)
            raise TypeError(
                f"{self.type.context} is encrypted and cannot be compared in SQL"  # type: ignore[attr-defined]
            )

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return ring_of(dialect).encrypt(value, self.context)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return ring_of(dialect).decrypt(str(value), self.context)


def _split(token: str) -> tuple[str, bytes]:
    prefix, _, rest = token.partition(":")
    kid, _, encoded = rest.partition(":")
    if prefix != PREFIX or not kid or not encoded:
        raise UnreadableValue("a stored value is not in the encrypted format")
    try:
        blob = base64.b64decode(encoded, validate=True)
    except ValueError as exc:
        raise UnreadableValue("a stored value is not in the encrypted format") from exc
    if len(blob) < NONCE_BYTES + 16:
        raise UnreadableValue("a stored value is too short to be encrypted")
    return kid, blob


def _decode_key(encoded: str, where: str) -> bytes:
    try:
        key = base64.b64decode(encoded, validate=True)
    except ValueError as exc:
        raise KeyRingError(f"{where}: a key is not valid base64") from exc
    if len(key) != KEY_BYTES:
        raise KeyRingError(f"{where}: each key must be {KEY_BYTES} bytes (256 bits)")
    return key


def _check_ring(keys: Mapping[str, bytes], primary: str) -> None:
    if primary not in keys:
        raise KeyRingError("the primary key is not in the key ring")
    for kid, key in keys.items():
        if not kid or not set(kid) <= _KEY_ID_CHARS or len(kid) > 20:
            raise KeyRingError("key ids are 1-20 lowercase letters, digits, - or _")
        if len(key) != KEY_BYTES:
            raise KeyRingError(f"each key must be {KEY_BYTES} bytes (256 bits)")


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0
