"""Signed notes, the edges (issue 11, item 7), refused by the database itself:
- a rating cannot be moved into a signed note (UPDATE measurements SET session_id = ...);
- a co-signature is set once, on a signed note, by a supervisor, dated now (within
  MINUTES of the database's clock), both columns together; then it never changes,
  and a new note cannot arrive co-signed;
- an addendum belongs to a signed note and is dated now: not before the signing and
  within MINUTES of the database's clock (no backdating).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOVED = "ratings cannot be moved into a signed session note"
COSIGN_FIXED = "a co-signature cannot be changed or removed"
COSIGN_RULES = "a co-signature needs a signed note, a supervisor and the present time"
COSIGN_NEW = "a new session note cannot carry a co-signature"
ADDENDUM = "an addendum is dated now, after its note was signed"
MINUTES = 5  # clock tolerance between the application and the database

SQLITE_TRIGGERS = {
    "measurements_not_into_signed": (
        "BEFORE UPDATE OF session_id ON measurements "
        "WHEN (SELECT status FROM sessions WHERE id = NEW.session_id) = 'signed'",
        MOVED,
    ),
    "sessions_cosign_fixed": (
        "BEFORE UPDATE ON sessions "
        "WHEN (OLD.cosigned_at IS NOT NULL OR OLD.cosigned_by_id IS NOT NULL) "
        "AND (NEW.cosigned_at IS NOT OLD.cosigned_at "
        "OR NEW.cosigned_by_id IS NOT OLD.cosigned_by_id)",
        COSIGN_FIXED,
    ),
    "sessions_cosign_rules": (
        "BEFORE UPDATE ON sessions "
        "WHEN OLD.cosigned_at IS NULL AND OLD.cosigned_by_id IS NULL "
        "AND (NEW.cosigned_at IS NOT NULL OR NEW.cosigned_by_id IS NOT NULL) "
        "AND (OLD.status IS NOT 'signed' OR NEW.cosigned_at IS NULL "
        "OR NEW.cosigned_by_id IS NULL "
        "OR (SELECT role FROM counsellors WHERE id = NEW.cosigned_by_id) IS NOT 'supervisor' "
        f"OR abs(julianday(NEW.cosigned_at) - julianday('now')) * 1440 > {MINUTES})",
        COSIGN_RULES,
    ),
    "sessions_cosign_not_new": (
        "BEFORE INSERT ON sessions "
        "WHEN NEW.cosigned_at IS NOT NULL OR NEW.cosigned_by_id IS NOT NULL",
        COSIGN_NEW,
    ),
    "addenda_not_backdated": (
        "BEFORE INSERT ON addenda "
        "WHEN (SELECT status FROM sessions WHERE id = NEW.session_id) IS NOT 'signed' "
        "OR julianday(NEW.created_at) "
        "< julianday((SELECT signed_at FROM sessions WHERE id = NEW.session_id)) "
        f"OR abs(julianday(NEW.created_at) - julianday('now')) * 1440 > {MINUTES}",
        ADDENDUM,
    ),
}

POSTGRES_FUNCTIONS = {
    "measurements_refuse_move_into_signed": (
        "BEFORE UPDATE OF session_id ON measurements",
        f"""
        IF (SELECT status FROM sessions WHERE id = NEW.session_id) = 'signed'
        THEN RAISE EXCEPTION '{MOVED}'; END IF;
        RETURN NEW;""",
    ),
    "sessions_guard_cosign": (
        "BEFORE INSERT OR UPDATE ON sessions",
        f"""
        IF TG_OP = 'INSERT' THEN
          IF NEW.cosigned_at IS NOT NULL OR NEW.cosigned_by_id IS NOT NULL
          THEN RAISE EXCEPTION '{COSIGN_NEW}'; END IF;
          RETURN NEW;
        END IF;
        IF OLD.cosigned_at IS NOT NULL OR OLD.cosigned_by_id IS NOT NULL THEN
          IF NEW.cosigned_at IS DISTINCT FROM OLD.cosigned_at
             OR NEW.cosigned_by_id IS DISTINCT FROM OLD.cosigned_by_id
          THEN RAISE EXCEPTION '{COSIGN_FIXED}'; END IF;
        ELSIF NEW.cosigned_at IS NOT NULL OR NEW.cosigned_by_id IS NOT NULL THEN
          IF OLD.status <> 'signed' OR NEW.cosigned_at IS NULL OR NEW.cosigned_by_id IS NULL
             OR (SELECT role FROM counsellors WHERE id = NEW.cosigned_by_id)
                IS DISTINCT FROM 'supervisor'
             OR abs(extract(epoch FROM NEW.cosigned_at - CURRENT_TIMESTAMP)) > {MINUTES * 60}
          THEN RAISE EXCEPTION '{COSIGN_RULES}'; END IF;
        END IF;
        RETURN NEW;""",
    ),
    "addenda_refuse_backdated": (
        "BEFORE INSERT ON addenda",
        f"""
        IF (SELECT status FROM sessions WHERE id = NEW.session_id) IS DISTINCT FROM 'signed'
           OR NEW.created_at < (SELECT signed_at FROM sessions WHERE id = NEW.session_id)
           OR abs(extract(epoch FROM NEW.created_at - CURRENT_TIMESTAMP)) > {MINUTES * 60}
        THEN RAISE EXCEPTION '{ADDENDUM}'; END IF;
        RETURN NEW;""",
    ),
}


def _table(timing: str) -> str:
    return timing.split(" ON ")[1]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, (when, message) in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, '{message}'); END")
        return
    for name, (timing, body) in POSTGRES_FUNCTIONS.items():
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN {body} END; $$ LANGUAGE plpgsql"
        )
        op.execute(f"CREATE TRIGGER {name} {timing} FOR EACH ROW EXECUTE FUNCTION {name}()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        return
    for name, (timing, _body) in POSTGRES_FUNCTIONS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {_table(timing)}")
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
