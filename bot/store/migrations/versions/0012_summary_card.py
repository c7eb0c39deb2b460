"""meetings.summary_activity_id: the summary card posted when a meeting ended, kept so that
a correction before the minutes are agreed redraws it

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 01:20:00

The summary lists the meeting's decisions and actions; corrected or withdrawn afterwards
(issue 16), the card in the chat must not go on showing what was withdrawn. Like the live
agenda card's ``agenda_activity_id``: where the card is, the newest posted; NULL for a
meeting still in progress, and for every meeting ended before this revision.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("summary_activity_id", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("summary_activity_id")
