"""linked_conversations.team_group_id: a channel's team, for reading its members in Graph

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 03:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("linked_conversations") as batch:
        batch.add_column(sa.Column("team_group_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("linked_conversations") as batch:
        batch.drop_column("team_group_id")
