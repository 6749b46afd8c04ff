"""The clinic's reference (constants and expected band) as stored, dated, append-only snapshots.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUARD_MESSAGE = "reference snapshots are append-only; compute a new one"


def upgrade() -> None:
    op.create_table(
        "reference_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=120), nullable=False),
        sa.Column("n_couples", sa.Integer(), nullable=False),
        sa.Column("n_ratings", sa.Integer(), nullable=False),
        sa.Column("constants", sa.JSON(), nullable=False),
        sa.Column("band", sa.JSON(), nullable=False),
        sa.Column("dtypes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["computed_by_id"],
            ["counsellors.id"],
            name=op.f("fk_reference_snapshots_computed_by_id_counsellors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_snapshots")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER reference_snapshots_no_{verb.lower()} BEFORE {verb} "
                f"ON reference_snapshots BEGIN SELECT RAISE(ABORT, '{GUARD_MESSAGE}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION reference_snapshots_refuse_change() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{GUARD_MESSAGE}'; END; $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER reference_snapshots_append_only BEFORE UPDATE OR DELETE "
        "ON reference_snapshots FOR EACH ROW EXECUTE FUNCTION reference_snapshots_refuse_change()"
    )


def downgrade() -> None:
    # Dropping the table drops its triggers; PostgreSQL keeps the function.
    op.drop_table("reference_snapshots")
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS reference_snapshots_refuse_change()")
