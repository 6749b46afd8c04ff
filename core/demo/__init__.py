"""Deterministic synthetic caseload for demos, tests and benchmarks.

    python -m core.demo --couples 40 --seed 1 [--database-url URL]

Every name is generic and invented; no real client is represented. The same
seed and reference date always give the same caseload.
"""

from __future__ import annotations

import argparse
import random
from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core.config import load_settings
from core.db import Database, upgrade_schema
from core.demo.couples import add_couples
from core.demo.data import COUPLES_PER_EXTRA_COUNSELLOR, FIRST_NAMES, DemoSummary
from core.demo.homework import add_homework
from core.domain import Role
from core.models import Counsellor
from core.services import audit, exercises
from core.services.accounts import DEMO_ACCOUNTS, hash_password

__all__ = ["DEMO_ACCOUNTS", "FIRST_NAMES", "DemoSummary", "is_empty", "load_demo", "main"]


def is_empty(db: Database) -> bool:
    with db.read() as session:
        return not session.scalar(select(func.count()).select_from(Counsellor))


def load_demo(
    db: Database, *, couples: int = 40, seed: int = 1, today: date | None = None
) -> DemoSummary:
    """Fill an empty database with accounts and a synthetic caseload."""
    if couples < 0:
        raise ValueError("couples must be zero or more")
    if not is_empty(db):
        raise RuntimeError("the database already has accounts; demo data goes into an empty one")
    rng = random.Random(seed)
    today = today or date.today()
    summary = DemoSummary()
    exercises.sync_catalogue(db)
    with db.transaction() as session:
        counsellor_ids = _add_accounts(session, couples)
        summary.counsellors = len(counsellor_ids)
        for start in range(0, couples, 250):
            batch = range(start, min(couples, start + 250))
            add_couples(session, rng, today, counsellor_ids, batch, summary)
        # A separate stream, so adding homework never changes the rest of a seed's data.
        summary.extra["assignments"] = add_homework(session, random.Random(seed + 7919), today)
        audit.record(
            session,
            None,
            "demo_loaded",
            "database",
            None,
            {"couples": couples, "seed": seed},
            username="system",
        )
    return summary


def _add_accounts(session: Session, couples: int) -> list[int]:
    rows = [
        {
            "username": u,
            "display_name": n,
            "role": r,
            "password_hash": hash_password(p),
            "active": True,
            "failed_logins": 0,
            "must_change_password": False,
        }
        for u, n, r, p in DEMO_ACCOUNTS
    ]
    extra = max(0, couples // COUPLES_PER_EXTRA_COUNSELLOR - 2)
    # Extra counsellors for clinic-scale data share one unusable hash: nobody logs in as them.
    locked_hash = hash_password(f"no-login-{random.Random(couples).random()}")
    rows += [
        {
            "username": f"counsellor{n + 3}",
            "display_name": f"Counsellor {n + 3} (demo)",
            "role": Role.COUNSELLOR,
            "password_hash": locked_hash,
            "active": True,
            "failed_logins": 0,
            "must_change_password": False,
        }
        for n in range(extra)
    ]
    ids = session.scalars(
        insert(Counsellor).returning(Counsellor.id, sort_by_parameter_order=True), rows
    ).all()
    return [i for i, row in zip(ids, rows, strict=True) if row["role"] is Role.COUNSELLOR]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.demo", description="Load a synthetic Mend caseload."
    )
    parser.add_argument("--couples", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url", default=None, help="defaults to DATABASE_URL or the local SQLite file"
    )
    parser.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing (exit 0) when the database already has data",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.couples <= 5000:
        parser.error("--couples must be between 0 and 5000")
    db = Database.from_url(args.database_url or load_settings().database_url)
    upgrade_schema(db.engine)
    if not is_empty(db):
        print("The database already has data; demo data is only loaded into an empty one.")
        return 0 if args.if_empty else 1
    summary = load_demo(db, couples=args.couples, seed=args.seed)
    print(
        f"Loaded {summary.couples} couples, {summary.sessions} sessions, "
        f"{summary.measurements} ratings for {summary.counsellors} counsellors."
    )
    return 0
