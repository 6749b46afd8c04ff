"""Index every foreign key still without one (issue 10: "indexes on every foreign key").

Most are "who did it" columns (the author of a note, who screened, who recorded a
completion or a rating, who acted in the audit log), plus a check-in link's partner and
an assignment's exercise version. No page filters on most of them today; without an
index, a count or check by one of them (an account's activity, a deactivated account's
notes) would read the whole table, and PostgreSQL does not index a foreign key by itself.
A test (tests/unit/test_db.py) fails for a foreign key added later without one.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column): the index is ix_<table>_<column>, as the models' naming convention.
FOREIGN_KEYS = (
    ("addenda", "author_id"),
    ("assignment_completions", "recorded_by_id"),
    ("assignments", "assigned_by_id"),
    ("assignments", "decided_by_id"),
    ("assignments", "exercise_version_id"),
    ("audit_events", "actor_id"),
    ("check_in_links", "created_by_id"),
    ("check_in_links", "partner_id"),
    ("check_in_links", "revoked_by_id"),
    ("check_ins", "acknowledged_by_id"),
    ("exercises", "created_by_id"),
    ("measurements", "recorded_by_id"),
    ("reference_snapshots", "computed_by_id"),
    ("safety_screens", "resolved_by_id"),
    ("safety_screens", "screener_id"),
    ("sessions", "cosigned_by_id"),
    ("sessions", "counsellor_id"),
    ("sessions", "signed_by_id"),
    ("trauma_follow_ups", "recorded_by_id"),
)


def upgrade() -> None:
    for table, column in FOREIGN_KEYS:
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table, column in FOREIGN_KEYS:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
