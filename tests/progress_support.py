"""Helpers shared by the progress analytics tests (tests/unit/progress) and the chart
tests: ratings built directly in measures_frame's shape, without a database."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest

from core.progress import (
    MEASURE_COLUMNS,
    change_table,
    classify,
    clinic_constants,
    empirical_band,
    empty_measures,
    milestones,
)
from core.queries import ratings as rating_queries

INTAKE = date(2026, 1, 5)
NAMES = {"A": "Kit", "B": "Lou"}
# The instruments' defaults: CSI-4 SD 4.0, r .94; five C's 8.0, .80; distress 2.5, .70.
DEFAULTS = clinic_constants(empty_measures())


def rating(
    week: float,
    total: float,
    *,
    couple: int = 1,
    partner: str = "A",
    instrument: str = "csi4",
    items: dict[str, float] | None = None,
    status: str = "active",
    counsellor_id: int = 1,
) -> dict[str, Any]:
    """One row of measures_frame; `week` is turned into a whole number of days."""
    days = round(week * 7)
    return {
        "couple_id": couple,
        "case_code": f"C-{couple:04d}",
        "counsellor_id": counsellor_id,
        "status": status,
        "partner_label": partner,
        "partner_name": NAMES[partner],
        "role": "hurt" if partner == "A" else "broke_trust",
        "instrument": instrument,
        "measured_on": pd.Timestamp(INTAKE + timedelta(days=days)),
        "week": days / 7,
        "total": float(total),
        "items": items or {},
        "source": "session",
    }


def frame_of(*rows: dict[str, Any]) -> pd.DataFrame:
    if not rows:
        return empty_measures()
    return pd.DataFrame(list(rows), columns=MEASURE_COLUMNS)


def flat_band(low: float = -1.0, high: float = 3.0) -> pd.DataFrame:
    """An expected range of low..high points (10th-90th percentile, also used as the
    middle half) at every week for every instrument, centred on its middle, as if from
    the clinic."""
    band = empirical_band(empty_measures(), DEFAULTS)
    middle = (low + high) / 2
    return band.assign(
        p10=low, p25=low, median=middle, expected=middle, p75=high, p90=high,
        source="clinic", n_couples=40,
    )  # fmt: skip


def statuses(
    *rows: dict[str, Any],
    today: float | None,
    roster: list[int] | None = None,
    band: pd.DataFrame | None = None,
) -> pd.DataFrame:
    frame = frame_of(*rows)
    changes = change_table(frame, DEFAULTS)
    return classify(
        changes,
        milestones(frame, DEFAULTS),
        flat_band() if band is None else band,
        today_weeks=today,
        roster=None if roster is None else pd.DataFrame({"couple_id": roster}),
    )


def partner_status(result: pd.DataFrame, couple: int = 1, partner: str = "A") -> tuple[str, str]:
    row = result.loc[(result["couple_id"] == couple) & (result["partner_label"] == partner)]
    assert len(row) == 1, result
    return row["status"].iloc[0], row["reason"].iloc[0]


def rating_reads(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """Record the couples whose ratings are read (measures_frame), call by call."""
    calls: list[list[int]] = []
    real = rating_queries.measures_frame

    def spy(session: Any, scope: Any, **options: Any) -> pd.DataFrame:
        calls.append(sorted(options.get("couple_ids") or []))
        return real(session, scope, **options)

    monkeypatch.setattr(rating_queries, "measures_frame", spy)
    return calls
