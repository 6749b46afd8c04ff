"""Per-couple rating stamps: a counter the database bumps on every change to a couple's
ratings, so a page can keep each couple's progress between views and recompute only the
couples whose ratings changed (issue 10: no clinic-wide recomputation on a write).

Triggers keep it, so every writer (services, imports, restores, SQL) is covered. The
table is derived data: a backup leaves it out and a restore rebuilds it.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = {"insert": ["NEW"], "delete": ["OLD"], "update": ["OLD", "NEW"]}


def _bump(row: str) -> str:
    return (
        f"INSERT INTO rating_stamps (couple_id, version) VALUES ({row}.couple_id, 1) "
        "ON CONFLICT (couple_id) DO UPDATE SET version = rating_stamps.version + 1;"
    )


def upgrade() -> None:
    op.create_table(
        "rating_stamps",
        sa.Column("couple_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["couple_id"], ["couples.id"], name=op.f("fk_rating_stamps_couple_id_couples")
        ),
        sa.PrimaryKeyConstraint("couple_id", name=op.f("pk_rating_stamps")),
    )
    op.execute(
        "INSERT INTO rating_stamps (couple_id, version) "
        "SELECT couple_id, COUNT(*) FROM measurements GROUP BY couple_id"
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:
        for event, rows in EVENTS.items():
            body = " ".join(_bump(row) for row in rows)
            op.execute(f"""
                CREATE FUNCTION rating_stamp_{event}() RETURNS trigger AS $$
                BEGIN {body} RETURN NULL; END; $$ LANGUAGE plpgsql""")
    for event, rows in EVENTS.items():
        if sqlite:
            body = " ".join(_bump(row) for row in rows)
            op.execute(
                f"CREATE TRIGGER rating_stamp_{event} AFTER {event.upper()} ON measurements "
                f"BEGIN {body} END"
            )
        else:
            op.execute(
                f"CREATE TRIGGER rating_stamp_{event} AFTER {event.upper()} ON measurements "
                f"FOR EACH ROW EXECUTE FUNCTION rating_stamp_{event}()"
            )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for event in EVENTS:
        if sqlite:
            op.execute(f"DROP TRIGGER IF EXISTS rating_stamp_{event}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS rating_stamp_{event} ON measurements")
            op.execute(f"DROP FUNCTION IF EXISTS rating_stamp_{event}()")
    op.drop_table("rating_stamps")
