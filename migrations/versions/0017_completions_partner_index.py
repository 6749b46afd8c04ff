"""Index homework completions by partner: a couple's completions are found through its
two partners (the Progress tab's adherence, the Homework tab), and without this index
each read scanned every completion in the clinic (172,000 rows at 20,000 couples; the
Progress tab's runs at 20,000 took twice their time at 2,000; issue 10).

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_assignment_completions_partner_id", "assignment_completions", ["partner_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_assignment_completions_partner_id", table_name="assignment_completions")
