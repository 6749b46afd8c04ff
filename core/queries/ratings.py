"""Ratings as long frames for the progress analytics (`core.progress`).

measures_frame(session, scope)  one query -> long frame, one row per rating the
                                scope lets the reader see
clinic_frame(session)           the same ratings clinic-wide, without names or case
                                codes: input for the clinic aggregates
                                (`clinic_constants`, `empirical_band`)
couple_stamps(session, scope)   per couple in scope: what its progress depends on besides
                                the clinic reference and today (the progress cache key)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Select, String, case, func, null, select, type_coerce
from sqlalchemy.orm import Session

from core.models import Couple, Measurement, Partner, RatingStamp
from core.progress import CLINIC_COLUMNS, MEASURE_COLUMNS, TRACKED, empty_measures


def measures_frame(
    session: Session,
    scope: ColumnElement[bool],
    *,
    couple_ids: Iterable[int] | None = None,
    instruments: Iterable[str] | None = None,
    with_items: bool = True,
) -> pd.DataFrame:
    """Every rating within `scope`, in one query (Measurement x Partner x Couple).

    `scope` is a boolean clause on `Couple`, `core.services.access.caseload_scope(actor)`:
    counsellors see their own caseload, supervisors and admins every one. Couples in
    `couple_ids` outside the scope are left out, not refused (callers opening a single
    couple check access first). Columns: MEASURE_COLUMNS; `measured_on` is datetime64,
    `week` the float weeks since intake, `items` the item answers (dict).
    `with_items=False` leaves items as None: decoding them is most of the cost of a
    clinic-sized read, and only the five C's profile needs them.
    Checking that the account is still active is the calling service's job.
    """
    items: Any = Measurement.items if with_items else null()
    query = _ratings_query(couple_ids, instruments, items).where(scope)
    return _long_frame(session, query)[MEASURE_COLUMNS]


def clinic_frame(session: Session, *, instruments: Iterable[str] | None = None) -> pd.DataFrame:
    """All the clinic's ratings without names, case codes or counsellors (CLINIC_COLUMNS).

    Only for the clinic-wide aggregates (`clinic_constants`, `empirical_band`): a
    counsellor's statuses must be judged against the same constants and band as anyone
    else's. Never show its rows. Items are read only for instruments whose reliability
    is estimated from the clinic's data (None for the others).
    """
    estimated = [key for key, tool in TRACKED.items() if tool.estimate_from_clinic]
    items = case((Measurement.instrument.in_(estimated), Measurement.items), else_=null())
    return _long_frame(session, _ratings_query(None, instruments, items))[CLINIC_COLUMNS]


def couple_stamps(session: Session, scope: ColumnElement[bool]) -> dict[int, tuple[Any, ...]]:
    """Per couple in `scope`: (ratings version, intake date, status). The ratings version
    is bumped by database triggers on every change to the couple's ratings (migration
    0014), so equal stamps mean equal ratings: one read of the couples, no rating read."""
    rows = session.execute(
        select(
            Couple.id,
            func.coalesce(RatingStamp.version, 0),
            Couple.intake_date,
            Couple.status,
        )
        .outerjoin(RatingStamp, RatingStamp.couple_id == Couple.id)
        .where(scope)
    )
    return {couple_id: tuple(rest) for couple_id, *rest in rows}


def _ratings_query(
    couple_ids: Iterable[int] | None, instruments: Iterable[str] | None, items: Any
) -> Select[Any]:
    # Enums and dates come back as the database has them; pandas converts whole columns
    # at once, which is much faster than a Python object per value at clinic scale.
    query = (
        select(
            Measurement.couple_id,
            Couple.case_code,
            Couple.counsellor_id,
            type_coerce(Couple.status, String).label("status"),
            Partner.label.label("partner_label"),
            Partner.name.label("partner_name"),
            type_coerce(Partner.role, String).label("role"),
            Measurement.instrument,
            type_coerce(Measurement.measured_on, String).label("measured_on"),
            type_coerce(Couple.intake_date, String).label("intake_date"),
            Measurement.total,
            items.label("items"),
            Measurement.source,
        )
        .join(Partner, Partner.id == Measurement.partner_id)
        .join(Couple, Couple.id == Measurement.couple_id)
        .order_by(
            Measurement.couple_id,
            Partner.label,
            Measurement.instrument,
            Measurement.measured_on,
            Measurement.id,
        )
    )
    if couple_ids is not None:
        query = query.where(Measurement.couple_id.in_(list(couple_ids)))
    if instruments is not None:
        query = query.where(Measurement.instrument.in_(list(instruments)))
    return query


def _long_frame(session: Session, query: Select[Any]) -> pd.DataFrame:
    result = session.connection().execute(query)
    names = list(result.keys())
    rows = result.fetchall()
    if not rows:
        return empty_measures()
    # Column by column: a DataFrame built from Row objects inspects every row.
    raw = pd.DataFrame(
        dict(zip(names, (list(column) for column in zip(*rows, strict=True)), strict=True))
    )
    frame = raw.drop(columns="intake_date")
    frame["measured_on"] = pd.to_datetime(raw["measured_on"]).astype("datetime64[ns]")
    intake = pd.to_datetime(raw["intake_date"]).astype("datetime64[ns]")
    frame["week"] = (frame["measured_on"] - intake).dt.days / 7
    frame["total"] = frame["total"].astype("float64")
    for column in (
        "case_code",
        "status",
        "partner_label",
        "partner_name",
        "role",
        "instrument",
        "source",
    ):
        frame[column] = frame[column].astype("object")
    return frame
