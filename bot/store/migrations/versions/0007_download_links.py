"""download_links: each download link recorded when issued, and marked used on its fetch

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 20:40:00

A download link was a bearer token that any client holding it could fetch for ten
minutes, as often as it liked. Each link now has a row: the signed URL names it, and the
first fetch marks it used (``UPDATE ... WHERE used_at IS NULL AND expires_at > now``), so
it gives its file once. Rows hold ids and times only; the retention run deletes them
with the other housekeeping rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "download_links",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("teams_user_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("refused_fetches", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_download_links")),
    )
    op.create_index(
        op.f("ix_download_links_expires_at"), "download_links", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_download_links_expires_at"), table_name="download_links")
    op.drop_table("download_links")
