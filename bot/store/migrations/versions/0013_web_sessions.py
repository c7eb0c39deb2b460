"""web_sessions and web_sign_ins: who is signed in to the pages, and sign-ins under way

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 01:20:00

The pages (bot.web) are read in Teams tabs and in any browser. A browser opened from
Teams carries no identity, so a page's session is the server's, not the browser's:

* ``web_sessions``: one row per signed-in browser. The cookie holds a random secret; the
  row holds only its SHA-256 (a copy of the table signs nobody in), the member, how they
  signed in (Teams single sign-on, the code flow, or the local stand-in), when, when last
  seen, and when it ended (signed out, expired or the member removed). Idle and absolute
  expiry are checked against these times on every request.
* ``web_sign_ins``: a sign-in by the authorisation-code flow under way, between leaving
  for Entra ID and coming back. The row holds the SHA-256 of the ``state`` and the flow
  (PKCE verifier, nonce) encrypted with the data keys, used once, within ten minutes.

Rows name no child and no case; the retention run deletes ended and stale rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_web_sessions_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_web_sessions_secret_hash")),
    )
    op.create_index(op.f("ix_web_sessions_member_id"), "web_sessions", ["member_id"])
    op.create_index(op.f("ix_web_sessions_created_at"), "web_sessions", ["created_at"])
    op.create_table(
        "web_sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("flow", sa.Text(), nullable=False),
        sa.Column("return_to", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sign_ins")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_web_sign_ins_state_hash")),
    )
    op.create_index(op.f("ix_web_sign_ins_created_at"), "web_sign_ins", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_web_sign_ins_created_at"), table_name="web_sign_ins")
    op.drop_table("web_sign_ins")
    op.drop_index(op.f("ix_web_sessions_created_at"), table_name="web_sessions")
    op.drop_index(op.f("ix_web_sessions_member_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
