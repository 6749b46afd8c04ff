"""Timings at clinic scale: `make bench`.

Builds (once) a synthetic 2,000-couple SQLite database, then times the reads
that every page load makes. Speed is measured here, never in a timed test.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import select

from core.db import Database, upgrade_schema
from core.demo import load_demo
from core.domain import Role
from core.models import Counsellor
from core.services import couples, progress_views, sessions
from core.services.access import Actor

os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")
RESULTS = Path(__file__).resolve().parent / "results"
COUPLES = int(os.environ.get("BENCH_COUPLES", "2000"))
REPEATS = 5


def timed(label: str, action: Callable[[], object], repeats: int = REPEATS) -> dict[str, float]:
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - start)
    row = {"median_ms": 1000 * statistics.median(seconds), "max_ms": 1000 * max(seconds)}
    print(f"{label:<48} median {row['median_ms']:8.1f} ms   max {row['max_ms']:8.1f} ms")
    return row


def database() -> Database:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"bench-{COUPLES}.db"
    fresh = not path.exists()
    db = Database.from_url(f"sqlite:///{path}")
    upgrade_schema(db.engine)
    if fresh:
        start = time.perf_counter()
        summary = load_demo(db, couples=COUPLES, seed=1, today=date(2026, 11, 24))
        print(
            f"Built {summary.couples} couples, {summary.sessions} sessions, "
            f"{summary.measurements} ratings in {time.perf_counter() - start:.1f} s"
        )
    return db


def actor(db: Database, username: str) -> Actor:
    with db.read() as session:
        return Actor.of(
            session.scalars(select(Counsellor).where(Counsellor.username == username)).one()
        )


def page_render(db: Database, user: Actor) -> None:
    from streamlit.testing.v1 import AppTest

    os.environ["DATABASE_URL"] = db.engine.url.render_as_string()
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60)
    at.session_state["user"] = user
    at.run()
    assert not at.exception


def main() -> int:
    db = database()
    today = date(2026, 11, 24)
    supervisor, counsellor = actor(db, "supervisor"), actor(db, "counsellor1")
    assert supervisor.role is Role.SUPERVISOR
    reference = progress_views.clinic_reference(db)
    first_couple = int(couples.caseload(db, counsellor, today=today)["couple_id"].iloc[0])
    results = {
        "caseload_counsellor": timed(
            "caseload query, one counsellor", lambda: couples.caseload(db, counsellor, today=today)
        ),
        "caseload_supervisor_all": timed(
            f"caseload query, supervisor ({COUPLES} couples)",
            lambda: couples.caseload(db, supervisor, today=today),
        ),
        "caseload_search": timed(
            "caseload search 'alex' (supervisor)",
            lambda: couples.caseload(db, supervisor, today=today, search="alex"),
        ),
        "note_search_supervisor": timed(
            f"note search 'boundary' over {COUPLES} couples",
            lambda: sessions.search_notes(db, supervisor, "boundary"),
        ),
        "note_search_counsellor": timed(
            "note search 'boundary', one counsellor",
            lambda: sessions.search_notes(db, counsellor, "boundary"),
        ),
        "clinic_reference": timed(
            "clinic constants and band: read the stored snapshot in force",
            lambda: progress_views.clinic_reference(db),
            repeats=2,
        ),
        "reference_recompute": timed(
            "clinic constants and band: recompute from all ratings and store",
            lambda: progress_views.recompute_reference(db, supervisor),
            repeats=2,
        ),
        "progress_caseload_counsellor": timed(
            "caseload with progress, one counsellor",
            lambda: progress_views.caseload_progress(
                db, counsellor, today=today, reference=reference
            ),
            repeats=3,
        ),
        "progress_caseload_supervisor": timed(
            f"caseload with progress, supervisor ({COUPLES} couples, cold read)",
            lambda: progress_views.caseload_progress(
                db, supervisor, today=today, reference=reference
            ),
            repeats=2,
        ),
        "couple_progress": timed(
            "one couple's progress tab analysis",
            lambda: progress_views.couple_progress(
                db, counsellor, first_couple, today=today, reference=reference
            ),
        ),
        "caseload_page_supervisor": timed(
            "caseload page render (AppTest), supervisor",
            lambda: page_render(db, supervisor),
            repeats=3,
        ),
    }
    (RESULTS / "latest.json").write_text(
        json.dumps(
            {"couples": COUPLES, "python": sys.version.split()[0], "results": results}, indent=2
        )
    )
    print(f"Saved {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
