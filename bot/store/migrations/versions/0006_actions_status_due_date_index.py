"""actions: one index for the open actions in due-date order, in place of ix_actions_status

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 05:50:00

"Outstanding actions" lists the open actions a person may see in (due date, id) order, a
page at a time, and counts them. On (status, due_date, id) the page is a range of the
index read in order, with no sort; the trailing locality, agency and owner columns are
what access rules and filters test, so they are checked on the index entries (and, once
the visibility map is set, counting needs no table rows at all). Its leading column makes
the single-column index on status redundant, so that goes.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["status", "due_date", "id", "locality_id", "agency_id", "owner_member_id"]


def upgrade() -> None:
    op.create_index("ix_actions_status_due_date", "actions", COLUMNS, unique=False)
    op.drop_index("ix_actions_status", table_name="actions")


def downgrade() -> None:
    op.create_index("ix_actions_status", "actions", ["status"], unique=False)
    op.drop_index("ix_actions_status_due_date", table_name="actions")
