"""send_budget_holds: the app's send budget to Teams, shared by every instance

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 21:00:00

Teams allows about 50 requests a second per app and tenant, whatever the number of
instances: each sender takes its tokens here (bot.services.send_budget). Only PostgreSQL
uses the table; SQLite has it too, so both schemas stay the same.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "send_budget_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("free_at", sa.DateTime(), nullable=False),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_send_budget_holds")),
    )


def downgrade() -> None:
    op.drop_table("send_budget_holds")
