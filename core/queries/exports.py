"""Read side of the exports: a couple's ratings with where each came from."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Couple, Measurement, Partner

RATING_COLUMNS = [
    "case_code",
    "partner_label",
    "partner_name",
    "instrument_key",
    "measured_on",
    "intake_date",
    "total",
    "session_id",
]


def couple_ratings(session: Session, couple_id: int) -> pd.DataFrame:
    """Every rating of one couple (access is the caller's job), oldest first."""
    rows = session.execute(
        select(
            Couple.case_code,
            Partner.label,
            Partner.name,
            Measurement.instrument,
            Measurement.measured_on,
            Couple.intake_date,
            Measurement.total,
            Measurement.session_id,
        )
        .join(Partner, Partner.id == Measurement.partner_id)
        .join(Couple, Couple.id == Measurement.couple_id)
        .where(Measurement.couple_id == couple_id)
        .order_by(Measurement.measured_on, Partner.label, Measurement.instrument, Measurement.id)
    ).all()
    return pd.DataFrame(rows, columns=RATING_COLUMNS)
