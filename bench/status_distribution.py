"""The status distribution on a demo database, as a supervisor reads it.

    python -m core.demo --couples 200 --seed 1 --database-url sqlite:////tmp/demo200.db
    python -m bench.status_distribution --database-url sqlite:////tmp/demo200.db

Prints markdown: couples per progress status, per six-month outcome, the flags that put
a couple on the needs-attention list, and the share improved at six months
(docs/clinical-model.md shows the output before and after the calibration).
"""

from __future__ import annotations

import argparse
from datetime import date

import pandas as pd
from sqlalchemy import select

from core.db import Database
from core.models import Counsellor
from core.services import caseload_views, progress_views
from core.services.access import Actor


def _counts(values: pd.Series, title: str) -> str:
    counts = values.fillna("(none)").value_counts().sort_index()
    lines = [f"| {title} | couples |", "|---|---:|"]
    lines += [f"| {name} | {n} |" for name, n in counts.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.status_distribution")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    args = parser.parse_args(argv)
    db = Database.from_url(args.database_url)
    with db.read() as session:
        user = session.scalars(select(Counsellor).where(Counsellor.username == "supervisor")).one()
        actor = Actor.of(user)
    reference = progress_views.clinic_reference(db)
    summary, outcomes = caseload_views.supervision(db, actor, today=args.today, reference=reference)
    print(f"{len(summary)} couples, as of {args.today}\n")
    print(_counts(summary["progress_status"], "progress status") + "\n")
    if "second_look" in summary.columns:
        print(f"Second look flagged: {int(summary['second_look'].sum())} couples\n")
    print(_counts(summary["outcome_26"], "outcome at six months") + "\n")
    reasons = summary["attention_reasons"].str.split("; ").explode()
    reasons = reasons.loc[reasons.ne("")].str.replace(r"^\d+ ", "", regex=True)
    reasons = reasons.str.replace(r"notes?$", "note(s)", regex=True)
    print(_counts(reasons, "needs-attention reason") + "\n")
    print(f"Asymmetry (partners moving apart): {int(summary['asymmetry'].sum())} couples\n")
    totals = outcomes[["past_26", "rated_26", "improved_or_recovered"]].sum()
    print(
        f"Improved or recovered at six months: {int(totals.improved_or_recovered)} of "
        f"{int(totals.past_26)} couples past week 26 "
        f"({totals.improved_or_recovered / totals.past_26:.0%}); "
        f"{int(totals.rated_26)} rated there "
        f"({totals.improved_or_recovered / totals.rated_26:.0%} of those rated)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
