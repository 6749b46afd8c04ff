"""Audit events form a hash chain (prev_hash, hash), existing events chained in id order;
PostgreSQL refuses TRUNCATE of the append-only tables (row triggers do not see it).

`python -m core.cli verify-audit` walks the chain (core.audit_chain).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.audit_chain import CHAIN_COUNTER, GENESIS, ChainedRow, row_hash
from core.models import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("audit_events", "addenda", "reference_snapshots")
SQLITE_UPDATE_GUARD = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
)

events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("at", UTCDateTime),
    sa.column("actor_id", sa.Integer),
    sa.column("actor_username", sa.String),
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("detail", sa.Text),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_events", sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_index("ix_audit_events_entity", "audit_events", ["entity", "entity_id"])
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER audit_events_no_update")
    else:
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
    chained = _chain_existing_events()
    if sqlite:
        op.execute(SQLITE_UPDATE_GUARD)
    else:
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
        _refuse_truncate()
    op.execute(
        sa.text("INSERT INTO counters (name, value) VALUES (:name, :value)").bindparams(
            name=CHAIN_COUNTER, value=chained
        )
    )


def _chain_existing_events() -> int:
    bind = op.get_bind()
    rows = bind.execute(sa.select(events).order_by(events.c.id)).all()
    previous = GENESIS
    for row in rows:
        chained = ChainedRow(**{**row._mapping, "prev_hash": previous, "hash": None})
        digest = row_hash(chained, previous)
        bind.execute(
            events.update().where(events.c.id == row.id).values(prev_hash=previous, hash=digest)
        )
        previous = digest
    return len(rows)


def _refuse_truncate() -> None:
    for table in APPEND_ONLY:
        op.execute(f"""
            CREATE FUNCTION {table}_refuse_truncate() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{table.replace("_", " ")} cannot be truncated'; END;
            $$ LANGUAGE plpgsql""")
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse_truncate()"
        )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM counters WHERE name = :name").bindparams(name=CHAIN_COUNTER))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite rebuilds the table to drop columns: keep its guards across the rebuild.
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("DROP TRIGGER audit_events_no_delete")
        with op.batch_alter_table("audit_events") as batch_op:
            batch_op.drop_index("ix_audit_events_entity")
            batch_op.drop_column("hash")
            batch_op.drop_column("prev_hash")
        op.execute(SQLITE_UPDATE_GUARD)
        op.execute(
            "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
        )
        return
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_refuse_truncate()")
    op.drop_index("ix_audit_events_entity", "audit_events")
    op.drop_column("audit_events", "hash")
    op.drop_column("audit_events", "prev_hash")
