"""Governance: the chair's control of actions (the meeting a change was made in),
corrections before the minutes are agreed, escalation to the MACE Operational and
Strategic groups, and the meetings' own evaluation

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 21:30:00

* ``action_events.meeting_id``: in which meeting a chair marked an action done, carried it
  forward, reassigned or cancelled it (NULL: outside a meeting, and for every earlier row).
* ``record_corrections`` keeps what a corrected minute, decision or action said before,
  and why; ``minute_entries`` gains ``corrected_at`` and ``withdrawn_at``.
* ``oversight_groups`` and ``oversight_memberships``: the Operational and Strategic groups
  and their members (a separate table, so no query of the localities can pick them up).
* ``escalations``: an action, challenge or subject escalated by a locality group, with that
  group's response, decision and closing.
* ``meeting_attendees`` (who said they were there), ``meeting_raters`` (who has rated) and
  ``meeting_ratings`` (the ratings, with a random key and only the day, so that nothing
  ties a rating to the person who gave it).
* New encrypted columns are Text, NULL or not as the model says; they hold ciphertext only.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oversight_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("conversation_id", sa.String(length=400), nullable=True),
        sa.Column("service_url", sa.String(length=400), nullable=True),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_groups")),
        sa.UniqueConstraint("code", name=op.f("uq_oversight_groups_code")),
    )
    op.create_table(
        "oversight_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["oversight_groups.id"],
            name=op.f("fk_oversight_memberships_group_id_oversight_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_oversight_memberships_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_memberships")),
        sa.UniqueConstraint(
            "member_id", "group_id", "role", name=op.f("uq_oversight_memberships_member_id")
        ),
    )
    with op.batch_alter_table("oversight_memberships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oversight_memberships_group_id"), ["group_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_oversight_memberships_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "meeting_attendees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_attendees_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_meeting_attendees_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attendees")),
        sa.UniqueConstraint(
            "meeting_id", "member_id", name=op.f("uq_meeting_attendees_meeting_id")
        ),
    )
    with op.batch_alter_table("meeting_attendees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_attendees_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_meeting_attendees_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "meeting_raters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_raters_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_meeting_raters_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_raters")),
        sa.UniqueConstraint("meeting_id", "member_id", name=op.f("uq_meeting_raters_meeting_id")),
    )
    with op.batch_alter_table("meeting_raters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_raters_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "meeting_ratings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_ratings_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_ratings")),
    )
    with op.batch_alter_table("meeting_ratings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_ratings_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "record_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("previous", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_record_corrections_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_record_corrections_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_corrections")),
    )
    with op.batch_alter_table("record_corrections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_corrections_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            "ix_record_corrections_record", ["record_type", "record_id"], unique=False
        )

    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("challenge_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("raised_by_member_id", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("responded_by_member_id", sa.Integer(), nullable=True),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by_member_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_escalations_action_id_actions")
        ),
        sa.ForeignKeyConstraint(
            ["challenge_id"], ["challenges.id"], name=op.f("fk_escalations_challenge_id_challenges")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_member_id"],
            ["members.id"],
            name=op.f("fk_escalations_closed_by_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["oversight_groups.id"],
            name=op.f("fk_escalations_group_id_oversight_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_id"], ["localities.id"], name=op.f("fk_escalations_locality_id_localities")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_escalations_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_member_id"],
            ["members.id"],
            name=op.f("fk_escalations_raised_by_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["responded_by_member_id"],
            ["members.id"],
            name=op.f("fk_escalations_responded_by_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_escalations_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalations_action_id"), ["action_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_escalations_challenge_id"), ["challenge_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_escalations_group_id"), ["group_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_escalations_locality_id"), ["locality_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_escalations_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_escalations_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_escalations_subject_id"), ["subject_id"], unique=False)

    with op.batch_alter_table("action_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_action_events_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_action_events_meeting_id_meetings"), "meetings", ["meeting_id"], ["id"]
        )

    with op.batch_alter_table("minute_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("corrected_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("minute_entries", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("corrected_at")

    with op.batch_alter_table("action_events", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_action_events_meeting_id_meetings"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_action_events_meeting_id"))
        batch_op.drop_column("meeting_id")

    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalations_subject_id"))
        batch_op.drop_index(batch_op.f("ix_escalations_status"))
        batch_op.drop_index(batch_op.f("ix_escalations_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_escalations_locality_id"))
        batch_op.drop_index(batch_op.f("ix_escalations_group_id"))
        batch_op.drop_index(batch_op.f("ix_escalations_challenge_id"))
        batch_op.drop_index(batch_op.f("ix_escalations_action_id"))

    op.drop_table("escalations")
    with op.batch_alter_table("record_corrections", schema=None) as batch_op:
        batch_op.drop_index("ix_record_corrections_record")
        batch_op.drop_index(batch_op.f("ix_record_corrections_meeting_id"))

    op.drop_table("record_corrections")
    with op.batch_alter_table("meeting_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_ratings_meeting_id"))

    op.drop_table("meeting_ratings")
    with op.batch_alter_table("meeting_raters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_raters_meeting_id"))

    op.drop_table("meeting_raters")
    with op.batch_alter_table("meeting_attendees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_attendees_member_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_attendees_meeting_id"))

    op.drop_table("meeting_attendees")
    with op.batch_alter_table("oversight_memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oversight_memberships_member_id"))
        batch_op.drop_index(batch_op.f("ix_oversight_memberships_group_id"))

    op.drop_table("oversight_memberships")
    op.drop_table("oversight_groups")
