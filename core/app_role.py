"""The PostgreSQL role the app runs as: it owns nothing and holds only the grants it needs.

Migrations run as the schema's owner (`python -m core.cli init-db`); the app connects as
another role, granted here by the owner (`python -m core.cli grant-app-role ROLE`):
CONNECT and schema USAGE; SELECT and INSERT on the append-only tables; SELECT only on
alembic_version (the app checks the schema is current); SELECT, INSERT, UPDATE and DELETE
on the other tables (the signed-note triggers still guard theirs); USAGE and SELECT on
the sequences. No TRUNCATE, no REFERENCES or TRIGGER, no CREATE on the schema (nobody
but the owner), and no ownership: no DDL, and no switching a guard trigger off.
Run it again after every migration (it revokes and grants afresh, so it is idempotent).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

APPEND_ONLY = frozenset({"audit_events", "addenda", "reference_snapshots", "exercise_versions"})
READ_ONLY = frozenset({"alembic_version"})
_NAME = re.compile(r"[a-z_][a-z0-9_$]{0,62}")


def quoted(name: str) -> str:
    """A role or database name as an SQL identifier; anything unusual is refused."""
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"{name!r} is not a plain PostgreSQL name (lower-case letters, digits, _)."
        )
    return f'"{name}"'


def table_grants(table: str) -> str:
    if table in READ_ONLY:
        return "SELECT"
    if table in APPEND_ONLY:
        return "SELECT, INSERT"
    return "SELECT, INSERT, UPDATE, DELETE"


def grant_statements(role: str, database: str, tables: Iterable[str]) -> list[str]:
    """The statements, in order, for the tables of schema public."""
    who = quoted(role)
    return [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {who}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {who}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {quoted(database)} TO {who}",
        f"GRANT USAGE ON SCHEMA public TO {who}",
        *(f'GRANT {table_grants(t)} ON TABLE "{t}" TO {who}' for t in sorted(tables)),
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {who}",
    ]
