"""Backups and restores of the whole store.

SQLite is copied with its online backup API, so a backup taken while the bot runs is a
consistent snapshot. PostgreSQL is dumped with ``pg_dump --format=custom`` and restored
with ``pg_restore`` (docs/backup.md). Either way the file holds ciphertext only: the data
keys are not in it and must be backed up separately (without them a backup is unreadable,
which is the point). A restore is checked before it is trusted: the audit chain must
verify and every encrypted value must decrypt with the keys held.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup or restore could not be done; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class BackupFile:
    path: Path
    engine: str
    size: int


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL, None for any other database."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(parsed.database)


def backup(url: str, target: Path) -> BackupFile:
    """Write a backup of the store at ``url`` to ``target`` (owner-only)."""
    if target.exists():
        raise BackupError(f"{target} already exists: choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite_path(url)
    if source is not None:
        if not source.exists():
            raise BackupError(f"there is no store at {source}")
        _owner_only_file(target)
        _copy_sqlite(source, target)
        return BackupFile(target, "sqlite", target.stat().st_size)
    _owner_only_file(target)
    _run_pg("pg_dump", ["--format=custom", "--no-owner", f"--file={target}"], url)
    return BackupFile(target, "postgresql", target.stat().st_size)


def restore(url: str, source: Path, *, replace: bool = False) -> None:
    """Put a backup in place of the store at ``url``.

    Refuses to overwrite a store that holds data unless ``replace`` is given: a restore
    over live records must be a deliberate act.
    """
    if not source.exists():
        raise BackupError(f"there is no backup at {source}")
    target = sqlite_path(url)
    if target is not None:
        _check_sqlite_backup(source)
        if target.exists() and target.stat().st_size > 0 and not replace:
            raise BackupError(f"{target} already holds a store: add --replace to overwrite it")
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        if not target.exists():
            _owner_only_file(target)
        _copy_sqlite(source, target)
        return
    args = ["--no-owner", "--single-transaction"]
    if replace:
        args += ["--clean", "--if-exists"]
    _run_pg("pg_restore", [*args, str(source)], url, database_flag="--dbname")


def _copy_sqlite(source: Path, target: Path) -> None:
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _check_sqlite_backup(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (status,) = conn.execute("PRAGMA integrity_check").fetchone()
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an SQLite backup of this store") from exc
    if status != "ok" or "audit_log" not in tables:
        raise BackupError(f"{path} is not a complete backup of this store")


def _owner_only_file(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _run_pg(tool: str, args: list[str], url: str, *, database_flag: str = "") -> None:
    """Run a PostgreSQL client tool on the database of ``url``; the password goes in the
    environment, not the command line, where other users could read it."""
    exe = shutil.which(tool)
    if exe is None:
        raise BackupError(f"{tool} is not installed: install the PostgreSQL client tools")
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    dsn = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    target = [f"{database_flag}={dsn}"] if database_flag else [dsn]
    done = subprocess.run(
        [exe, *args, *target], capture_output=True, text=True, check=False, env=env
    )
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no message"])[0]
        raise BackupError(f"{tool} failed: {first[:300]}")
