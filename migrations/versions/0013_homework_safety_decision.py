"""Homework given before a safety concern opened: the counsellor's pause or continue
(decision, when, by whom, and the reason for continuing) on the assignment.

Self-contained (four nullable columns on assignments), so it can be re-chained.

Revision ID: 0013
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(
            sa.Column(
                "safety_decision",
                sa.Enum(
                    "pause",
                    "continue",
                    name="safetydecision_enum",
                    native_enum=False,
                    create_constraint=True,
                    length=24,
                ),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("decided_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("decision_reason", sa.Text(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_assignments_decided_by_id_counsellors"),
            "counsellors",
            ["decided_by_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.drop_constraint(op.f("fk_assignments_decided_by_id_counsellors"), type_="foreignkey")
        batch.drop_constraint(op.f("ck_assignments_safetydecision_enum"), type_="check")
        batch.drop_column("decision_reason")
        batch.drop_column("decided_by_id")
        batch.drop_column("decided_at")
        batch.drop_column("safety_decision")
