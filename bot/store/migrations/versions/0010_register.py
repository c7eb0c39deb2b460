"""The register: subjects of five kinds with risk, status, strands, history and links;
subjects discussed under items 4-7; rounds about a subject; every round answer kept

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 03:30:00

* ``strands`` is reference data, seeded here with the seven strands the seeds name
  (bot.domain.register.SEED_STRANDS) and extended by a data file: the list is open.
* ``round_turns`` loses its unique (round, agency): a second answer from an agency, or an
  answer from another service of it, is appended instead of replacing the first. The rows
  already stored are kept as they are (one per agency).
* New encrypted columns on existing tables are nullable: an empty ciphertext cannot be a
  server default, and NULL reads as "nothing recorded".
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Written out, not imported: a migration stays as it ran, whatever the code says later.
SEED_STRANDS = (
    ("cse", "Child sexual exploitation"),
    ("cce", "Child criminal exploitation and county lines"),
    ("missing", "Missing from home or care"),
    ("hsb", "Harmful sexual behaviour"),
    ("msht", "Modern slavery and human trafficking"),
    ("online", "Online harm"),
    ("contextual", "Wider contextual safeguarding"),
)


def upgrade() -> None:
    op.create_table(
        "strands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strands")),
        sa.UniqueConstraint("code", name=op.f("uq_strands_code")),
    )
    op.create_table(
        "subject_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("from_locality_id", sa.Integer(), nullable=False),
        sa.Column("to_locality_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reference_index", sa.String(length=64), nullable=True),
        sa.Column("asked_by_member_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_member_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["asked_by_member_id"],
            ["members.id"],
            name=op.f("fk_subject_shares_asked_by_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_member_id"],
            ["members.id"],
            name=op.f("fk_subject_shares_decided_by_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["from_locality_id"],
            ["localities.id"],
            name=op.f("fk_subject_shares_from_locality_id_localities"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_subject_shares_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["to_locality_id"],
            ["localities.id"],
            name=op.f("fk_subject_shares_to_locality_id_localities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_shares")),
    )
    strands = sa.table(
        "strands",
        sa.column("code", sa.String()),
        sa.column("label", sa.String()),
        sa.column("sort_order", sa.Integer()),
        sa.column("active", sa.Boolean()),
    )
    op.bulk_insert(
        strands,
        [
            {"code": code, "label": label, "sort_order": 10 * (n + 1), "active": True}
            for n, (code, label) in enumerate(SEED_STRANDS)
        ],
    )
    with op.batch_alter_table("subject_shares", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subject_shares_reference_index"), ["reference_index"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_subject_shares_subject_id"), ["subject_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_subject_shares_to_locality_id"), ["to_locality_id"], unique=False
        )

    op.create_table(
        "subject_strands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("strand_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["strand_id"], ["strands.id"], name=op.f("fk_subject_strands_strand_id_strands")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_subject_strands_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_strands")),
        sa.UniqueConstraint("subject_id", "strand_id", name=op.f("uq_subject_strands_subject_id")),
    )
    with op.batch_alter_table("subject_strands", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subject_strands_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "subject_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("value", sa.String(length=60), nullable=False),
        sa.Column("previous", sa.String(length=60), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("locality_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["locality_id"],
            ["localities.id"],
            name=op.f("fk_subject_events_locality_id_localities"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_subject_events_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_subject_events_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_subject_events_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_events")),
    )
    with op.batch_alter_table("subject_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subject_events_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index("ix_subject_events_subject_id_at", ["subject_id", "at"], unique=False)

    op.create_table(
        "subject_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_a_id", sa.Integer(), nullable=False),
        sa.Column("subject_b_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.Column("removed_by_member_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["locality_id"], ["localities.id"], name=op.f("fk_subject_links_locality_id_localities")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_subject_links_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_subject_links_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["removed_by_member_id"],
            ["members.id"],
            name=op.f("fk_subject_links_removed_by_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_a_id"], ["subjects.id"], name=op.f("fk_subject_links_subject_a_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["subject_b_id"], ["subjects.id"], name=op.f("fk_subject_links_subject_b_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_links")),
        sa.UniqueConstraint(
            "subject_a_id", "subject_b_id", name=op.f("uq_subject_links_subject_a_id")
        ),
    )
    with op.batch_alter_table("subject_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subject_links_subject_a_id"), ["subject_a_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_subject_links_subject_b_id"), ["subject_b_id"], unique=False
        )

    op.create_table(
        "item_subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("added_by_member_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_member_id"],
            ["members.id"],
            name=op.f("fk_item_subjects_added_by_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["agenda_items.id"], name=op.f("fk_item_subjects_item_id_agenda_items")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_item_subjects_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_item_subjects_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_subjects")),
        sa.UniqueConstraint("item_id", "position", name="uq_item_subjects_item_position"),
        sa.UniqueConstraint("item_id", "subject_id", name="uq_item_subjects_item_subject"),
    )
    with op.batch_alter_table("item_subjects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_item_subjects_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_item_subjects_subject_id"), ["subject_id"], unique=False
        )

    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_key", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_actions_subject_id"), ["subject_id"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_actions_import_key"), ["import_key"])

    with op.batch_alter_table("localities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("register_settings", sa.Text(), nullable=True))

    with op.batch_alter_table("minute_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_minute_entries_subject_id"), ["subject_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_minute_entries_subject_id_subjects"), "subjects", ["subject_id"], ["id"]
        )

    with op.batch_alter_table("round_turns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service", sa.Text(), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_round_turns_round_id"), type_="unique")

    with op.batch_alter_table("share_rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_share_rounds_subject_id"), ["subject_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_share_rounds_subject_id_subjects"), "subjects", ["subject_id"], ["id"]
        )

    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("risk_level", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), server_default="open", nullable=False)
        )
        batch_op.add_column(sa.Column("status_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("lead_agency_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("first_discussed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("last_discussed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("checks", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_subjects_lead_agency_id_agencies"),
            "agencies",
            ["lead_agency_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_subjects_lead_agency_id_agencies"), type_="foreignkey"
        )
        batch_op.drop_column("updated_at")
        batch_op.drop_column("checks")
        batch_op.drop_column("last_discussed_on")
        batch_op.drop_column("first_discussed_on")
        batch_op.drop_column("lead_agency_id")
        batch_op.drop_column("status_reason")
        batch_op.drop_column("status")
        batch_op.drop_column("risk_level")

    with op.batch_alter_table("share_rounds", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_share_rounds_subject_id_subjects"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_share_rounds_subject_id"))
        batch_op.drop_column("subject_id")

    with op.batch_alter_table("round_turns", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_round_turns_round_id"), ["round_id", "agency_id"]
        )
        batch_op.drop_column("service")

    with op.batch_alter_table("minute_entries", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_minute_entries_subject_id_subjects"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_minute_entries_subject_id"))
        batch_op.drop_column("subject_id")

    with op.batch_alter_table("localities", schema=None) as batch_op:
        batch_op.drop_column("register_settings")

    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_actions_import_key"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_actions_subject_id"))
        batch_op.drop_column("import_key")

    with op.batch_alter_table("item_subjects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_subjects_subject_id"))
        batch_op.drop_index(batch_op.f("ix_item_subjects_meeting_id"))

    op.drop_table("item_subjects")
    with op.batch_alter_table("subject_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subject_links_subject_b_id"))
        batch_op.drop_index(batch_op.f("ix_subject_links_subject_a_id"))

    op.drop_table("subject_links")
    with op.batch_alter_table("subject_events", schema=None) as batch_op:
        batch_op.drop_index("ix_subject_events_subject_id_at")
        batch_op.drop_index(batch_op.f("ix_subject_events_meeting_id"))

    op.drop_table("subject_events")
    with op.batch_alter_table("subject_strands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subject_strands_subject_id"))

    op.drop_table("subject_strands")
    with op.batch_alter_table("subject_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subject_shares_to_locality_id"))
        batch_op.drop_index(batch_op.f("ix_subject_shares_subject_id"))
        batch_op.drop_index(batch_op.f("ix_subject_shares_reference_index"))

    op.drop_table("subject_shares")
    op.drop_table("strands")
