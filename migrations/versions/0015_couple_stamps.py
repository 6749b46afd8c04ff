"""Per-couple record stamps: a counter the database bumps on every change to what a
couple's caseload row shows besides its ratings (the couple itself, its partners, notes,
homework, safety screens, trauma follow-ups and check-ins), so the caseload can keep each
couple's row between views and rebuild only the couples that changed (issue 10: the
supervisor's caseload at 20,000 couples). Ratings keep their own stamp (0014).

Triggers keep it, so every writer (services, imports, restores, SQL) is covered. Derived
data: a backup leaves it out, a restore rebuilds it, and it has no foreign key (a stale
row of a couple that no longer exists is harmless; couples are never deleted).

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> how a changed row names its couple ({row} is NEW or OLD)
COUPLE_OF = {
    "couples": "{row}.id",
    "partners": "{row}.couple_id",
    "sessions": "{row}.couple_id",
    "assignments": "{row}.couple_id",
    "check_ins": "{row}.couple_id",
    "safety_screens": "(SELECT couple_id FROM partners WHERE id = {row}.partner_id)",
    "trauma_follow_ups": "(SELECT couple_id FROM partners WHERE id = {row}.partner_id)",
}
EVENTS = {"insert": ["NEW"], "delete": ["OLD"], "update": ["OLD", "NEW"]}


def _bump(table: str, row: str) -> str:
    # INSERT ... SELECT (not VALUES) so a partner already gone bumps nothing; "WHERE true"
    # lets SQLite parse the upsert after a SELECT.
    couple = COUPLE_OF[table].format(row=row)
    return (
        f"INSERT INTO couple_stamps (couple_id, version) SELECT {couple}, 1 "
        f"WHERE {couple} IS NOT NULL "
        "ON CONFLICT (couple_id) DO UPDATE SET version = couple_stamps.version + 1;"
    )


def _name(table: str, event: str) -> str:
    return f"couple_stamp_{table}_{event}"


def upgrade() -> None:
    op.create_table(
        "couple_stamps",
        sa.Column("couple_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("couple_id", name=op.f("pk_couple_stamps")),
    )
    op.execute("INSERT INTO couple_stamps (couple_id, version) SELECT id, 1 FROM couples")
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in COUPLE_OF:
        for event, rows in EVENTS.items():
            body = " ".join(_bump(table, row) for row in rows)
            name = _name(table, event)
            if sqlite:
                op.execute(
                    f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} BEGIN {body} END"
                )
                continue
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger AS $$ "
                f"BEGIN {body} RETURN NULL; END; $$ LANGUAGE plpgsql"
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
            )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in COUPLE_OF:
        for event in EVENTS:
            name = _name(table, event)
            if sqlite:
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table("couple_stamps")
