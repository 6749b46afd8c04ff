"""Signed notes are immutable in the database; note search index; exercise phase.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNED_MESSAGE = "signed session notes cannot be changed; add an addendum"
NOTE_COLUMNS = (
    "session_date",
    "duration_minutes",
    "modality",
    "attendees",
    "note_data",
    "note_assessment",
    "note_plan",
    "risk_raised",
    "risk_text",
    "counsellor_id",
    "couple_id",
    "signed_at",
    "signed_by_id",
)


def upgrade() -> None:
    with op.batch_alter_table("exercise_versions") as batch_op:
        batch_op.add_column(sa.Column("phase", sa.String(length=12), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_guards()
    else:
        _postgres_guards()


def _sqlite_guards() -> None:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in NOTE_COLUMNS)
    op.execute(
        "CREATE TRIGGER sessions_signed_immutable BEFORE UPDATE ON sessions "
        f"WHEN OLD.status = 'signed' AND (NEW.status IS NOT 'signed' OR {changed}) "
        f"BEGIN SELECT RAISE(ABORT, '{SIGNED_MESSAGE}'); END"
    )
    op.execute(
        "CREATE TRIGGER sessions_signed_no_delete BEFORE DELETE ON sessions "
        f"WHEN OLD.status = 'signed' BEGIN SELECT RAISE(ABORT, '{SIGNED_MESSAGE}'); END"
    )
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER measurements_signed_no_{verb.lower()} BEFORE {verb} ON measurements "
            "WHEN (SELECT status FROM sessions WHERE id = OLD.session_id) = 'signed' "
            f"BEGIN SELECT RAISE(ABORT, '{SIGNED_MESSAGE}'); END"
        )
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER addenda_no_{verb.lower()} BEFORE {verb} ON addenda "
            "BEGIN SELECT RAISE(ABORT, 'addenda cannot be changed'); END"
        )


def _postgres_guards() -> None:
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in NOTE_COLUMNS)
    op.execute(f"""
        CREATE FUNCTION sessions_refuse_signed_change() RETURNS trigger AS $$
        BEGIN
          IF OLD.status = 'signed' AND (TG_OP = 'DELETE' OR NEW.status <> 'signed' OR {changed})
          THEN RAISE EXCEPTION '{SIGNED_MESSAGE}';
          END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          RETURN NEW;
        END; $$ LANGUAGE plpgsql""")
    op.execute(
        "CREATE TRIGGER sessions_signed_immutable BEFORE UPDATE OR DELETE ON sessions "
        "FOR EACH ROW EXECUTE FUNCTION sessions_refuse_signed_change()"
    )
    op.execute(f"""
        CREATE FUNCTION measurements_refuse_signed_change() RETURNS trigger AS $$
        BEGIN
          IF (SELECT status FROM sessions WHERE id = OLD.session_id) = 'signed'
          THEN RAISE EXCEPTION '{SIGNED_MESSAGE}';
          END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          RETURN NEW;
        END; $$ LANGUAGE plpgsql""")
    op.execute(
        "CREATE TRIGGER measurements_signed_immutable BEFORE UPDATE OR DELETE ON "
        "measurements FOR EACH ROW EXECUTE FUNCTION measurements_refuse_signed_change()"
    )
    op.execute("""
        CREATE FUNCTION addenda_refuse_change() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'addenda cannot be changed'; END; $$ LANGUAGE plpgsql""")
    op.execute(
        "CREATE TRIGGER addenda_append_only BEFORE UPDATE OR DELETE ON addenda "
        "FOR EACH ROW EXECUTE FUNCTION addenda_refuse_change()"
    )
    # Case-insensitive substring search over notes uses a trigram index.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        "CREATE INDEX ix_sessions_note_trgm ON sessions USING gin "
        "((note_data || ' ' || note_assessment || ' ' || note_plan) gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in (
            "sessions_signed_immutable",
            "sessions_signed_no_delete",
            "measurements_signed_no_update",
            "measurements_signed_no_delete",
            "addenda_no_update",
            "addenda_no_delete",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP INDEX IF EXISTS ix_sessions_note_trgm")
        op.execute("DROP TRIGGER IF EXISTS addenda_append_only ON addenda")
        op.execute("DROP FUNCTION IF EXISTS addenda_refuse_change()")
        op.execute("DROP TRIGGER IF EXISTS measurements_signed_immutable ON measurements")
        op.execute("DROP FUNCTION IF EXISTS measurements_refuse_signed_change()")
        op.execute("DROP TRIGGER IF EXISTS sessions_signed_immutable ON sessions")
        op.execute("DROP FUNCTION IF EXISTS sessions_refuse_signed_change()")
    with op.batch_alter_table("exercise_versions") as batch_op:
        batch_op.drop_column("phase")
