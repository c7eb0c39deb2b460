"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-21 23:19:25.429196
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("code", name=op.f("uq_agencies_code")),
    )
    op.create_table(
        "localities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_localities")),
        sa.UniqueConstraint("code", name=op.f("uq_localities_code")),
    )
    op.create_table(
        "processed_activities",
        sa.Column("activity_id", sa.String(length=200), nullable=False),
        sa.Column("processed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_processed_activities")),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("aad_object_id", sa.String(length=64), nullable=True),
        sa.Column("teams_user_id", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_members_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("aad_object_id", name=op.f("uq_members_aad_object_id")),
        sa.UniqueConstraint("teams_user_id", name=op.f("uq_members_teams_user_id")),
    )
    op.create_table(
        "subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("initials", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["locality_id"], ["localities.id"], name=op.f("fk_subjects_locality_id_localities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subjects")),
        sa.UniqueConstraint(
            "locality_id", "kind", "reference", name=op.f("uq_subjects_locality_id")
        ),
    )
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subjects_locality_id"), ["locality_id"], unique=False)

    op.create_table(
        "linked_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=400), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column("service_url", sa.String(length=400), nullable=True),
        sa.Column("linked_by_member_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["linked_by_member_id"],
            ["members.id"],
            name=op.f("fk_linked_conversations_linked_by_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_id"],
            ["localities.id"],
            name=op.f("fk_linked_conversations_locality_id_localities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linked_conversations")),
        sa.UniqueConstraint(
            "conversation_id", name=op.f("uq_linked_conversations_conversation_id")
        ),
    )
    with op.batch_alter_table("linked_conversations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_linked_conversations_locality_id"), ["locality_id"], unique=False
        )

    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=400), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("chair_member_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("current_position", sa.Integer(), nullable=True),
        sa.Column("agenda_activity_id", sa.String(length=200), nullable=True),
        sa.Column("next_meeting_date", sa.Date(), nullable=True),
        sa.Column("minutes_status", sa.String(length=20), nullable=False),
        sa.Column("minutes_agreed_at", sa.DateTime(), nullable=True),
        sa.Column("minutes_agreed_in_meeting_id", sa.Integer(), nullable=True),
        sa.Column("in_progress_locality_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chair_member_id"], ["members.id"], name=op.f("fk_meetings_chair_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["locality_id"], ["localities.id"], name=op.f("fk_meetings_locality_id_localities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint(
            "in_progress_locality_id", name=op.f("uq_meetings_in_progress_locality_id")
        ),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meetings_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_meetings_locality_id"), ["locality_id"], unique=False)

    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["locality_id"], ["localities.id"], name=op.f("fk_memberships_locality_id_localities")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_memberships_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint(
            "member_id", "locality_id", "role", name=op.f("uq_memberships_member_id")
        ),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_memberships_locality_id"), ["locality_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_memberships_member_id"), ["member_id"], unique=False)

    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("time_limit_minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("elapsed_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_agenda_items_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
        sa.UniqueConstraint("meeting_id", "position", name=op.f("uq_agenda_items_meeting_id")),
    )
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agenda_items_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("people", sa.Text(), nullable=False),
        sa.Column("recorded_by_member_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_attendance_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_attendance_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_member_id"],
            ["members.id"],
            name=op.f("fk_attendance_recorded_by_member_id_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance")),
        sa.UniqueConstraint("meeting_id", "agency_id", name=op.f("uq_attendance_meeting_id")),
    )
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_member_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by_member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_actions_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_member_id"],
            ["members.id"],
            name=op.f("fk_actions_created_by_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["agenda_items.id"], name=op.f("fk_actions_item_id_agenda_items")
        ),
        sa.ForeignKeyConstraint(
            ["locality_id"], ["localities.id"], name=op.f("fk_actions_locality_id_localities")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_actions_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["owner_member_id"], ["members.id"], name=op.f("fk_actions_owner_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_actions_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actions_locality_id"), ["locality_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_actions_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_actions_owner_member_id"), ["owner_member_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_actions_status"), ["status"], unique=False)

    op.create_table(
        "minute_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_member_id"],
            ["members.id"],
            name=op.f("fk_minute_entries_author_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["agenda_items.id"], name=op.f("fk_minute_entries_item_id_agenda_items")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_minute_entries_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minute_entries")),
    )
    with op.batch_alter_table("minute_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_minute_entries_item_id"), ["item_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_minute_entries_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "share_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opened_by_member_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("activity_id", sa.String(length=200), nullable=True),
        sa.Column("open_meeting_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["agenda_items.id"], name=op.f("fk_share_rounds_item_id_agenda_items")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_share_rounds_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_member_id"],
            ["members.id"],
            name=op.f("fk_share_rounds_opened_by_member_id_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_rounds")),
        sa.UniqueConstraint("open_meeting_id", name=op.f("uq_share_rounds_open_meeting_id")),
    )
    with op.batch_alter_table("share_rounds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_share_rounds_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "action_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_action_events_action_id_actions")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_action_events_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_events")),
    )
    with op.batch_alter_table("action_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_events_action_id"), ["action_id"], unique=False)

    op.create_table(
        "challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("raised_by_member_id", sa.Integer(), nullable=False),
        sa.Column("raised_by_agency_id", sa.Integer(), nullable=False),
        sa.Column("to_agency_id", sa.Integer(), nullable=True),
        sa.Column("about", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("responded_by_member_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["locality_id"], ["localities.id"], name=op.f("fk_challenges_locality_id_localities")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_challenges_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_agency_id"],
            ["agencies.id"],
            name=op.f("fk_challenges_raised_by_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_member_id"],
            ["members.id"],
            name=op.f("fk_challenges_raised_by_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["responded_by_member_id"],
            ["members.id"],
            name=op.f("fk_challenges_responded_by_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["share_rounds.id"], name=op.f("fk_challenges_round_id_share_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["to_agency_id"], ["agencies.id"], name=op.f("fk_challenges_to_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenges")),
    )
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenges_locality_id"), ["locality_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_challenges_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_challenges_status"), ["status"], unique=False)

    op.create_table(
        "round_turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_round_turns_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_round_turns_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["share_rounds.id"], name=op.f("fk_round_turns_round_id_share_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_turns")),
        sa.UniqueConstraint("round_id", "agency_id", name=op.f("uq_round_turns_round_id")),
    )
    with op.batch_alter_table("round_turns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_turns_round_id"), ["round_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("round_turns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_turns_round_id"))

    op.drop_table("round_turns")
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenges_status"))
        batch_op.drop_index(batch_op.f("ix_challenges_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_challenges_locality_id"))

    op.drop_table("challenges")
    with op.batch_alter_table("action_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_events_action_id"))

    op.drop_table("action_events")
    with op.batch_alter_table("share_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_rounds_meeting_id"))

    op.drop_table("share_rounds")
    with op.batch_alter_table("minute_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_minute_entries_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_minute_entries_item_id"))

    op.drop_table("minute_entries")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actions_status"))
        batch_op.drop_index(batch_op.f("ix_actions_owner_member_id"))
        batch_op.drop_index(batch_op.f("ix_actions_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_actions_locality_id"))

    op.drop_table("actions")
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_meeting_id"))

    op.drop_table("attendance")
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_items_meeting_id"))

    op.drop_table("agenda_items")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_member_id"))
        batch_op.drop_index(batch_op.f("ix_memberships_locality_id"))

    op.drop_table("memberships")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_locality_id"))
        batch_op.drop_index(batch_op.f("ix_meetings_conversation_id"))

    op.drop_table("meetings")
    with op.batch_alter_table("linked_conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_linked_conversations_locality_id"))

    op.drop_table("linked_conversations")
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subjects_locality_id"))

    op.drop_table("subjects")
    op.drop_table("members")
    op.drop_table("processed_activities")
    op.drop_table("localities")
    op.drop_table("agencies")
