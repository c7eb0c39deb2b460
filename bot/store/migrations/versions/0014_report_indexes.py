"""Indexes for the report and the locality dashboard: a group's actions by when raised,
with what the report counts; an action's done and cancelled events

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 02:30:00

The dashboard (issue 17) reads the report's figures on every view, so the report's
action rows (bot.services.report ``action_rows``: a group's actions raised, closed or
escalated in the period, or open, with when each was finished) must come from indexes,
not from the table: ``ix_actions_locality_created`` holds every column that statement
reads (an index-only scan, not a visit to each action's row with its encrypted text),
and ``ix_action_events_action_kind`` finds an action's done and cancelled events without
reading the rest of its history. At 100,000 actions the statement went from about 45 ms
to about 20 ms (bench/changes.md). No data changes.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_actions_locality_created",
        "actions",
        ["locality_id", "created_at", "status", "updated_at", "escalated_at", "due_date", "id"],
        unique=False,
    )
    op.create_index(
        "ix_action_events_action_kind", "action_events", ["action_id", "kind", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_action_events_action_kind", table_name="action_events")
    op.drop_index("ix_actions_locality_created", table_name="actions")
