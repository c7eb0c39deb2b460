"""encryption at rest, the audit chain, legal holds

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 02:10:00

Free-text columns become AES-GCM ciphertext (bot.store.crypto); any rows written before
this revision are encrypted here with the key ring of the engine running the migration.
Subjects get a blind index in place of the clear reference they were looked up by. The
audit log is made append-only by triggers, which bind the application's own role too.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.store.crypto import is_ciphertext, ring_of, subject_index

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Every encrypted column, as (table, column); the context bound into each value is
#: ``table.column``. bot.store.rotation walks the same list.
ENCRYPTED: tuple[tuple[str, str], ...] = (
    ("attendance", "people"),
    ("subjects", "reference"),
    ("subjects", "initials"),
    ("minute_entries", "text"),
    ("actions", "description"),
    ("actions", "request_reason"),
    ("action_events", "note"),
    ("round_turns", "text"),
    ("challenges", "about"),
    ("challenges", "text"),
    ("challenges", "response"),
    ("challenges", "resolution"),
)

GENESIS = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table("subjects") as batch:
        batch.alter_column("reference", type_=sa.Text(), existing_type=sa.String(120))
        batch.alter_column("initials", type_=sa.Text(), existing_type=sa.String(8))
        batch.add_column(sa.Column("reference_index", sa.String(length=64), nullable=True))
        batch.drop_constraint("uq_subjects_locality_id", type_="unique")

    _encrypt_existing_rows()

    with op.batch_alter_table("subjects") as batch:
        batch.alter_column("reference_index", nullable=False, existing_type=sa.String(64))
        batch.create_unique_constraint(
            "uq_subjects_locality_id", ["locality_id", "kind", "reference_index"]
        )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=40), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=400), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.bulk_insert(head, [{"id": 1, "last_id": 0, "hash": GENESIS}])
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("placed_by", sa.String(length=200), nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    _append_only_triggers()


def _encrypt_existing_rows() -> None:
    bind = op.get_bind()
    ring = None
    for table_name, column in ENCRYPTED:
        table = sa.table(table_name, sa.column("id", sa.Integer), sa.column(column, sa.Text))
        rows = bind.execute(sa.select(table.c.id, table.c[column])).all()
        for row_id, value in rows:
            if value is None or is_ciphertext(value):
                continue
            ring = ring or ring_of(bind.dialect)
            bind.execute(
                table.update()
                .where(table.c.id == row_id)
                .values({column: ring.encrypt(value, f"{table_name}.{column}")})
            )
    subjects = sa.table(
        "subjects",
        sa.column("id", sa.Integer),
        sa.column("locality_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("reference", sa.Text),
        sa.column("reference_index", sa.String),
    )
    for row_id, locality_id, kind, reference in bind.execute(
        sa.select(subjects.c.id, subjects.c.locality_id, subjects.c.kind, subjects.c.reference)
    ).all():
        ring = ring or ring_of(bind.dialect)
        clear = ring.decrypt(reference, "subjects.reference")
        bind.execute(
            subjects.update()
            .where(subjects.c.id == row_id)
            .values(reference_index=subject_index(ring, locality_id, kind, clear))
        )


def _append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION mace_audit_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_log is append-only';
            END
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION mace_audit_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION mace_audit_append_only()"
        )
        op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC")
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )


def downgrade() -> None:
    raise NotImplementedError("0003 encrypts data and starts the audit chain: restore a backup")
