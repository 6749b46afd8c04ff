"""Per-counsellor caseload stamps: a counter the database bumps whenever any couple of a
counsellor's caseload changes (its ratings' stamp or its records' stamp moves, 0014 and
0015) and, for the counsellor a couple leaves, when it is reassigned. A caseload view
reads one short row per counsellor and re-reads the couples' stamps only of the
counsellors whose stamp moved: a supervisor's view of 20,000 couples (800 counsellors)
no longer reads 20,000 stamps to learn that nothing changed (issue 10).

Triggers keep it, chained on the two couple stamp tables, so every writer is covered as
for those. A counter, compared for equality (never "newer than"): a transaction that
commits late still changes the value the next view reads. Derived data: a backup leaves
it out, a restore rebuilds it; no foreign key, as for couple_stamps.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# trigger name -> (table, event, the counsellor to bump ({row} is NEW or OLD), condition)
COUPLE_COUNSELLOR = "(SELECT counsellor_id FROM couples WHERE id = NEW.couple_id)"
TRIGGERS = {
    "counsellor_stamp_ratings_insert": ("rating_stamps", "INSERT", COUPLE_COUNSELLOR, ""),
    "counsellor_stamp_ratings_update": ("rating_stamps", "UPDATE", COUPLE_COUNSELLOR, ""),
    "counsellor_stamp_records_insert": ("couple_stamps", "INSERT", COUPLE_COUNSELLOR, ""),
    "counsellor_stamp_records_update": ("couple_stamps", "UPDATE", COUPLE_COUNSELLOR, ""),
    # The couple's new counsellor is bumped through its records' stamp (0015's trigger on
    # couples); the one it left, here.
    "counsellor_stamp_reassigned": (
        "couples",
        "UPDATE",
        "OLD.counsellor_id",
        "OLD.counsellor_id IS DISTINCT FROM NEW.counsellor_id",
    ),
}


def _bump(counsellor: str) -> str:
    # INSERT ... SELECT so a couple already gone bumps nothing; "WHERE" lets SQLite parse
    # the upsert after a SELECT.
    return (
        f"INSERT INTO counsellor_stamps (counsellor_id, version) SELECT {counsellor}, 1 "
        f"WHERE {counsellor} IS NOT NULL "
        "ON CONFLICT (counsellor_id) DO UPDATE SET version = counsellor_stamps.version + 1;"
    )


def upgrade() -> None:
    op.create_table(
        "counsellor_stamps",
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("counsellor_id", name=op.f("pk_counsellor_stamps")),
    )
    op.execute(
        "INSERT INTO counsellor_stamps (counsellor_id, version) SELECT id, 1 FROM counsellors"
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, (table, event, counsellor, condition) in TRIGGERS.items():
        body = _bump(counsellor)
        if sqlite:
            when = f"WHEN {condition.replace('IS DISTINCT FROM', 'IS NOT')} " if condition else ""
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} {when}BEGIN {body} END")
            continue
        when = f"WHEN ({condition}) " if condition else ""
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger AS $$ "
            f"BEGIN {body} RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} "
            f"FOR EACH ROW {when}EXECUTE FUNCTION {name}()"
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, (table, *_) in TRIGGERS.items():
        if sqlite:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table("counsellor_stamps")
