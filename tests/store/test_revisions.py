"""The schema's revisions read without Alembic (bot.store.revisions) are Alembic's own:
the scripts' heads (``ScriptDirectory.get_heads``) and the store's revisions
(``MigrationContext.get_current_heads``), on a store never migrated, one behind and one
up to date, on each engine."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.store.db import MIGRATIONS, Store, make_engine, migrate
from bot.store.revisions import VERSIONS, script_heads, stored_revisions
from tests.support.keys import keys_for_tests


def alembic_heads(script_location: Path) -> frozenset[str]:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def alembic_current(connection: Connection) -> frozenset[str]:
    return frozenset(MigrationContext.configure(connection).get_current_heads())


def test_the_shipped_scripts_head_is_alembics() -> None:
    assert VERSIONS == MIGRATIONS / "versions"
    assert script_heads() == alembic_heads(MIGRATIONS)
    assert len(script_heads()) == 1, "one line of migrations"


SCRIPT = '''"""{doc}"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
{before}
revision{annotation} = {revision!r}
down_revision{down_annotation} = {down!r}
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = {depends!r}


def upgrade() -> None:
    op.execute("SELECT 1")


def downgrade() -> None:
    pass
'''


def write_script(
    versions: Path,
    revision: str,
    down: str | tuple[str, ...] | None,
    *,
    annotated: bool = True,
    depends: str | None = None,
    doc: str = "",
    before: str = "",
) -> None:
    (versions / f"{revision}_step.py").write_text(
        SCRIPT.format(
            doc=doc or f"Step {revision}",
            before=before,
            annotation=": str" if annotated else "",
            revision=revision,
            down_annotation=": str | Sequence[str] | None" if annotated else "",
            down=down,
            depends=depends,
        ),
        encoding="utf-8",
    )


def test_branches_and_merges_give_alembics_heads(tmp_path: Path) -> None:
    """Scripts written both ways (annotated, and as Alembic's older template wrote them),
    branching, merged, branching again, one depending on another branch's script."""
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "__init__.py").write_text("", encoding="utf-8")
    write_script(versions, "a1", None)
    write_script(versions, "b1", "a1", annotated=False)
    write_script(versions, "c1", "a1")
    assert script_heads(versions) == alembic_heads(tmp_path) == {"b1", "c1"}

    write_script(versions, "m1", ("b1", "c1"))
    write_script(versions, "d1", "m1", annotated=False)
    write_script(versions, "e1", "m1", depends="d1")
    assert script_heads(versions) == alembic_heads(tmp_path) == {"d1", "e1"}

    # Read past the part before the first definition when that part will not do: a
    # docstring with a line that starts "def", identifiers after a helper function.
    write_script(versions, "f1", "d1", doc="Step f1, where\ndef upgrade() adds a column.")
    write_script(versions, "g1", "e1", before="\n\ndef _helper() -> None:\n    pass\n\n")
    assert script_heads(versions) == alembic_heads(tmp_path) == {"f1", "g1"}


async def test_the_stores_revisions_are_alembics_before_behind_and_at_the_head(
    empty_url: str,
) -> None:
    store = Store(make_engine(empty_url), keys_for_tests())
    try:
        async with store.engine.connect() as conn:
            never = await conn.run_sync(stored_revisions)
            assert never == await conn.run_sync(alembic_current) == frozenset()
        await migrate(store.engine)
        async with store.engine.connect() as conn:
            now = await conn.run_sync(stored_revisions)
            assert now == await conn.run_sync(alembic_current) == script_heads()
        async with store.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        async with store.engine.connect() as conn:
            behind = await conn.run_sync(stored_revisions)
            assert behind == await conn.run_sync(alembic_current) == {"0001"}
    finally:
        await store.close()
