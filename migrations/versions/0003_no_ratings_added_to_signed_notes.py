"""Refuse new ratings on a signed session (0002 guarded updates and deletes only).

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "signed session notes cannot be changed; add an addendum"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER measurements_signed_no_insert BEFORE INSERT ON measurements "
            "WHEN (SELECT status FROM sessions WHERE id = NEW.session_id) = 'signed' "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
        return
    op.execute(f"""
        CREATE FUNCTION measurements_refuse_signed_insert() RETURNS trigger AS $$
        BEGIN
          IF (SELECT status FROM sessions WHERE id = NEW.session_id) = 'signed'
          THEN RAISE EXCEPTION '{MESSAGE}';
          END IF;
          RETURN NEW;
        END; $$ LANGUAGE plpgsql""")
    op.execute(
        "CREATE TRIGGER measurements_signed_no_insert BEFORE INSERT ON measurements "
        "FOR EACH ROW EXECUTE FUNCTION measurements_refuse_signed_insert()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS measurements_signed_no_insert")
        return
    op.execute("DROP TRIGGER IF EXISTS measurements_signed_no_insert ON measurements")
    op.execute("DROP FUNCTION IF EXISTS measurements_refuse_signed_insert()")
