"""outbox_workers: each running outbox sender's heartbeat

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 20:40:00

Rows claimed by a sender that died or lost the database used to wait out their lease
(five minutes) before another sender took them. Each running sender now renews its row
here every few seconds; what a sender holds is claimable again as soon as its heartbeat is
older than a short threshold (bot.services.outbox). The lease stays as the backstop.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_workers",
        sa.Column("worker_id", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_outbox_workers")),
    )
    with op.batch_alter_table("outbox_workers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_workers_last_seen"), ["last_seen"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_workers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_workers_last_seen"))
    op.drop_table("outbox_workers")
