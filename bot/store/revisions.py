"""The schema's revision, read without Alembic: the store's (its ``alembic_version`` table)
and this code's (the head of the migration scripts in ``bot/store/migrations/versions``).

``/readyz`` compares the two on every probe, and ``mace-bot serve`` at every start, to
decide whether to migrate. Alembic answers both too, but importing it (with the Mako
templates and Pygments it brings) and loading its script directory cost a new instance
about 0.1 s of its start (issue 18: ready in under 2 s), for an answer that, on a store
already migrated, is "nothing to do". So these read what Alembic reads, the same way:

- the store's revisions are the rows of Alembic's version table, none when it has no
  such table (``MigrationContext.get_current_heads``);
- the scripts' heads are the revisions no other script names as its ``down_revision``
  (``ScriptDirectory.get_heads``), read from each script's ``revision`` and
  ``down_revision`` assignments without running it.

Migrating is still Alembic's (``bot.store.db.migrate``), imported only when there is
something to do. tests/store/test_revisions.py holds these to Alembic's own answers.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

#: Alembic's version table (its default name: bot/store/migrations/env.py keeps it).
VERSION_TABLE = "alembic_version"
VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"


def stored_revisions(connection: Connection) -> frozenset[str]:
    """The revision(s) the store's schema is at; empty for a store never migrated."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return frozenset()
    rows = connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}")
    return frozenset(str(value) for value in rows.scalars())


def script_heads(versions: Path = VERSIONS) -> frozenset[str]:
    """The head revision(s) of the migration scripts in ``versions`` (by default, those
    shipped with this code)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        found = _identifiers(path)
        if "revision" not in found:
            continue  # not a migration (the package's __init__.py)
        revisions.add(str(found["revision"]))
        down = found.get("down_revision")
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list):  # a merge of branches
            parents.update(str(parent) for parent in down)
    return frozenset(revisions - parents)


#: Where a script's first top-level definition starts: its identifiers come before it.
_FIRST_DEFINITION = re.compile(r"^(?:def|async def|class|@)", re.MULTILINE)


def _identifiers(path: Path) -> dict[str, object]:
    """A script's module-level ``revision`` and ``down_revision`` literals.

    Only the part before its first definition is parsed (a sixth of the scripts' text:
    parsing all of it took about 15 ms of each start); when the two are not both found
    there, or that part does not parse alone, the whole file is."""
    text = path.read_text(encoding="utf-8")
    head = _FIRST_DEFINITION.split(text, maxsplit=1)[0]
    try:
        found = _assignments(head, path)
    except SyntaxError:
        found = {}
    if found.keys() != {"revision", "down_revision"}:
        found = _assignments(text, path)
    return found


def _assignments(source: str, path: Path) -> dict[str, object]:
    found: dict[str, object] = {}
    for node in ast.parse(source, str(path)).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            found[target.id] = ast.literal_eval(value)
    return found
