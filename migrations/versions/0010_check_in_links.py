"""Check-in links: a partner answers the weekly check-in and homework reflections through
a private link (token stored only as a hash). Ratings and homework completions get a
`source` ("session", the default for every existing row, or "check-in").

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    for table in ("measurements", "assignment_completions"):
        op.add_column(
            table,
            sa.Column("source", sa.String(length=12), server_default="session", nullable=False),
        )
    op.create_table(
        "check_in_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("couple_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("instruments", sa.JSON(), nullable=False),
        sa.Column("show_progress", sa.Boolean(), nullable=False),
        sa.Column("safe_channel_reason", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        _fk("check_in_links", "couple_id", "couples"),
        _fk("check_in_links", "partner_id", "partners"),
        _fk("check_in_links", "created_by_id", "counsellors"),
        _fk("check_in_links", "revoked_by_id", "counsellors"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_check_in_links_token_hash")),
    )
    op.create_index(
        op.f("ix_check_in_links_couple_id"), "check_in_links", ["couple_id"], unique=False
    )
    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("couple_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("safe_at_home", sa.Boolean(), nullable=True),
        sa.Column("alert", sa.Boolean(), nullable=False),
        sa.Column("alert_reason", sa.String(length=200), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        _fk("check_ins", "link_id", "check_in_links"),
        _fk("check_ins", "couple_id", "couples"),
        _fk("check_ins", "partner_id", "partners"),
        _fk("check_ins", "acknowledged_by_id", "counsellors"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
        sa.UniqueConstraint("partner_id", "checked_on", name="one_a_day"),
    )
    op.create_index(op.f("ix_check_ins_couple_id"), "check_ins", ["couple_id"], unique=False)
    op.create_index(op.f("ix_check_ins_link_id"), "check_ins", ["link_id"], unique=False)
    op.create_table(
        "check_in_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in_attempts")),
    )
    op.create_index("ix_check_in_attempts_address_at", "check_in_attempts", ["address_hash", "at"])


def downgrade() -> None:
    op.drop_index("ix_check_in_attempts_address_at", table_name="check_in_attempts")
    op.drop_table("check_in_attempts")
    op.drop_index(op.f("ix_check_ins_link_id"), table_name="check_ins")
    op.drop_index(op.f("ix_check_ins_couple_id"), table_name="check_ins")
    op.drop_table("check_ins")
    op.drop_index(op.f("ix_check_in_links_couple_id"), table_name="check_in_links")
    op.drop_table("check_in_links")
    for table in ("assignment_completions", "measurements"):
        # Plain ALTER (SQLite 3.35+ too): a batch copy would drop the measurements triggers.
        op.execute(f"ALTER TABLE {table} DROP COLUMN source")
