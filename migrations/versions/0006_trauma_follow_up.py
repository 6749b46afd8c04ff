"""Trauma follow-up: a positive PC-PTSD-5 screen opens an item on that partner until the
counsellor records the follow-up (referral, further assessment or monitored).

Self-contained (one new table, nothing else touched), so it can be re-chained after
another revision.

Revision ID: 0006
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trauma_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("screen_id", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("ptsd_score", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "referral",
                "further_assessment",
                "monitored",
                name="traumafollowupkind_enum",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("followed_up_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(outcome IS NULL AND followed_up_on IS NULL AND recorded_by_id IS NULL) OR "
            "(outcome IS NOT NULL AND followed_up_on IS NOT NULL AND recorded_by_id IS NOT NULL)",
            name=op.f("ck_trauma_follow_ups_recorded_together"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_trauma_follow_ups_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["counsellors.id"],
            name=op.f("fk_trauma_follow_ups_recorded_by_id_counsellors"),
        ),
        sa.ForeignKeyConstraint(
            ["screen_id"],
            ["safety_screens.id"],
            name=op.f("fk_trauma_follow_ups_screen_id_safety_screens"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trauma_follow_ups")),
        sa.UniqueConstraint("screen_id", name=op.f("uq_trauma_follow_ups_screen_id")),
    )
    op.create_index(
        op.f("ix_trauma_follow_ups_partner_id"), "trauma_follow_ups", ["partner_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_trauma_follow_ups_partner_id"), table_name="trauma_follow_ups")
    op.drop_table("trauma_follow_ups")
