"""actions: open actions by group, and by owner, in due-date order, so that a list reads
only the actions it may show

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 08:00:00

"Outstanding actions" read a person's open actions from ``ix_actions_status_due_date``
(migration 0006) by scanning the open actions of every group and discarding those of
groups the person has no part in. In a store of one partnership that discards little;
in a store of ten partnerships (issue 18: 1,000,000 actions) it read ten times the
entries the list holds. On (status, locality_id, due_date, id, agency_id,
owner_member_id) each group the person manages is a range of this index, read alone,
and its trailing columns are what filters test, so the list and its count come from the
index, and only from the person's groups (bot.services.readmodels.actions
``OutstandingWhere``). A group's earlier open actions on the agenda card (by due date)
are a range of it too.

A person's own actions outside those groups are the list's other part, and "my actions"
is an owner's open actions by due date: ``ix_actions_owner_status`` (owner_member_id,
status, due_date, id, locality_id, agency_id) holds both as a range, where the index on
owner_member_id alone left the planner (without statistics: a store just filled, and
SQLite) preferring to read every open action. It replaces that index, whose leading
column it keeps for everything else that looks actions up by owner. The 0006 index is
left as it is. No data changes.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BY_GROUP = ["status", "locality_id", "due_date", "id", "agency_id", "owner_member_id"]
BY_OWNER = ["owner_member_id", "status", "due_date", "id", "locality_id", "agency_id"]


def upgrade() -> None:
    op.create_index("ix_actions_status_locality", "actions", BY_GROUP, unique=False)
    op.create_index("ix_actions_owner_status", "actions", BY_OWNER, unique=False)
    op.drop_index("ix_actions_owner_member_id", table_name="actions")


def downgrade() -> None:
    op.create_index("ix_actions_owner_member_id", "actions", ["owner_member_id"], unique=False)
    op.drop_index("ix_actions_owner_status", table_name="actions")
    op.drop_index("ix_actions_status_locality", table_name="actions")
