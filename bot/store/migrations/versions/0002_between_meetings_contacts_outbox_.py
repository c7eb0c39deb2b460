"""between meetings: contacts, outbox, reminders, action requests

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 00:25:16.968145
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "member_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("teams_user_id", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column("service_url", sa.String(length=400), nullable=False),
        sa.Column("bot_id", sa.String(length=200), nullable=True),
        sa.Column("conversation_id", sa.String(length=400), nullable=True),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("unreachable_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_member_contacts_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_contacts")),
        sa.UniqueConstraint("member_id", name=op.f("uq_member_contacts_member_id")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("recipient_member_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("activity_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_member_id"],
            ["members.id"],
            name=op.f("fk_outbox_recipient_member_id_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_recipient_member_id"), ["recipient_member_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbox_status"), ["status"], unique=False)

    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_reminders_sent_action_id_actions")
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name=op.f("fk_reminders_sent_outbox_id_outbox")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders_sent")),
        sa.UniqueConstraint("action_id", "key", name=op.f("uq_reminders_sent_action_id")),
    )
    with op.batch_alter_table("reminders_sent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reminders_sent_action_id"), ["action_id"], unique=False
        )

    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("requested_due_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("request_reason", sa.Text(), nullable=False))
        batch_op.add_column(sa.Column("requested_by_member_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("requested_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_actions_requested_by_member_id_members"),
            "members",
            ["requested_by_member_id"],
            ["id"],
        )

    with op.batch_alter_table("localities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chase_rules", sa.Text(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("localities", schema=None) as batch_op:
        batch_op.drop_column("chase_rules")

    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_actions_requested_by_member_id_members"), type_="foreignkey"
        )
        batch_op.drop_column("requested_at")
        batch_op.drop_column("requested_by_member_id")
        batch_op.drop_column("request_reason")
        batch_op.drop_column("requested_due_date")
        batch_op.drop_column("escalated_at")

    with op.batch_alter_table("reminders_sent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_sent_action_id"))

    op.drop_table("reminders_sent")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_status"))
        batch_op.drop_index(batch_op.f("ix_outbox_recipient_member_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_next_attempt_at"))

    op.drop_table("outbox")
    op.drop_table("member_contacts")
