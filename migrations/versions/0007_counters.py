"""Case codes from an atomic counter: simultaneous intakes no longer collide.

One row per named counter; the case-code row starts at the highest existing code, so
existing codes (C-0001 ...) and demo data carry on unchanged.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counters")),
    )
    op.execute(
        "INSERT INTO counters (name, value) "
        "SELECT 'case_code', COALESCE(MAX(CAST(SUBSTR(case_code, 3) AS INTEGER)), 0) "
        "FROM couples"
    )


def downgrade() -> None:
    op.drop_table("counters")
