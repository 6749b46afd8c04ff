"""Command line for operators.

    python -m core.cli init-db [--demo-if-empty] [--couples N]
    python -m core.cli create-user --username NAME --display-name "Full Name" --role admin
    python -m core.cli refresh-reference
    python -m core.cli backup FILE
    python -m core.cli restore FILE

`backup` writes every table (audit log included) to one gzip'd file with the schema
revision and a checksum; `restore` reads it back into an EMPTY database (any engine),
refusing a non-empty database, a damaged or altered file and a newer schema.
    python -m core.cli verify-audit
    python -m core.cli grant-app-role ROLE [--print]

`verify-audit` walks the audit log's hash chain: OK with the number of events and the
newest hash (keep it somewhere else to compare later), or the first event that does not
hold, exiting 1.

`refresh-reference` stores a new snapshot of the clinic's reference (constants and expected
band) from every rating: run it from cron, e.g. weekly `0 3 * * 1`.

`create-user` asks for the password twice (or reads MEND_NEW_PASSWORD for
scripted installs) and refuses demo passwords unless MEND_DEMO is on.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from sqlalchemy import text

from core import app_role
from core.config import load_settings
from core.db import Database, upgrade_schema
from core.demo import is_empty, load_demo
from core.domain import Role
from core.errors import MendError
from core.formatting import plural
from core.services import audit, backups, exercises, reference
from core.services.accounts import SYSTEM, create_account


def _database() -> Database:
    db = Database.from_url(load_settings().database_url)
    upgrade_schema(db.engine)
    return db


def init_db(args: argparse.Namespace) -> int:
    db = _database()
    settings = load_settings()
    print(f"Database schema is current ({db.engine.url.render_as_string(hide_password=True)}).")
    if added := exercises.sync_catalogue(db):
        print(f"Exercise library: {plural(added, 'built-in exercise')} added or updated.")
    if args.demo_if_empty and is_empty(db):
        if not settings.demo_mode:
            print("Refusing to load demo data: set MEND_DEMO=1 for a demo installation.")
            return 1
        summary = load_demo(db, couples=args.couples, seed=args.seed)
        print(f"First start: loaded a synthetic demo caseload of {summary.couples} couples.")
    elif is_empty(db):
        print(
            "No accounts yet. Create the first administrator with:\n"
            "  python -m core.cli create-user --username admin "
            "--display-name 'Clinic Admin' --role admin"
        )
    in_force = reference.current_reference_id(db, first_reason=reference.FIRST_START)
    print(f"The clinic's reference in force is snapshot #{in_force}.")
    return 0


def _read_password() -> str:
    if password := os.environ.get("MEND_NEW_PASSWORD"):
        return password
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise MendError("The two passwords differ; nothing was created.")
    return first


def create_user(args: argparse.Namespace) -> int:
    db = _database()
    account = create_account(
        db,
        SYSTEM,
        {
            "username": args.username,
            "display_name": args.display_name,
            "role": args.role,
            "password": _read_password(),
        },
    )
    print(f"Created {account.role.value} account '{account.username}'.")
    return 0


def refresh_reference(args: argparse.Namespace) -> int:
    fresh = reference.refresh_reference(_database(), reason=reference.SCHEDULE)
    print(
        f"Stored reference snapshot #{fresh.snapshot_id} from {plural(fresh.n_ratings, 'rating')} "
        f"of {plural(fresh.n_couples, 'couple')}; it is in force from now on."
    )
    return 0


def backup(args: argparse.Namespace) -> int:
    counts = backups.backup_to_file(_database(), Path(args.file))
    _print_counts(f"Backup written to {args.file}", counts)
    return 0


def restore(args: argparse.Namespace) -> int:
    path = Path(args.file)
    checked = backups.read_backup_file(path)  # a bad file is refused before any database opens
    counts = backups.restore_from_file(_database(), path, checked)
    _print_counts(f"Restored {args.file}", counts)
    return 0


def _print_counts(title: str, counts: dict[str, int]) -> None:
    print(f"{title}: {sum(counts.values())} rows.")
    for name, rows in counts.items():
        print(f"  {name:<24} {rows:>9}")


def verify_audit(args: argparse.Namespace) -> int:
    verdict = audit.verify_chain(_database())
    if verdict.intact:
        print(f"OK: {verdict.rows} audit event(s), chain intact; newest hash {verdict.head}.")
        return 0
    where = f" at audit event #{verdict.broken_at}" if verdict.broken_at else ""
    print(f"BROKEN{where}: {verdict.problem}.", file=sys.stderr)
    return 1


def grant_app_role(args: argparse.Namespace) -> int:
    """Grant ROLE what the app needs (core.app_role), as the owner in DATABASE_URL."""
    db = _database()
    if db.engine.dialect.name != "postgresql":
        print("Error: grant-app-role is for PostgreSQL (SQLite has no roles).", file=sys.stderr)
        return 2
    with db.engine.begin() as connection:
        owner, database = connection.execute(text("SELECT current_user, current_database()")).one()
        found = connection.execute(
            text("SELECT rolsuper FROM pg_roles WHERE rolname = :r"), {"r": args.role}
        ).first()
        if args.role == owner or found is None or found.rolsuper:
            print(
                f"Error: {args.role!r} must be an existing role other than the owner "
                f"({owner}) and not a superuser: CREATE ROLE {args.role} LOGIN PASSWORD '...'",
                file=sys.stderr,
            )
            return 2
        tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        statements = app_role.grant_statements(args.role, database, tables)
        for statement in statements:
            print(f"{statement};")
            if not args.print_only:
                connection.execute(text(statement))
    if args.print_only:
        print("-- printed only; nothing was granted")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init-db", help="create or upgrade the schema")
    init.add_argument("--demo-if-empty", action="store_true")
    init.add_argument("--couples", type=int, default=40)
    init.add_argument("--seed", type=int, default=1)
    init.set_defaults(run=init_db)
    user = commands.add_parser("create-user", help="create an account (the first admin)")
    user.add_argument("--username", required=True)
    user.add_argument("--display-name", required=True)
    user.add_argument("--role", choices=[role.value for role in Role], required=True)
    user.set_defaults(run=create_user)
    refresh = commands.add_parser(
        "refresh-reference", help="recompute the clinic's reference now (for cron)"
    )
    refresh.set_defaults(run=refresh_reference)
    save = commands.add_parser("backup", help="write every table to one backup file")
    save.add_argument("file")
    save.set_defaults(run=backup)
    load = commands.add_parser("restore", help="restore a backup file into an empty database")
    load.add_argument("file")
    load.set_defaults(run=restore)
    verify = commands.add_parser("verify-audit", help="check the audit log's hash chain")
    verify.set_defaults(run=verify_audit)
    grant = commands.add_parser(
        "grant-app-role", help="grant the app's PostgreSQL role what it needs (run as the owner)"
    )
    grant.add_argument("role")
    grant.add_argument("--print", dest="print_only", action="store_true", help="only print")
    grant.set_defaults(run=grant_app_role)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except MendError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
